/**
 * A contact's `hs_timezone` → an IANA zone for the profile's `timeZone` trait (quiet hours use it before
 * the tenant default). HubSpot stores the zone as an enumeration option whose value spells the IANA name
 * in lower case with `/` written `_slash_` (e.g. `america_slash_new_york`); a plain IANA name is accepted
 * too. Anything that is not a zone this runtime knows is dropped rather than guessed.
 */
import { canonicalTimeZone } from '../../app/shared/time-zone';

export function ianaZoneOfHubSpot(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return canonicalTimeZone(
    value
      .trim()
      .toLowerCase()
      .replace(/_slash_/g, '/'),
  );
}
