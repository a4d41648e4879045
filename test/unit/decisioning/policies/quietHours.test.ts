import { quietHoursPolicy, quietWindowAt } from '../../../../app/decisioning/policies/quietHours';
import { callTask, config, policyInput, profile, smsNudge, upsellEmail } from '../fixtures';

const at = (iso: string) => Date.parse(iso);

describe('quiet hours window in the recipient time zone', () => {
  it.each<[string, string, boolean, string | null]>([
    ['2025-06-03T12:00:00Z', 'Europe/Berlin', false, null], // 14:00 CEST
    ['2025-06-03T20:30:00Z', 'Europe/Berlin', true, '2025-06-04T06:00:00Z'], // 22:30 CEST → 08:00 CEST next day
    ['2025-06-03T04:00:00Z', 'Europe/Berlin', true, '2025-06-03T06:00:00Z'], // 06:00 CEST → 08:00 same day
    ['2025-06-03T06:00:00Z', 'Europe/Berlin', false, null], // exactly 08:00: window over
    ['2025-06-03T19:00:00Z', 'Europe/Berlin', true, '2025-06-04T06:00:00Z'], // exactly 21:00: window starts
    ['2025-06-03T12:00:00Z', 'Asia/Tokyo', true, '2025-06-03T23:00:00Z'], // 21:00 JST → 08:00 JST next day
    ['2025-06-03T12:00:00Z', 'America/New_York', false, null], // 08:00 EDT
    ['2025-01-15T03:00:00Z', 'America/New_York', true, '2025-01-15T13:00:00Z'], // 22:00 EST, winter offset
    ['2025-03-09T04:00:00Z', 'America/New_York', true, '2025-03-09T12:00:00Z'], // 23:00 EST; ends 08:00 EDT after the DST jump
    ['2025-10-26T00:30:00Z', 'Europe/Berlin', true, '2025-10-26T07:00:00Z'], // 02:30 CEST; ends 08:00 CET after DST ends
  ])('%s in %s', (now, zone, quiet, until) => {
    const window = quietWindowAt(at(now), zone, '21:00', '08:00');
    expect(window.quiet).toBe(quiet);
    if (until !== null) expect(new Date(window.until ?? 0).toISOString()).toBe(new Date(until).toISOString());
  });

  it('handles a window that does not cross midnight', () => {
    expect(quietWindowAt(at('2025-06-03T11:00:00Z'), 'UTC', '12:00', '14:00').quiet).toBe(false);
    const lunch = quietWindowAt(at('2025-06-03T12:30:00Z'), 'UTC', '12:00', '14:00');
    expect(lunch.quiet).toBe(true);
    expect(lunch.until).toBe(at('2025-06-03T14:00:00Z'));
  });

  it('treats start = end as no quiet hours', () => {
    expect(quietWindowAt(at('2025-06-03T12:00:00Z'), 'UTC', '09:00', '09:00').quiet).toBe(false);
  });
});

describe('quiet hours policy', () => {
  const night = at('2025-06-03T21:30:00Z'); // 23:30 in Berlin

  it('defers (does not drop) a message and says until when', () => {
    const verdict = quietHoursPolicy.bind(policyInput({ now: night }))({ action: smsNudge, promotional: true });
    expect(verdict.kind).toBe('defer');
    if (verdict.kind === 'defer') {
      expect(verdict.until).toBe(at('2025-06-04T06:00:00Z'));
      expect(verdict.reason).toMatch(/Europe\/Berlin/);
    }
  });

  it('does not hold channels outside its list (tasks)', () => {
    expect(quietHoursPolicy.bind(policyInput({ now: night }))({ action: callTask, promotional: false }).kind).toBe('allow');
  });

  it('uses the tenant default zone for a profile with an unknown zone, and says so', () => {
    const input = policyInput({
      now: at('2025-06-03T22:00:00Z'),
      profile: profile({ timeZone: 'Mars/Olympus' }),
      config: config({ quietHours: { defaultTimeZone: 'UTC' } }),
    });
    const verdict = quietHoursPolicy.bind(input)({ action: upsellEmail, promotional: true });
    expect(verdict.kind).toBe('defer');
    if (verdict.kind === 'defer') expect(verdict.reason).toMatch(/unknown zone "Mars\/Olympus"/);
  });

  it('can be switched off', () => {
    const input = policyInput({ now: night, config: config({ quietHours: { enabled: false } }) });
    expect(quietHoursPolicy.bind(input)({ action: smsNudge, promotional: true }).kind).toBe('allow');
  });
});
