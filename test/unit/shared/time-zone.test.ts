import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { quietWindowAt } from '../../../app/decisioning/policies/quietHours';
import {
  addLocalDays,
  canonicalTimeZone,
  instantOfWallTime,
  isValidTimeZone,
  localWindowAt,
  nextWindowOpening,
  wallClockAt,
} from '../../../app/shared/time-zone';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const wall = (date: string, time: string) => {
  const [year = 0, month = 0, day = 0] = date.split('-').map(Number);
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  return { year, month, day, hour, minute };
};

/**
 * The 2026 transitions: the spring gap (local hour skipped) and the autumn overlap (local hour repeated)
 * of three zones in three hemispheres/rules.
 */
const TRANSITIONS = [
  {
    zone: 'America/New_York',
    // 8 March 2026: 02:00 EST (07:00Z) → 03:00 EDT.
    gap: { date: '2026-03-08', inGap: '02:30', transition: '2026-03-08T07:00:00.000Z', before: '2026-03-08T06:59:00.000Z' },
    // 1 November 2026: 02:00 EDT (06:00Z) → 01:00 EST; 01:30 happens at 05:30Z and 06:30Z.
    overlap: { date: '2026-11-01', inOverlap: '01:30', earlier: '2026-11-01T05:30:00.000Z', later: '2026-11-01T06:30:00.000Z' },
  },
  {
    zone: 'Europe/Berlin',
    // 29 March 2026: 02:00 CET (01:00Z) → 03:00 CEST.
    gap: { date: '2026-03-29', inGap: '02:30', transition: '2026-03-29T01:00:00.000Z', before: '2026-03-29T00:59:00.000Z' },
    // 25 October 2026: 03:00 CEST (01:00Z) → 02:00 CET; 02:30 happens at 00:30Z and 01:30Z.
    overlap: { date: '2026-10-25', inOverlap: '02:30', earlier: '2026-10-25T00:30:00.000Z', later: '2026-10-25T01:30:00.000Z' },
  },
  {
    zone: 'Australia/Sydney',
    // 4 October 2026: 02:00 AEST (3 Oct 16:00Z) → 03:00 AEDT.
    gap: { date: '2026-10-04', inGap: '02:30', transition: '2026-10-03T16:00:00.000Z', before: '2026-10-03T15:59:00.000Z' },
    // 5 April 2026: 03:00 AEDT (4 Apr 16:00Z) → 02:00 AEST; 02:30 happens at 15:30Z and 16:30Z.
    overlap: { date: '2026-04-05', inOverlap: '02:30', earlier: '2026-04-04T15:30:00.000Z', later: '2026-04-04T16:30:00.000Z' },
  },
] as const;

