/**
 * Quiet hours in the recipient's own time zone. A message that falls inside the window is not
 * dropped: the verdict is `defer` with the first allowed instant (the window's end, local time),
 * which the run engine waits for. Windows may cross midnight (21:00–08:00) or not (12:00–14:00).
 */
import { epochOfWallTime, isValidTimeZone, parseHhMm, wallClockAt } from '../timezone';
import { ALLOW, formatInstant, type BoundPolicy, type ContactPolicy, type PolicyInput, type PolicyVerdict } from './types';

export interface QuietWindowResult {
  readonly quiet: boolean;
  /** When quiet: the first instant outside the window. */
  readonly until?: number;
  readonly timeZone: string;
}

/** Whether `now` is inside the quiet window in `timeZone`, and when the window ends. */
export function quietWindowAt(now: number, timeZone: string, start: string, end: string): QuietWindowResult {
  const startMin = parseHhMm(start);
  const endMin = parseHhMm(end);
  if (startMin === endMin) return { quiet: false, timeZone };
  const wall = wallClockAt(now, timeZone);
  const minute = wall.hour * 60 + wall.minute;
  const crossesMidnight = startMin > endMin;
  const quiet = crossesMidnight ? minute >= startMin || minute < endMin : minute >= startMin && minute < endMin;
  if (!quiet) return { quiet: false, timeZone };
  const endsTomorrow = crossesMidnight && minute >= startMin;
  const day = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + (endsTomorrow ? 1 : 0)));
  const until = epochOfWallTime(
    {
      year: day.getUTCFullYear(),
      month: day.getUTCMonth() + 1,
      day: day.getUTCDate(),
      hour: Math.floor(endMin / 60),
      minute: endMin % 60,
    },
    timeZone,
  );
  return { quiet: true, until: Math.max(until, now), timeZone };
}

export const quietHoursPolicy: ContactPolicy = {
  id: 'quiet_hours',
  summary: "Hold messages during quiet hours in the recipient's time zone and send them when the window ends.",
  bind(input: PolicyInput): BoundPolicy {
    const settings = input.config.quietHours;
    if (!settings.enabled) return () => ALLOW;
    const profileZone = input.profile.timeZone;
    const zone = profileZone !== undefined && isValidTimeZone(profileZone) ? profileZone : settings.defaultTimeZone;
    const zoneNote = profileZone === undefined ? ' (no time zone on profile: tenant default)' : zone !== profileZone ? ` (unknown zone "${profileZone}": tenant default)` : '';
    let verdict: PolicyVerdict = ALLOW;
    if (isValidTimeZone(zone)) {
      const window = quietWindowAt(input.now, zone, settings.start, settings.end);
      if (window.quiet && window.until !== undefined) {
        verdict = {
          kind: 'defer',
          until: window.until,
          reason: `quiet hours ${settings.start}–${settings.end} in ${zone}${zoneNote}; deferred to ${formatInstant(window.until)}`,
        };
      }
    }
    const channels = new Set(settings.channels);
    return (candidate) => (channels.has(candidate.action.channel) ? verdict : ALLOW);
  },
};
