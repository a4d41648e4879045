/**
 * Per-tenant training over the API: the tenant's online match model is estimated by EM on its own
 * records, shown with per-level m, u and weights, used by later resolutions, and removable.
 */
import { generateCrmPopulation } from '../../app/identity/synthetic/crm-population';
import { seededRandom } from '../../app/identity/util/prng';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

for (const { mode, needs } of modes) {
  describeWith(needs, `identity match model per tenant (${mode})`, () => {
    let svc: TestService;
    let key: string;
    let otherKey: string;

    beforeAll(async () => {
      svc = await startTestService(mode);
      key = (await createTenant(svc.runtime.db, 'Model')).apiKey;
      otherKey = (await createTenant(svc.runtime.db, 'Other')).apiKey;
    });
    afterAll(async () => svc.stop());

    async function call(method: string, path: string, body?: unknown, apiKey = key): Promise<{ status: number; json: Json }> {
      const res = await fetch(`${svc.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Json };
    }

    it("trains on the tenant's records, shows the parameters, is used by resolution and can be removed", async () => {
      expect((await call('GET', '/identity/model')).json).toEqual({ model: null });
      const early = await call('POST', '/identity/model/train');
      expect(early.status).toBe(409);
      expect(early.json.error).toMatchObject({ code: 'not_enough_data', message: expect.stringMatching(/at least 200/) });

      const records = generateCrmPopulation(seededRandom(77), 170);
      for (let start = 0; start < records.length; start += 10) {
        await Promise.all(
          records.slice(start, start + 10).map(async (r, k) => {
            const v = r.values;
            const identifiers = [
              ...(v.email ? [{ type: 'email', value: v.email }] : []),
              ...(v.phone ? [{ type: 'phone', value: v.phone }] : []),
              ...(v.hubspotContactId ? [{ type: 'hubspotContactId', value: v.hubspotContactId }] : []),
            ];
            if (identifiers.length === 0) identifiers.push({ type: 'externalId', value: `${r.source}-${r.recordId}` });
            const traits = Object.fromEntries(
              Object.entries(v).filter(([f]) => !['email', 'phone', 'hubspotContactId', 'zendeskUserId', 'whatsappId'].includes(f)),
            );
            const res = await call('POST', '/events', {
              source: 'api',
              type: 'contact.updated',
              occurredAt: new Date(Date.UTC(2026, 1, 1, 0, 0, start + k)).toISOString(),
              subject: { identifiers, traits },
            });
            expect(res.status).toBe(202);
          }),
        );
      }

      const trained = await call('POST', '/identity/model/train');
      expect(trained.status).toBe(200);
      const model = trained.json['model'] as {
        records: number;
        lambda: number;
        fields: { field: string; levels: { level: string; m: number; u: number; weight: number }[] }[];
      };
      expect(model.records).toBeGreaterThanOrEqual(200);
      expect(model.lambda).toBeGreaterThan(0);
      const lastName = model.fields.find((f) => f.field === 'lastName');
      expect(lastName?.levels[0]).toMatchObject({ level: 'exact' });
      expect(lastName?.levels[0]?.weight).toBeGreaterThan(0);
      expect((await call('GET', '/identity/model')).json['model']).toEqual(model);
      expect((await call('GET', '/identity/model', undefined, otherKey)).json).toEqual({ model: null });

      // Resolution goes on with the trained model: a known email still lands on its profile.
      const known = records.find((r) => r.values.email !== undefined);
      const again = await call('POST', '/events', {
        source: 'api',
        type: 'note',
        occurredAt: '2026-02-02T00:00:00.000Z',
        subject: { identifiers: [{ type: 'email', value: known?.values.email }], traits: {} },
      });
      const found = await call('GET', `/profiles?email=${encodeURIComponent(known?.values.email ?? '')}`);
      expect(found.json['profiles']).toEqual([expect.objectContaining({ id: again.json['profileId'] })]);

      expect((await call('DELETE', '/identity/model')).json).toEqual({ deleted: true });
      expect((await call('GET', '/identity/model')).json).toEqual({ model: null });
    }, 300_000); // ~250 events through the real service; slow on a busy embedded database
  });
}
