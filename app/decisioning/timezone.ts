/**
 * Wall-clock arithmetic in a recipient's IANA time zone with nothing but `Intl.DateTimeFormat`.
 * Formatters are cached per zone (creating one costs far more than using it).
 */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat | null;
  try {
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
  } catch {
    formatter = null;
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  return formatterFor(timeZone) !== null;
}

export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

// Wall-clock readings per (zone, minute): decisions cluster in time, and formatting is the costly part.
const minuteCache = new Map<string, WallClock>();
const MINUTE_CACHE_LIMIT = 4096;

/** The local wall-clock reading of an instant; throws on an unknown zone (check with isValidTimeZone). */
export function wallClockAt(epochMs: number, timeZone: string): WallClock {
  const minute = Math.floor(epochMs / 60_000);
  const key = `${timeZone}|${minute}`;
  const cached = minuteCache.get(key);
  if (cached !== undefined) return { ...cached, second: Math.floor((epochMs - minute * 60_000) / 1000) };
  const reading = readWallClock(minute * 60_000, timeZone);
  if (minuteCache.size >= MINUTE_CACHE_LIMIT) minuteCache.clear();
  minuteCache.set(key, reading);
  return { ...reading, second: Math.floor((epochMs - minute * 60_000) / 1000) };
}

function readWallClock(epochMs: number, timeZone: string): WallClock {
  const formatter = formatterFor(timeZone);
  if (formatter === null) throw new RangeError(`unknown time zone "${timeZone}"`);
  const parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(epochMs)) {
    if (part.type in parts) parts[part.type as keyof typeof parts] = Number(part.value);
  }
  return parts;
}

/** Offset of the zone from UTC at an instant, in milliseconds (positive east of Greenwich). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const w = wallClockAt(epochMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant at which the zone's clock shows the given wall time. In a DST gap (a wall time that
 * does not exist) the result is the first instant after the gap's start with the post-gap offset.
 */
export function epochOfWallTime(wall: Omit<WallClock, 'second'>, timeZone: string): number {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, 0);
  let guess = naive - zoneOffsetMs(naive, timeZone);
  const refined = naive - zoneOffsetMs(guess, timeZone);
  if (refined !== guess) guess = Math.max(guess, refined);
  return guess;
}

/** Parses "HH:MM" into minutes after midnight. */
export function parseHhMm(text: string): number {
  const [h, m] = text.split(':');
  return Number(h) * 60 + Number(m);
}