describe('shared time-zone module: the 2026 DST transitions', () => {
  describe.each(TRANSITIONS)('$zone', ({ zone, gap, overlap }) => {
    it('a wall time in the spring gap moves forward to the first valid instant (the transition)', () => {
      expect(iso(instantOfWallTime(wall(gap.date, gap.inGap), zone))).toBe(gap.transition);
      // The gap's first minute too, and the clock reads 03:00 at the transition, 01:59 just before it.
      expect(iso(instantOfWallTime(wall(gap.date, '02:00'), zone))).toBe(gap.transition);
      expect(wallClockAt(at(gap.transition), zone)).toMatchObject({ hour: 3, minute: 0 });
      expect(wallClockAt(at(gap.before), zone)).toMatchObject({ hour: 1, minute: 59 });
      // The wall time just after the gap is the transition as well (it exists).
      expect(iso(instantOfWallTime(wall(gap.date, '03:00'), zone))).toBe(gap.transition);
    });

    it('a wall time in the autumn overlap takes the earlier of its two instants', () => {
      expect(iso(instantOfWallTime(wall(overlap.date, overlap.inOverlap), zone))).toBe(overlap.earlier);
      // Both instants really read that wall time.
      const [h, m] = overlap.inOverlap.split(':').map(Number);
      expect(wallClockAt(at(overlap.earlier), zone)).toMatchObject({ hour: h, minute: m });
      expect(wallClockAt(at(overlap.later), zone)).toMatchObject({ hour: h, minute: m });
    });

    it('quiet hours 21:00–08:00 spanning the spring night end at 08:00 local, after the jump', () => {
      const eveningBefore = instantOfWallTime(wall(gap.date, '00:00'), zone) - 2 * 3_600_000; // 22:00 the day before
      const window = quietWindowAt(eveningBefore, zone, '21:00', '08:00');
      expect(window.quiet).toBe(true);
      const end = window.until ?? 0;
      expect(wallClockAt(end, zone)).toMatchObject({ hour: 8, minute: 0, day: Number(gap.date.slice(8)) });
      // The night was one hour shorter: 22:00 → 08:00 is 9 elapsed hours.
      expect(end - eveningBefore).toBe(9 * 3_600_000);
      // Inside the night, right at the transition, still quiet with the same end.
      expect(quietWindowAt(at(gap.transition), zone, '21:00', '08:00')).toEqual({ quiet: true, until: end, timeZone: zone });
    });

    it('quiet hours 21:00–08:00 spanning the autumn night end at 08:00 local, after the repeated hour', () => {
      const eveningBefore = instantOfWallTime(wall(overlap.date, '00:00'), zone) - 2 * 3_600_000;
      const window = quietWindowAt(eveningBefore, zone, '21:00', '08:00');
      expect(window.quiet).toBe(true);
      const end = window.until ?? 0;
      expect(wallClockAt(end, zone)).toMatchObject({ hour: 8, minute: 0, day: Number(overlap.date.slice(8)) });
      // The night was one hour longer: 22:00 → 08:00 is 11 elapsed hours.
      expect(end - eveningBefore).toBe(11 * 3_600_000);
      // Both readings of the repeated wall time are quiet, with the same end.
      expect(quietWindowAt(at(overlap.earlier), zone, '21:00', '08:00').until).toBe(end);
      expect(quietWindowAt(at(overlap.later), zone, '21:00', '08:00').until).toBe(end);
    });

    it('a quiet window ending inside the gap ends at the transition; one ending in the overlap at its first occurrence', () => {
      const beforeGap = at(gap.before) - 30 * 60_000; // 01:29 local
      expect(iso(quietWindowAt(beforeGap, zone, '01:00', gap.inGap).until ?? 0)).toBe(gap.transition);
      const beforeOverlap = at(overlap.earlier) - 60 * 60_000; // an hour before the first reading
      expect(iso(quietWindowAt(beforeOverlap, zone, '00:00', overlap.inOverlap).until ?? 0)).toBe(overlap.earlier);
      // After the first occurrence has passed (during the repeated hour), the window is over.
      expect(quietWindowAt(at(overlap.later) + 60_000, zone, '00:00', overlap.inOverlap).quiet).toBe(false);
    });

    it('a time window whose start is in the gap opens at the transition; in the overlap at the earlier instant', () => {
      const everyDay = [1, 2, 3, 4, 5, 6, 7];
      const dayBefore = at(gap.transition) - 20 * 3_600_000;
      expect(iso(nextWindowOpening(dayBefore, zone, { days: everyDay, start: gap.inGap, end: '04:00' }))).toBe(gap.transition);
      const dayBeforeOverlap = at(overlap.earlier) - 20 * 3_600_000;
      const [h = 0, m = 0] = overlap.inOverlap.split(':').map(Number);
      const end = `${String(h + 1).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
      expect(iso(nextWindowOpening(dayBeforeOverlap, zone, { days: everyDay, start: overlap.inOverlap, end }))).toBe(overlap.earlier);
    });
  });
});

describe('shared time-zone module: readings and names', () => {
  it('reads the local day, hour, minute and ISO weekday of an instant', () => {
    expect(wallClockAt(at('2026-03-08T06:59:30Z'), 'America/New_York')).toEqual({
      year: 2026,
      month: 3,
      day: 8,
      hour: 1,
      minute: 59,
      second: 30,
      weekday: 7,
    });
    expect(wallClockAt(at('2026-12-31T23:30:00Z'), 'Australia/Sydney')).toEqual({
      year: 2027,
      month: 1,
      day: 1,
      hour: 10,
      minute: 30,
      second: 0,
      weekday: 5,
    });
  });

  it('accepts IANA names in any case and refuses fixed offsets and unknown names', () => {
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('+05:30')).toBe(false);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(() => wallClockAt(0, 'Mars/Olympus')).toThrow(RangeError);
  });

  it('a window that does not cross midnight, and start = end as no window', () => {
    expect(localWindowAt(at('2026-06-03T12:30:00Z'), 'UTC', '12:00', '14:00')).toEqual({
      inside: true,
      endsAt: at('2026-06-03T14:00:00Z'),
    });
    expect(localWindowAt(at('2026-06-03T14:00:00Z'), 'UTC', '12:00', '14:00')).toEqual({ inside: false });
    expect(localWindowAt(at('2026-06-03T12:30:00Z'), 'UTC', '09:00', '09:00')).toEqual({ inside: false });
  });
});

describe('shared time-zone module: readings agree with the runtime tz database (property)', () => {
  const ZONES = [
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'Asia/Kathmandu',
    'America/St_Johns',
    'Pacific/Apia',
    'Africa/Casablanca',
    'America/Sao_Paulo',
    'Asia/Tokyo',
    'UTC',
  ];
  const formatters = new Map(
    ZONES.map((zone) => [
      zone,
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      }),
    ]),
  );
  const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const intlReading = (ms: number, zone: string) => {
    const parts = Object.fromEntries((formatters.get(zone) as Intl.DateTimeFormat).formatToParts(ms).map((p) => [p.type, p.value]));
    return {
      year: Number(parts['year']),
      month: Number(parts['month']),
      day: Number(parts['day']),
      hour: Number(parts['hour']),
      minute: Number(parts['minute']),
      second: Number(parts['second']),
      weekday: WEEKDAYS.indexOf(parts['weekday'] ?? '') + 1,
    };
  };

  it('wallClockAt reads what Intl.DateTimeFormat reads, in any order of instants and zones', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
            fc.constantFrom(...ZONES),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (probes) => {
          for (const [ms, zone] of probes) expect(wallClockAt(ms, zone)).toEqual(intlReading(ms, zone));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('instantOfWallTime gives back the earliest instant with the same local minute', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2035-01-01T00:00:00Z') }),
        fc.constantFrom(...ZONES),
        (ms, zone) => {
          const minuteStart = Math.floor(ms / 60_000) * 60_000;
          const w = wallClockAt(minuteStart, zone);
          const back = instantOfWallTime(w, zone);
          expect(back).toBeLessThanOrEqual(minuteStart);
          expect(wallClockAt(back, zone)).toMatchObject({ year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute });
          // The earliest one: the minute before reads another wall time.
          expect(wallClockAt(back - 60_000, zone)).not.toMatchObject({
            year: w.year,
            month: w.month,
            day: w.day,
            hour: w.hour,
            minute: w.minute,
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('shared time-zone module: local calendar days', () => {
  it('adds days as Temporal.PlainDate does, across months, leap years and centuries (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9998 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: -800, max: 800 }),
        (year, month, rawDay, days) => {
          const day = Math.min(rawDay, Temporal.PlainDate.from({ year, month, day: 1 }).daysInMonth);
          const t = Temporal.PlainDate.from({ year, month, day }).add({ days });
          expect(addLocalDays({ year, month, day }, days)).toEqual({ year: t.year, month: t.month, day: t.day });
        },
      ),
      { numRuns: 2000 },
    );
    expect(addLocalDays({ year: 2028, month: 2, day: 28 }, 1)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(addLocalDays({ year: 2100, month: 2, day: 28 }, 1)).toEqual({ year: 2100, month: 3, day: 1 });
    expect(addLocalDays({ year: 50, month: 12, day: 31 }, 1)).toEqual({ year: 51, month: 1, day: 1 });
  });
});
