import { isValidTimeZone, wallClockAt } from '../../../app/shared/time-zone';
import { countryCodeOf, countryTimeZone, regionTimeZone, stateTimeZone } from '../../../app/shared/region-time-zone';

const hourIn = (iso: string, zone: string): number => wallClockAt(Date.parse(iso), zone).hour;

describe('region → time zone', () => {
  it('knows countries by ISO code, English name and common CRM spellings', () => {
    expect(['JP', 'jp', 'Japan', 'JAPAN', ' japan '].map(countryCodeOf)).toEqual(['JP', 'JP', 'JP', 'JP', 'JP']);
    expect(['USA', 'U.S.A.', 'United States', 'United States of America'].map(countryCodeOf)).toEqual(['US', 'US', 'US', 'US']);
    expect(['UK', 'United Kingdom', 'England'].map(countryCodeOf)).toEqual(['GB', 'GB', 'GB']);
    expect(countryCodeOf('Brasil')).toBe('BR');
    expect(countryCodeOf('Narnia')).toBeUndefined();
    expect(countryCodeOf('')).toBeUndefined();
  });

  it('gives a single-zone country its zone, its own name for a shared clock, and nothing for a country of several clocks', () => {
    expect(countryTimeZone('JP')).toBe('Asia/Tokyo');
    expect(countryTimeZone('IN')).toBe('Asia/Kolkata');
    expect(countryTimeZone('FR')).toBe('Europe/Paris');
    // Denmark shares Berlin's rules in tzdb; its own (alias) zone name is kept.
    expect(countryTimeZone('DK')).toBe('Europe/Copenhagen');
    // Germany's zones (Berlin, Zurich for Büsingen) keep the same clock.
    expect(countryTimeZone('DE')).toBe('Europe/Berlin');
    expect(countryTimeZone('CN')).toBe('Asia/Shanghai');
    for (const multi of ['US', 'CA', 'AU', 'BR', 'MX', 'RU', 'ID']) expect(countryTimeZone(multi)).toBeUndefined();
  });

  it('reads states and provinces by code, name (accents optional) and ISO 3166-2 form', () => {
    expect(stateTimeZone('US', 'CA')).toBe('America/Los_Angeles');
    expect(stateTimeZone('US', 'california')).toBe('America/Los_Angeles');
    expect(stateTimeZone('US', 'US-TX')).toBe('America/Chicago');
    expect(stateTimeZone('CA', 'QC')).toBe('America/Toronto');
    expect(stateTimeZone('CA', 'British Columbia')).toBe('America/Vancouver');
    expect(stateTimeZone('AU', 'WA')).toBe('Australia/Perth');
    expect(stateTimeZone('AU', 'Queensland')).toBe('Australia/Brisbane');
    expect(stateTimeZone('BR', 'Sao Paulo')).toBe('America/Sao_Paulo');
    expect(stateTimeZone('BR', 'AM')).toBe('America/Manaus');
    expect(stateTimeZone('MX', 'Quintana Roo')).toBe('America/Cancun');
    expect(stateTimeZone('MX', 'SON')).toBe('America/Hermosillo');
    expect(stateTimeZone('US', 'Atlantis')).toBeUndefined();
    expect(stateTimeZone('JP', 'Tokyo')).toBeUndefined();
  });

  it('prefers the state for multi-zone countries, the country otherwise, and gives up without a country', () => {
    expect(regionTimeZone('United States', 'Arizona')).toEqual({ timeZone: 'America/Phoenix', from: 'state', country: 'US' });
    expect(regionTimeZone('Japan', 'Tokyo')).toEqual({ timeZone: 'Asia/Tokyo', from: 'country', country: 'JP' });
    expect(regionTimeZone('US', undefined)).toBeUndefined();
    expect(regionTimeZone('US', 'Nowhere')).toBeUndefined();
    expect(regionTimeZone(undefined, 'CA')).toBeUndefined();
    expect(regionTimeZone('  ', 'CA')).toBeUndefined();
  });

  it('every zone in the tables is one this runtime can convert with', () => {
    const states: [string, string][] = [
      ['US', 'NY'],
      ['US', 'HI'],
      ['US', 'IN'],
      ['CA', 'NL'],
      ['AU', 'NT'],
      ['BR', 'AC'],
      ['MX', 'BCN'],
      ['MX', 'YUC'],
    ];
    for (const [c, s] of states) {
      const z = stateTimeZone(c, s);
      expect(z !== undefined && isValidTimeZone(z)).toBe(true);
    }
  });

  it('puts the recipient on the right local clock in 2026, daylight saving included', () => {
    // 2026-07-01 12:00 UTC: Texas on CDT (07:00), Arizona keeps MST (05:00), Tokyo 21:00, Perth 20:00.
    expect(hourIn('2026-07-01T12:00:00Z', regionTimeZone('US', 'TX')?.timeZone ?? '')).toBe(7);
    expect(hourIn('2026-07-01T12:00:00Z', regionTimeZone('US', 'AZ')?.timeZone ?? '')).toBe(5);
    expect(hourIn('2026-07-01T12:00:00Z', regionTimeZone('Japan', undefined)?.timeZone ?? '')).toBe(21);
    expect(hourIn('2026-07-01T12:00:00Z', regionTimeZone('Australia', 'Western Australia')?.timeZone ?? '')).toBe(20);
    // 2026-01-15 12:00 UTC: Texas on CST (06:00), Sydney on AEDT (23:00), Brisbane without DST (22:00).
    expect(hourIn('2026-01-15T12:00:00Z', regionTimeZone('US', 'Texas')?.timeZone ?? '')).toBe(6);
    expect(hourIn('2026-01-15T12:00:00Z', regionTimeZone('AU', 'NSW')?.timeZone ?? '')).toBe(23);
    expect(hourIn('2026-01-15T12:00:00Z', regionTimeZone('AU', 'QLD')?.timeZone ?? '')).toBe(22);
  });
});
