import fc from 'fast-check';
import { nextWindowOpening, wallClock, type DailyWindow } from '../../../app/orchestration';

const weekdays9to17: DailyWindow = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
const everyDay = (start: string, end: string): DailyWindow => ({ days: [1, 2, 3, 4, 5, 6, 7], start, end });
const utc = (iso: string) => Date.parse(iso);

describe('time windows in the recipient time zone', () => {
  it('returns now when the window is already open', () => {
    const now = utc('2025-03-04T15:30:00Z'); // Tuesday 10:30 in New York (EST)
    expect(nextWindowOpening(now, 'America/New_York', weekdays9to17)).toBe(now);
  });

  it('opens at 09:00 local time, whatever the offset', () => {
    const now = utc('2025-03-04T06:00:00Z'); // Tuesday
    expect(nextWindowOpening(now, 'America/New_York', weekdays9to17)).toBe(utc('2025-03-04T14:00:00Z'));
    expect(nextWindowOpening(now, 'Europe/Paris', weekdays9to17)).toBe(utc('2025-03-04T08:00:00Z'));
    expect(nextWindowOpening(now, 'Asia/Kolkata', weekdays9to17)).toBe(now); // 11:30 IST, open
    expect(nextWindowOpening(utc('2025-03-04T02:00:00Z'), 'Asia/Kolkata', weekdays9to17)).toBe(utc('2025-03-04T03:30:00Z'));
  });

  it('skips the weekend and the rest of a closed day', () => {
    const fridayEvening = utc('2025-03-07T23:00:00Z'); // Friday 18:00 in New York
    expect(nextWindowOpening(fridayEvening, 'America/New_York', weekdays9to17)).toBe(utc('2025-03-10T13:00:00Z')); // Monday 09:00 EDT
  });

  it('handles the date line: it may already be tomorrow for the recipient', () => {
    const now = utc('2025-03-06T22:00:00Z'); // Thursday 22:00 UTC = Friday 11:00 in Auckland (NZDT)
    expect(nextWindowOpening(now, 'Pacific/Auckland', weekdays9to17)).toBe(now);
    const saturdayThere = utc('2025-03-07T22:00:00Z'); // Saturday 11:00 in Auckland
    expect(nextWindowOpening(saturdayThere, 'Pacific/Auckland', weekdays9to17)).toBe(utc('2025-03-09T20:00:00Z')); // Monday 09:00 NZDT
  });

  it('uses the new offset on a DST change day', () => {
    const beforeChange = utc('2025-03-09T05:00:00Z'); // Sunday 00:00 EST; clocks jump at 02:00
    expect(nextWindowOpening(beforeChange, 'America/New_York', everyDay('09:00', '17:00'))).toBe(utc('2025-03-09T13:00:00Z'));
    const london = utc('2025-10-26T00:30:00Z'); // 01:30 BST, clocks fall back at 02:00 BST
    expect(nextWindowOpening(london, 'Europe/London', everyDay('09:00', '17:00'))).toBe(utc('2025-10-26T09:00:00Z'));
  });

  it('opens at the spring-forward jump when the start time is skipped by it', () => {
    const now = utc('2025-03-09T05:00:00Z');
    // 02:00 EST → 03:00 EDT at 07:00Z: from then on the clock reads inside 02:30-04:00.
    expect(nextWindowOpening(now, 'America/New_York', everyDay('02:30', '04:00'))).toBe(utc('2025-03-09T07:00:00Z'));
    // Chatham jumps 02:45 → 03:45 (at 14:00Z on 27 September 2025): a 03:00-04:00 window opens at the jump.
    expect(nextWindowOpening(utc('2025-09-27T12:00:00Z'), 'Pacific/Chatham', everyDay('03:00', '04:00'))).toBe(utc('2025-09-27T14:00:00Z'));
    // A window entirely inside the gap never opens that day.
    expect(nextWindowOpening(now, 'America/New_York', everyDay('02:15', '02:45'))).toBe(utc('2025-03-10T06:15:00Z'));
  });

  it('opens at the local start the day before a transition that happens 11 hours later (Lord Howe, 30-minute DST)', () => {
    // Saturday 28 March 2026, 16:00 LHDT (UTC+11): next Saturday's 15:00 is still UTC+11, even though
    // the clocks go back from 02:00 to 01:30 that night.
    expect(nextWindowOpening(utc('2026-03-28T05:00:00Z'), 'Australia/Lord_Howe', { days: [6], start: '15:00', end: '16:00' })).toBe(
      utc('2026-04-04T04:00:00Z'),
    );
  });

  it('opens at the first of two 01:00s when the clocks go back', () => {
    // Sunday 3 November 2024 in New York: 01:00 EDT (05:00Z), then 01:00 again in EST (06:00Z).
    expect(nextWindowOpening(utc('2024-10-28T06:00:00Z'), 'America/New_York', { days: [7, 1], start: '01:00', end: '02:00' })).toBe(
      utc('2024-11-03T05:00:00Z'),
    );
  });

  it('finds the earliest open instant at or after now (property)', () => {
    const zones = [
      'UTC',
      'America/New_York',
      'Europe/Paris',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'America/Sao_Paulo',
    ];
    const clock = fc
      .integer({ min: 0, max: 23 * 4 })
      .map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        fc.integer({ min: utc('2024-01-01T00:00:00Z'), max: utc('2026-12-31T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        clock,
        fc.integer({ min: 1, max: 8 }),
        (now, zone, days, start, hours) => {
          const [h, m] = start.split(':').map(Number);
          const endMinute = Math.min(24 * 60 - 1, (h ?? 0) * 60 + (m ?? 0) + hours * 60);
          const end = `${String(Math.floor(endMinute / 60)).padStart(2, '0')}:${String(endMinute % 60).padStart(2, '0')}`;
          if (end <= start) return;
          const window: DailyWindow = { days, start, end };
          const opens = nextWindowOpening(now, zone, window);
          const isOpen = (t: number) => {
            const w = wallClock(t, zone);
            const minute = w.hour * 60 + w.minute;
            return days.includes(w.weekday) && minute >= (h ?? 0) * 60 + (m ?? 0) && minute < endMinute;
          };
          expect(opens).toBeGreaterThanOrEqual(now);
          expect(isOpen(opens)).toBe(true);
          // No earlier open instant, checked on a 15-minute grid aligned to the hour.
          const firstGrid = Math.ceil(now / 900_000) * 900_000;
          for (let t = firstGrid; t < opens; t += 900_000) expect(isOpen(t)).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
