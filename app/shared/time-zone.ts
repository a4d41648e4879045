/**
 * The one time-zone module: wall-clock arithmetic in a recipient's IANA time zone, built on
 * `temporal-polyfill` (the TC39 Temporal API; its zone rules come from the runtime's tz database).
 * Quiet hours (app/decisioning/policies/quietHours.ts), playbook time windows
 * (app/orchestration/playbook/time-window.ts) and vendor zone names (connectors/hubspot/timezone.ts) all
 * read time zones through it. All instants are epoch milliseconds.
 *
 * The DST rules, explicit because every caller depends on them:
 * - **Spring gap** (a local wall time that does not exist, e.g. 02:30 in New York on 8 March 2026):
 *   it moves forward to the first valid instant, the transition itself (03:00 EDT), not to the
 *   "same distance past the gap" that Temporal's default `compatible` gives (03:30 EDT).
 * - **Autumn overlap** (a local wall time that happens twice, e.g. 01:30 in New York on 1 November
 *   2026): the earlier of the two instants (01:30 EDT, not 01:30 EST).
 */
import { Temporal } from 'temporal-polyfill';

/** A local reading of the clock. `weekday` is ISO: 1 = Monday … 7 = Sunday. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

/** A local date and minute, as a caller asks for it (no seconds: windows are whole minutes). */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

// Zone names seen so far → the zone's canonical spelling, or null when it is not an IANA zone.
// Bounded: zone names come from profile traits and vendor records.
const zoneNames = new Map<string, string | null>();
const ZONE_NAME_CACHE_LIMIT = 2048;
let ianaByLowerName: Map<string, string> | undefined;

function ianaNames(): Map<string, string> {
  if (ianaByLowerName === undefined) {
    ianaByLowerName = new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
    ianaByLowerName.set('utc', 'UTC');
  }
  return ianaByLowerName;
}

/**
 * The IANA zone a name stands for, spelled as the tz database spells it (`america/new_york` →
 * `America/New_York`; an alias such as `Asia/Calcutta` stays itself), or undefined for anything that is
 * not an IANA zone. Fixed offsets (`+05:30`) are not zones here: they know nothing of DST.
 */
export function canonicalTimeZone(name: string): string | undefined {
  const cached = zoneNames.get(name);
  if (cached !== undefined) return cached ?? undefined;
  let canonical: string | null = null;
  if (name !== '' && name.length <= 64 && !/^[+\-\u2212]/.test(name)) {
    canonical = ianaNames().get(name.toLowerCase()) ?? null;
    if (canonical === null) {
      try {
        canonical = Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name).timeZoneId;
      } catch {
        canonical = null;
      }
    }
  }
  if (zoneNames.size >= ZONE_NAME_CACHE_LIMIT) zoneNames.clear();
  zoneNames.set(name, canonical);
  return canonical ?? undefined;
}

/** Whether `timeZone` is an IANA zone this runtime knows (case-insensitive, aliases included). */
export function isValidTimeZone(timeZone: string): boolean {
  return canonicalTimeZone(timeZone) !== undefined;
}

function zoneOrThrow(timeZone: string): string {
  const zone = canonicalTimeZone(timeZone);
  if (zone === undefined) throw new RangeError(`unknown time zone "${timeZone}"`);
  return zone;
}

/**
 * A stretch of time in which a zone's UTC offset does not change, bounded by Temporal's transitions
 * (`getTimeZoneTransition`). Readings inside a known stretch are plain arithmetic; asking Temporal
 * is the costly part, and decisions cluster in time, so each zone keeps the last few stretches.
 */
interface OffsetPeriod {
  readonly start: number;
  readonly end: number;
  readonly offsetMs: number;
}
const periodsByZone = new Map<string, OffsetPeriod[]>();
const PERIODS_PER_ZONE = 8;
const PERIOD_ZONES_LIMIT = 1024;

function offsetPeriodAt(epochMs: number, zone: string): OffsetPeriod {
  let periods = periodsByZone.get(zone);
  if (periods !== undefined) {
    for (const p of periods) if (epochMs >= p.start && epochMs < p.end) return p;
  } else {
    if (periodsByZone.size >= PERIOD_ZONES_LIMIT) periodsByZone.clear();
    periods = [];
    periodsByZone.set(zone, periods);
  }
  const z = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone);
  // `previous` is strictly before the instant it is asked from: ask from 1 ms later, so an instant that
  // is itself a transition starts its period (transitions fall on whole seconds).
  const previous = z.add({ milliseconds: 1 }).getTimeZoneTransition('previous');
  const next = z.getTimeZoneTransition('next');
  const period = {
    start: previous?.epochMilliseconds ?? -Infinity,
    end: next?.epochMilliseconds ?? Infinity,
    offsetMs: z.offsetNanoseconds / 1e6,
  };
  if (periods.length >= PERIODS_PER_ZONE) periods.shift();
  periods.push(period);
  return period;
}

/** The local wall-clock reading of an instant; throws a RangeError on an unknown zone. */
export function wallClockAt(epochMs: number, timeZone: string): WallClock {
  const local = new Date(epochMs + offsetPeriodAt(epochMs, zoneOrThrow(timeZone)).offsetMs);
  const weekday = local.getUTCDay();
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: weekday === 0 ? 7 : weekday,
  };
}

/** Minutes after local midnight of an instant. */
export function minuteOfDayAt(epochMs: number, timeZone: string): number {
  const w = wallClockAt(epochMs, timeZone);
  return w.hour * 60 + w.minute;
}

