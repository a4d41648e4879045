/**
 * Contact preferences changed in HubSpot after the first read (property-change webhooks): the
 * contact's `hs_timezone` becomes the profile's time zone for quiet hours, and `hs_email_optout`
 * becomes Baton email consent (true: opted out; false: lifted back to unknown).
 */
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { modes } from '../support/runtime';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(120_000);

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot contact preferences (${mode})`, () => {
    let h: HubSpotHarness;

    beforeAll(async () => {
      h = await startHubSpotHarness(mode);
    }, 90_000);
    afterAll(async () => h?.stop());

    const consentOf = async (profileId: string): Promise<string | undefined> =>
      (
        await h.svc.runtime.db.query<{ status: string }>(
          `SELECT status FROM profile_consent WHERE tenant_id = $1 AND profile_id = $2 AND channel = 'email'`,
          [h.tenantId, profileId],
        )
      ).rows[0]?.status;

    it('follows hs_email_optout and hs_timezone changes onto the profile', async () => {
      const { contactId, profileId } = await h.contactProfile('prefs@northwind.io');
      const change = (propertyName: string, propertyValue: string) =>
        h.event({ subscriptionType: 'contact.propertyChange', objectId: Number(contactId), propertyName, propertyValue });

      const r = await h.webhook([change('hs_email_optout', 'true'), change('hs_timezone', 'america_slash_chicago')]);
      expect(r.status).toBe(200);
      expect(await waitFor(async () => ((await consentOf(profileId)) === 'opted_out' ? 'opted_out' : undefined), 'the email opt-out')).toBe(
        'opted_out',
      );
      const traits = await waitFor(async () => {
        const p = await h.api.call<{ traits?: Record<string, unknown> }>('GET', `/profiles/${profileId}`);
        return p.body.traits?.['timeZone'] === 'America/Chicago' ? p.body.traits : undefined;
      }, 'the time zone trait');
      expect(traits).toMatchObject({ timeZone: 'America/Chicago', timeZoneSource: 'hubspot:hs_timezone' });

      // Opting back in (the flag cleared) lifts the opt-out to unknown; it is not an opt-in.
      await h.webhook([change('hs_email_optout', 'false')]);
      expect(await waitFor(async () => ((await consentOf(profileId)) === 'unknown' ? 'unknown' : undefined), 'the lifted opt-out')).toBe(
        'unknown',
      );
      // A zone HubSpot does not know is ignored, the last good one stays.
      await h.webhook([change('hs_timezone', 'mars_slash_olympus')]);
      const after = await h.api.call<{ traits?: Record<string, unknown> }>('GET', `/profiles/${profileId}`);
      expect(after.body.traits?.['timeZone']).toBe('America/Chicago');
    });
  });
}
