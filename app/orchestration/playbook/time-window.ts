/**
 * "Wait until a time window opens in the recipient's time zone", computed with Intl.DateTimeFormat
 * (no time-zone database of our own). All instants are epoch milliseconds.
 */
export interface DailyWindow {
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which the window opens. */
  readonly days: readonly number[];
  /** "HH:MM", inclusive. */
  readonly start: string;
  /** "HH:MM", exclusive; must be after start. */
  readonly end: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Minutes since midnight for "HH:MM". */
export function parseClockTime(text: string): number {
  const [hours, minutes] = text.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
}

/** The wall-clock reading in `timeZone` at `instant`. */
export function wallClock(instant: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const year = parts['year'] ?? 1970;
  const month = parts['month'] ?? 1;
  const day = parts['day'] ?? 1;
  const utcWeekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, hour: parts['hour'] ?? 0, minute: parts['minute'] ?? 0, second: parts['second'] ?? 0, weekday: utcWeekday === 0 ? 7 : utcWeekday };
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (e.g. +3,600,000 for CET). */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` reads the given date and minute of day.
 * A wall time skipped by a spring-forward jump maps to the jump (02:30 → 03:00, the first instant the
 * clock reads past it); a repeated wall time (fall-back overlap) maps to its first occurrence.
 */
export function instantOfWallTime(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const wallAsUtc = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  // The offsets in force a day before and a day after bracket any transition near this wall time.
  const candidates = [offsetAt(wallAsUtc - DAY_MS, timeZone), offsetAt(wallAsUtc + DAY_MS, timeZone)].map((offset) => wallAsUtc - offset);
  const reads = (instant: number): boolean => {
    const w = wallClock(instant, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === wallAsUtc;
  };
  const exact = candidates.filter(reads);
  // One exact instant: the usual case. Two (fall-back overlap): the first one, when the wall clock
  // first reads that time. None (skipped by a spring-forward jump): the jump itself, the first
  // instant whose reading is past that time.
  if (exact.length > 0) return Math.min(...exact);
  let before = Math.min(...candidates);
  let after = Math.max(...candidates);
  const readsAtLeast = (instant: number): boolean => {
    const w = wallClock(instant, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) >= wallAsUtc;
  };
  // Invariant: `before` reads earlier than the wall time, `after` reads it or later. Transitions
  // happen on whole seconds, so bisect down to one second.
  while (after - before > 1000) {
    const middle = before + Math.floor((after - before) / 2000) * 1000;
    if (readsAtLeast(middle)) after = middle;
    else before = middle;
  }
  return after;
}

const DAY_MS = 86_400_000;

const inWindow = (w: WallClock, window: DailyWindow): boolean => {
  const minute = w.hour * 60 + w.minute;
  return window.days.includes(w.weekday) && minute >= parseClockTime(window.start) && minute < parseClockTime(window.end);
};

/**
 * The earliest instant ≥ `now` at which the window is open in `timeZone`
 * (`now` itself if it is open already).
 */
export function nextWindowOpening(now: number, timeZone: string, window: DailyWindow): number {
  const current = wallClock(now, timeZone);
  if (inWindow(current, window)) return now;
  const startMinute = parseClockTime(window.start);
  // Try today and the following 7 local days; the first matching opening after `now` wins.
  for (let offset = 0; offset <= 7; offset += 1) {
    const date = new Date(Date.UTC(current.year, current.month - 1, current.day + offset));
    const candidate = instantOfWallTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), startMinute, timeZone);
    if (candidate < now) continue;
    const wall = wallClock(candidate, timeZone);
    if (inWindow(wall, window)) return candidate;
  }
  throw new Error(`no opening found for window ${window.start}-${window.end} on days ${window.days.join(',')} in ${timeZone}`);
}