/**
 * The instant at which the zone's clock reads the given local date and time. A wall time in a spring
 * gap gives the first valid instant after it (the transition: 02:30 → 03:00 in New York); a wall time
 * in an autumn overlap gives the earlier of its two instants. Out-of-range fields (day 32, hour 24)
 * roll over into the next day/month, as Date.UTC does.
 */
export function instantOfWallTime(wall: LocalDateTime, timeZone: string): number {
  const key = `${timeZone}|${wall.year}|${wall.month}|${wall.day}|${wall.hour}|${wall.minute}`;
  const cached = instantCache.get(key);
  if (cached !== undefined) return cached;
  const instant = resolveWallTime(wall, zoneOrThrow(timeZone));
  if (instantCache.size >= INSTANT_CACHE_LIMIT) instantCache.clear();
  instantCache.set(key, instant);
  return instant;
}

// Instants per (zone, wall time): the end of tonight's quiet hours is the same for every decision.
const instantCache = new Map<string, number>();
const INSTANT_CACHE_LIMIT = 4096;

function resolveWallTime(wall: LocalDateTime, zone: string): number {
  const date = Temporal.PlainDate.from({ year: wall.year, month: 1, day: 1 }).add({ months: wall.month - 1, days: wall.day - 1 });
  const local = date.toPlainDateTime().add({ hours: wall.hour, minutes: wall.minute });
  const earlier = local.toZonedDateTime(zone, { disambiguation: 'earlier' });
  if (Temporal.PlainDateTime.compare(earlier.toPlainDateTime(), local) === 0) return earlier.epochMilliseconds;
  // In a gap, `earlier` is the wall time moved back by the gap's length, before the gap: the next
  // transition after it is where the gap ends, the first instant the clock reads past the wall time.
  const transition = earlier.getTimeZoneTransition('next');
  if (transition === null) throw new RangeError(`no transition after ${earlier.toString()}`);
  return transition.epochMilliseconds;
}

/** The local calendar date `days` after the local date of `wall` (month and year lengths handled). */
export function addLocalDays(wall: Pick<WallClock, 'year' | 'month' | 'day'>, days: number): { year: number; month: number; day: number } {
  // Civil-date arithmetic on the proleptic Gregorian calendar (Temporal's ISO calendar) through UTC
  // dates: no zone is involved, and it is ~50 times cheaper than a Temporal.PlainDate per decision.
  const d = new Date(0);
  d.setUTCFullYear(wall.year, wall.month - 1, wall.day + days);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Minutes after midnight of an "HH:MM" clock time. */
export function parseClockTime(text: string): number {
  const [hours, minutes] = text.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** A window that opens every listed weekday, local time. */
export interface DailyWindow {
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which the window opens. */
  readonly days: readonly number[];
  /** "HH:MM", inclusive. */
  readonly start: string;
  /** "HH:MM", exclusive; must be after start. */
  readonly end: string;
}

function isOpen(w: WallClock, window: DailyWindow): boolean {
  const minute = w.hour * 60 + w.minute;
  return window.days.includes(w.weekday) && minute >= parseClockTime(window.start) && minute < parseClockTime(window.end);
}

/**
 * The earliest instant ≥ `now` at which the window is open in `timeZone` (`now` itself when it is open
 * already). A start time skipped by a spring gap opens at the transition; one that happens twice opens
 * at its first occurrence.
 */
export function nextWindowOpening(now: number, timeZone: string, window: DailyWindow): number {
  const current = wallClockAt(now, timeZone);
  if (isOpen(current, window)) return now;
  const startMinute = parseClockTime(window.start);
  // Today and the following 7 local days: the first opening at or after `now` wins.
  for (let offset = 0; offset <= 7; offset += 1) {
    const date = addLocalDays(current, offset);
    const candidate = instantOfWallTime({ ...date, hour: Math.floor(startMinute / 60), minute: startMinute % 60 }, timeZone);
    if (candidate < now) continue;
    if (isOpen(wallClockAt(candidate, timeZone), window)) return candidate;
  }
  throw new Error(`no opening found for window ${window.start}-${window.end} on days ${window.days.join(',')} in ${timeZone}`);
}

/**
 * Whether `now` falls in a daily local window `start`–`end` ("HH:MM"; it may cross midnight, e.g.
 * 21:00–08:00; start = end is no window) and, when it does, the instant it ends: the end time on the
 * local day the window closes (never before `now`).
 */
export function localWindowAt(
  now: number,
  timeZone: string,
  start: string,
  end: string,
): { readonly inside: false } | { readonly inside: true; readonly endsAt: number } {
  const startMin = parseClockTime(start);
  const endMin = parseClockTime(end);
  if (startMin === endMin) return { inside: false };
  const wall = wallClockAt(now, timeZone);
  const minute = wall.hour * 60 + wall.minute;
  const crossesMidnight = startMin > endMin;
  const inside = crossesMidnight ? minute >= startMin || minute < endMin : minute >= startMin && minute < endMin;
  if (!inside) return { inside: false };
  const endsTomorrow = crossesMidnight && minute >= startMin;
  const day = addLocalDays(wall, endsTomorrow ? 1 : 0);
  const endsAt = instantOfWallTime({ ...day, hour: Math.floor(endMin / 60), minute: endMin % 60 }, timeZone);
  return { inside: true, endsAt: Math.max(endsAt, now) };
}
