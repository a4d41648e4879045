/**
 * IdentityService.purgeSource on real storage: one source's evidence leaves the graph (its records,
 * the identifiers of its scopes other sources' records carried, its events' record memory), while
 * every other source's evidence — another org of the same vendor included — stays.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { Database } from '../../server/db/database';
import { IdentityService } from '../../server/identity/identity.service';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

const AT = '2026-03-01T10:00:00.000Z';
const PORTAL = '555';
const ORG_A = '00D000000000001AAA';
const ORG_B = '00D000000000002AAA';

const event = (source: string, identifiers: { type: string; value: string; scope?: string }[]): CanonicalEvent =>
  ({ source, type: 'contact.updated', occurredAt: AT, subject: { identifiers, traits: { firstName: 'Ann' } } }) as CanonicalEvent;

for (const backend of backends) {
  describeWith(backend.needs, `identity.purgeSource on ${backend.name}`, () => {
    let t: TestDb;
    let db: Database;
    const identity = new IdentityService();
    beforeAll(async () => {
      t = await backend.open();
      db = t.db;
    });
    afterAll(async () => t.cleanup());

    async function seed(): Promise<string> {
      const { tenantId } = await createTenant(db, 'Purge');
      const events: [string, CanonicalEvent][] = [
        [
          'evt_hub',
          event('hubspot', [
            { type: 'hubspotContactId', value: '101', scope: PORTAL },
            { type: 'email', value: 'ann@acme-labs.io' },
            { type: 'phone', value: '+14155550101' },
          ]),
        ],
        // Zendesk knows Ann's email and, from an app integration, her HubSpot contact id.
        [
          'evt_zen',
          event('zendesk', [
            { type: 'zendeskUserId', value: '7', scope: 'acme' },
            { type: 'email', value: 'ann@acme-labs.io' },
            { type: 'hubspotContactId', value: '101', scope: PORTAL },
          ]),
        ],
        [
          'evt_sfa',
          event('salesforce', [
            { type: 'salesforceId', value: '003000000000001', scope: ORG_A },
            { type: 'email', value: 'bob@acme-labs.io' },
          ]),
        ],
        [
          'evt_sfb',
          event('salesforce', [
            { type: 'salesforceId', value: '003000000000002', scope: ORG_B },
            { type: 'email', value: 'cy@acme-labs.io' },
          ]),
        ],
        // An API event carrying Bob's org A id.
        [
          'evt_api',
          event('api', [
            { type: 'salesforceId', value: '003000000000001', scope: ORG_A },
            { type: 'email', value: 'bob@acme-labs.io' },
          ]),
        ],
      ];
      for (const [eventId, e] of events) await db.transaction((tx) => identity.identify(tx, { tenantId, eventId, event: e }));
      return tenantId;
    }

    const keys = async (tenantId: string, like: string): Promise<string[]> =>
      (
        await db.query<{ key: string }>('SELECT key FROM identity_nodes WHERE tenant_id = $1 AND key LIKE $2 ORDER BY key', [
          tenantId,
          like,
        ])
      ).rows.map((r) => r.key);
    const eventRecords = async (tenantId: string): Promise<string[]> =>
      (
        await db.query<{ event_id: string }>('SELECT event_id FROM identity_event_records WHERE tenant_id = $1 ORDER BY event_id', [
          tenantId,
        ])
      ).rows.map((r) => r.event_id);
    const profileOfEmail = async (tenantId: string, email: string): Promise<{ records: string[]; identifiers: string[] } | undefined> =>
      db.transaction(async (tx) => (await identity.resolver(tx, tenantId)).profileOf({ identifier: { type: 'email', value: email } }));

    it("drops a HubSpot portal's records and its contact ids on other records; other sources' evidence stays", async () => {
      const tenantId = await seed();
      expect(await keys(tenantId, 'rec:hubspot:%')).toHaveLength(1);
      const result = await db.transaction((tx) =>
        identity.purgeSource(tx, tenantId, {
          source: 'hubspot',
          identifierScopes: [
            { type: 'hubspotContactId', scope: PORTAL },
            { type: 'externalId', scope: `hubspot-${PORTAL}` },
          ],
          eventIds: ['evt_hub'],
          at: AT,
        }),
      );
      expect(result).toEqual({ records: 1, identifiers: 1 });
      expect(await keys(tenantId, 'rec:hubspot:%')).toEqual([]);
      expect(await keys(tenantId, 'hubspotContactId:%')).toEqual([]);
      // The phone only HubSpot gave went with its record; the email Zendesk gave stays, on Zendesk's record.
      expect(await keys(tenantId, 'phone:%')).toEqual([]);
      const ann = await profileOfEmail(tenantId, 'ann@acme-labs.io');
      expect(ann?.records).toEqual(['rec:zendesk:zendeskUserId:acme:7']);
      expect(ann?.identifiers.sort()).toEqual(['email::ann@acme-labs.io', 'zendeskUserId:acme:7']);
      expect(await eventRecords(tenantId)).toEqual(['evt_api', 'evt_sfa', 'evt_sfb', 'evt_zen']);
      // Salesforce untouched.
      expect(await keys(tenantId, 'rec:salesforce:%')).toHaveLength(2);
    });

    it("drops one Salesforce org's evidence and keeps the other org's", async () => {
      const tenantId = await seed();
      const org15 = ORG_A.slice(0, 15);
      const result = await db.transaction((tx) =>
        identity.purgeSource(tx, tenantId, {
          source: 'salesforce',
          recordIdPrefix: `salesforceId:${org15}:`,
          identifierScopes: [{ type: 'salesforceId', scope: org15 }],
          eventIds: ['evt_sfa'],
          at: AT,
        }),
      );
      expect(result).toEqual({ records: 1, identifiers: 1 });
      expect(await keys(tenantId, 'rec:salesforce:%')).toEqual([
        expect.stringMatching(`^rec:salesforce:salesforceId:${ORG_B.slice(0, 15)}:003000000000002`),
      ]);
      expect(await keys(tenantId, `salesforceId:${org15}:%`)).toEqual([]);
      expect(await keys(tenantId, `salesforceId:${ORG_B.slice(0, 15)}:%`)).toHaveLength(1);
      // Bob keeps a profile from what the API told (his email), without the org's id.
      const bob = await profileOfEmail(tenantId, 'bob@acme-labs.io');
      expect(bob?.identifiers).toEqual(['email::bob@acme-labs.io']);
      expect(await eventRecords(tenantId)).toEqual(['evt_api', 'evt_hub', 'evt_sfb', 'evt_zen']);
      expect(await keys(tenantId, 'rec:hubspot:%')).toHaveLength(1);
    });
  });
}
