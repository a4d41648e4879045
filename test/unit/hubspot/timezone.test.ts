import { ianaZoneOfHubSpot } from '../../../connectors/hubspot/timezone';

describe('ianaZoneOfHubSpot', () => {
  it("reads HubSpot's hs_timezone option values and plain IANA names", () => {
    expect(ianaZoneOfHubSpot('america_slash_new_york')).toBe('America/New_York');
    expect(ianaZoneOfHubSpot('europe_slash_berlin')).toBe('Europe/Berlin');
    // ICU may name this zone by its canonical alias.
    expect(['America/Argentina/Buenos_Aires', 'America/Buenos_Aires']).toContain(
      ianaZoneOfHubSpot('america_slash_argentina_slash_buenos_aires'),
    );
    expect(ianaZoneOfHubSpot('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(ianaZoneOfHubSpot('utc')).toBe('UTC');
  });
  it('drops what is not a zone instead of guessing', () => {
    expect(ianaZoneOfHubSpot('mars_slash_olympus')).toBeUndefined();
    expect(ianaZoneOfHubSpot('')).toBeUndefined();
    expect(ianaZoneOfHubSpot(null)).toBeUndefined();
    expect(ianaZoneOfHubSpot(undefined)).toBeUndefined();
  });
});
