/**
 * Quiet hours in the recipient's own time zone. A message that falls inside the window is not
 * dropped: the verdict is `defer` with the first allowed instant (the window's end, local time),
 * which the run engine waits for. Windows may cross midnight (21:00–08:00) or not (12:00–14:00).
 */
import { isValidTimeZone, localWindowAt } from '../../shared/time-zone';
import { ALLOW, formatInstant, type BoundPolicy, type ContactPolicy, type PolicyInput, type PolicyVerdict } from './types';

export interface QuietWindowResult {
  readonly quiet: boolean;
  /** When quiet: the first instant outside the window. */
  readonly until?: number;
  readonly timeZone: string;
}

/** Whether `now` is inside the quiet window in `timeZone`, and when the window ends (DST rules: app/shared/time-zone.ts). */
export function quietWindowAt(now: number, timeZone: string, start: string, end: string): QuietWindowResult {
  const window = localWindowAt(now, timeZone, start, end);
  return window.inside ? { quiet: true, until: window.endsAt, timeZone } : { quiet: false, timeZone };
}

export const quietHoursPolicy: ContactPolicy = {
  id: 'quiet_hours',
  summary: "Hold messages during quiet hours in the recipient's time zone and send them when the window ends.",
  bind(input: PolicyInput): BoundPolicy {
    const settings = input.config.quietHours;
    if (!settings.enabled) return () => ALLOW;
    const profileZone = input.profile.timeZone;
    const zone = profileZone !== undefined && isValidTimeZone(profileZone) ? profileZone : settings.defaultTimeZone;
    const zoneNote =
      profileZone === undefined
        ? ' (no time zone on profile: tenant default)'
        : zone !== profileZone
          ? ` (unknown zone "${profileZone}": tenant default)`
          : '';
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
