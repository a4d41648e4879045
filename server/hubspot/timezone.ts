/**
 * A contact's `hs_timezone` → an IANA zone for the profile's `timeZone` trait (quiet hours use it before
 * the tenant default). HubSpot stores the zone as an enumeration option whose value spells the IANA name
 * in lower case with `/` written `_slash_` (e.g. `america_slash_new_york`); a plain IANA name is accepted
 * too. Anything that is not a zone this runtime knows is dropped rather than guessed.
 */
let zonesByLowerName: Map<string, string> | undefined;

function zones(): Map<string, string> {
  if (zonesByLowerName === undefined) {
    zonesByLowerName = new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
    zonesByLowerName.set('utc', 'UTC');
  }
  return zonesByLowerName;
}

export function ianaZoneOfHubSpot(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const name = value.trim().toLowerCase().replace(/_slash_/g, '/');
  if (name === '' || name.length > 64) return undefined;
  const known = zones().get(name);
  if (known !== undefined) return known;
  // Zones Intl lists under a canonical alias (e.g. asia/calcutta vs asia/kolkata): accept what Intl accepts.
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
