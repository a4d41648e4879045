import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

for (const { mode, needs } of modes) {
  describeWith(needs, `identity API (${mode})`, () => {
    let svc: TestService;
    let key: string;
    let otherKey: string;
    let n = 0;

    beforeAll(async () => {
      svc = await startTestService(mode);
      key = (await createTenant(svc.runtime.db, 'Identity')).apiKey;
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

    async function ingest(
      source: string,
      identifiers: { type: string; value: string; scope?: string }[],
      traits: Record<string, string> = {},
      extra: Record<string, unknown> = {},
      apiKey = key,
    ): Promise<{ eventId: string; profileId: string }> {
      const r = await call(
        'POST',
        '/events',
        {
          source,
          type: 'contact.updated',
          occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, ++n)).toISOString(),
          subject: { identifiers, traits },
          ...extra,
        },
        apiKey,
      );
      expect(r.status).toBe(202);
      return r.json as unknown as { eventId: string; profileId: string };
    }

    it('answers POST /events with the profile id, linking normalized identifiers across sources', async () => {
      const a = await ingest(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '501', scope: 'portal9' },
          { type: 'email', value: 'Jane.Doe@gmail.com' },
        ],
        { firstName: 'Jane', lastName: 'Doe' },
      );
      expect(a.profileId).toMatch(/^prof_/);
      const b = await ingest('zendesk', [
        { type: 'email', value: 'janedoe+support@googlemail.com' },
        { type: 'zendeskUserId', value: '77', scope: 'acme' },
      ]);
      const c = await ingest('whatsapp', [{ type: 'whatsappId', value: '14155550134' }], { firstName: 'Jane' });
      const d = await ingest('zendesk', [
        { type: 'zendeskUserId', value: '77', scope: 'acme' },
        { type: 'phone', value: '+1 (415) 555-0134' },
      ]);
      expect(b.profileId).toBe(a.profileId);
      expect(d.profileId).toBe(a.profileId);
      const profile = await call('GET', `/profiles/${c.profileId}`);
      expect(profile.status).toBe(200);
      const keys = (profile.json['identities'] as { key: string }[]).map((i) => i.key).sort();
      expect(keys).toEqual([
        'email::janedoe@gmail.com',
        'hubspotContactId:portal9:501',
        'phone::+14155550134',
        'whatsapp::14155550134',
        'zendeskUserId:acme:77',
      ]);
      const email = (profile.json['identities'] as { key: string; provenance: { source: string; recordId: string }[] }[]).find(
        (i) => i.key === 'email::janedoe@gmail.com',
      );
      expect(email?.provenance.map((p) => p.recordId)).toEqual(expect.arrayContaining([a.eventId, b.eventId]));
      const event = await call('GET', `/events/${a.eventId}`);
      expect(event.json['profileId']).toBe(a.profileId);
    });

    it('searches by email, phone and text, and validates the query', async () => {
      const p = await ingest(
        'api',
        [
          { type: 'email', value: 'Searchable.Person@example.io' },
          { type: 'phone', value: '+44 20 7946 0958' },
        ],
        { firstName: 'Searchable', lastName: 'Zyxwv' },
      );
      for (const query of ['email=searchable.person%40EXAMPLE.io', 'phone=%2B442079460958', 'q=zyxw']) {
        const r = await call('GET', `/profiles?${query}`);
        expect([query, r.status, (r.json['profiles'] as { id: string }[]).map((x) => x.id)]).toEqual([query, 200, [p.profileId]]);
      }
      const none = await call('GET', '/profiles');
      expect(none.status).toBe(400);
      expect(none.json.error?.message).toMatch(/exactly one of email, phone or q/);
      expect((await call('GET', '/profiles?email=info%40example.io')).json.error?.code).toBe('invalid_identifier');
    });

    it('explains why two identifiers are one person, with provenance and match weights', async () => {
      const a = await ingest('hubspot', [
        { type: 'hubspotContactId', value: '900' },
        { type: 'email', value: 'explain.me@acme.io' },
      ]);
      const b = await ingest('sms', [
        { type: 'email', value: 'explain.me@acme.io' },
        { type: 'phone', value: '+1 212 555 0199' },
      ]);
      const r = await call(
        'GET',
        `/profiles/${a.profileId}/explain?a=${encodeURIComponent('hubspotContactId:900')}&b=${encodeURIComponent('phone:+1 212-555-0199')}`,
      );
      expect(r.status).toBe(200);
      const chain = r.json['chain'] as { kind: string; provenance: { recordId: string } }[];
      expect(chain.map((s) => s.kind)).toEqual(['carries', 'carries', 'carries', 'carries']);
      expect(chain.map((s) => s.provenance.recordId)).toEqual([a.eventId, a.eventId, b.eventId, b.eventId]);
      const missing = await call('GET', `/profiles/${a.profileId}/explain?a=email:someone.else@acme.io&b=hubspotContactId:900`);
      expect(missing.status).toBe(404);
      expect((await call('GET', `/profiles/${a.profileId}/explain?a=email:explain.me@acme.io`)).status).toBe(400);
    });

    it('links a record with no shared identifier by the model and explains the weights; possible matches can be confirmed or rejected', async () => {
      const traits = { firstName: 'Oluwaseun', lastName: 'Adeyemi-Park', birthDate: '1988-11-02', postcode: '60614', city: 'Chicago' };
      const a = await ingest(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '4242' },
          { type: 'email', value: 'seun@adeyemi.io' },
        ],
        traits,
      );
      const b = await ingest('zendesk', [{ type: 'email', value: 'oluwaseun.ap@mail.io' }], { ...traits, firstName: 'Oluwasean' });
      expect(b.profileId).toBe(a.profileId);
      const why = await call('GET', `/profiles/${a.profileId}/explain?a=email:seun@adeyemi.io&b=email:oluwaseun.ap@mail.io`);
      const step = (why.json['chain'] as { kind: string; probability?: number; fields?: { field: string; weight: number }[] }[]).find(
        (s) => s.kind === 'probabilistic',
      );
      expect(step?.probability).toBeGreaterThanOrEqual(0.99);
      expect(step?.fields?.find((f) => f.field === 'birthDate')?.weight).toBeGreaterThan(5);

      const c = await ingest('form', [{ type: 'phone', value: '+1 312 555 0101' }], {
        firstName: 'Oluwaseun',
        lastName: 'Adeyemi-Park',
        city: 'Chicago',
      });
      expect(c.profileId).not.toBe(a.profileId);
      const profile = await call('GET', `/profiles/${c.profileId}`);
      const possible = profile.json['possibleMatches'] as { id: string; probability: number; profiles: string[] }[];
      expect(possible).toHaveLength(1);
      expect(possible[0]?.profiles).toEqual([c.profileId, a.profileId]);
      const reject = await call('POST', `/possible-matches/${possible[0]?.id}/reject`);
      expect(reject.json).toEqual({ id: possible[0]?.id, status: 'rejected' });
      expect((await call('POST', `/possible-matches/${possible[0]?.id}/confirm`)).status).toBe(409);

      const d = await ingest('form', [{ type: 'phone', value: '+1 312 555 0177' }], {
        firstName: 'Oluwaseun',
        lastName: 'Adeyemi-Park',
        city: 'Chicago',
      });
      const list = await call('GET', '/possible-matches');
      const item = (list.json['possibleMatches'] as { id: string; profiles: string[] }[]).find(
        (m) => m.profiles[0] === d.profileId && m.profiles[1] === a.profileId,
      );
      if (item === undefined) throw new Error('expected a possible match for d');
      const confirm = await call('POST', `/possible-matches/${item.id}/confirm`);
      expect(confirm.json).toEqual({ id: item.id, status: 'confirmed', profileId: a.profileId });
      const old = await call('GET', `/profiles/${d.profileId}`);
      expect([old.json['id'], old.json['requestedId']]).toEqual([a.profileId, d.profileId]);
      expect((await call('POST', '/possible-matches/rev_nope/confirm')).status).toBe(404);
    });

    it('splits a profile ("not the same person") and keeps it split; merges profiles; handles CRM merge events', async () => {
      const a = await ingest('hubspot', [
        { type: 'hubspotContactId', value: '31' },
        { type: 'email', value: 'dana.ellis@clinic.io' },
      ]);
      const b = await ingest('zendesk', [
        { type: 'email', value: 'dana.ellis@clinic.io' },
        { type: 'phone', value: '+1 646 555 0110' },
      ]);
      expect(b.profileId).toBe(a.profileId);
      const records = (await call('GET', `/profiles/${a.profileId}`)).json['records'] as { key: string; source: string }[];
      const [hs, zd] = ['hubspot', 'zendesk'].map((s) => records.find((r) => r.source === s)?.key ?? '');
      const split = await call('POST', `/profiles/${a.profileId}/split`, { a: hs, b: zd });
      expect(split.status).toBe(200);
      const parts = split.json as { a: { profileId: string }; b: { profileId: string } };
      expect(parts.a.profileId).not.toBe(parts.b.profileId);
      const again = await ingest('zendesk', [
        { type: 'email', value: 'dana.ellis@clinic.io' },
        { type: 'phone', value: '+1 646 555 0110' },
      ]);
      expect(again.profileId).toBe(parts.b.profileId);
      expect((await call('POST', `/profiles/${a.profileId}/split`, { a: 'hubspotContactId:31' })).status).toBe(400);

      const merge = await call('POST', '/profiles/merge', { profileIds: [parts.a.profileId, parts.b.profileId] });
      expect(merge.status).toBe(200);
      expect(merge.json).toEqual({ profileId: parts.a.profileId, merged: [parts.b.profileId] });
      expect((await call('POST', '/profiles/merge', { profileIds: ['prof_x'] })).status).toBe(400);
      expect((await call('POST', '/profiles/merge', { profileIds: ['prof_x', 'prof_y'] })).status).toBe(404);

      const x = await ingest('hubspot', [
        { type: 'hubspotContactId', value: '71' },
        { type: 'email', value: 'old.address@corp.io' },
      ]);
      const y = await ingest('hubspot', [
        { type: 'hubspotContactId', value: '72' },
        { type: 'email', value: 'new.address@corp.io' },
      ]);
      expect(y.profileId).not.toBe(x.profileId);
      const m = await call('POST', '/events', {
        source: 'hubspot',
        type: 'contact.merged',
        occurredAt: '2026-02-01T00:00:00Z',
        subject: { identifiers: [{ type: 'hubspotContactId', value: '71' }] },
        properties: { mergedFrom: [{ type: 'hubspotContactId', value: '72' }] },
      });
      expect(m.json['profileId']).toBe(x.profileId);
      expect((await call('GET', `/profiles?email=new.address%40corp.io`)).json['profiles']).toEqual([
        expect.objectContaining({ id: x.profileId }),
      ]);
    });

    it("uses the tenant's identity settings (default phone region) and drops a deleted CRM contact's evidence", async () => {
      const t = await createTenant(svc.runtime.db, 'US tenant');
      await svc.runtime.db.query(`UPDATE tenants SET settings = '{"identity": {"defaultRegion": "US"}}'::jsonb WHERE id = $1`, [
        t.tenantId,
      ]);
      const a = await ingest(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '5' },
          { type: 'phone', value: '(415) 555-0188' },
        ],
        {},
        {},
        t.apiKey,
      );
      const found = await call('GET', '/profiles?phone=%2B14155550188', undefined, t.apiKey);
      expect(found.json['profiles']).toEqual([expect.objectContaining({ id: a.profileId })]);
      const del = await call(
        'POST',
        '/events',
        {
          source: 'hubspot',
          type: 'contact.deleted',
          occurredAt: '2026-03-01T00:00:00Z',
          subject: { identifiers: [{ type: 'hubspotContactId', value: '5' }] },
        },
        t.apiKey,
      );
      expect(del.status).toBe(202);
      expect(del.json['profileId']).toBeNull();
      expect((await call('GET', '/profiles?phone=%2B14155550188', undefined, t.apiKey)).json['profiles']).toEqual([]);
    });

    it('drops an identifier a CRM record no longer carries and splits the profile it bridged', async () => {
      const crm = await ingest('hubspot', [
        { type: 'hubspotContactId', value: '4242' },
        { type: 'email', value: 'old.address@acme.io' },
        { type: 'phone', value: '+1 415 555 0142' },
      ]);
      const support = await ingest('zendesk', [
        { type: 'zendeskUserId', value: '4242', scope: 'acme' },
        { type: 'email', value: 'old.address@acme.io' },
      ]);
      expect(support.profileId).toBe(crm.profileId);
      const update = await ingest(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '4242' },
          { type: 'phone', value: '+1 415 555 0142' },
        ],
        {},
        { properties: { removedIdentifiers: [{ type: 'email', value: 'Old.Address@acme.io' }] } },
      );
      const byEmail = (await call('GET', '/profiles?email=old.address%40acme.io')).json['profiles'] as { id: string }[];
      const byPhone = (await call('GET', '/profiles?phone=%2B14155550142')).json['profiles'] as { id: string }[];
      expect(byEmail).toHaveLength(1);
      expect(byPhone).toEqual([expect.objectContaining({ id: update.profileId })]);
      expect(byEmail[0]?.id).not.toBe(update.profileId);
      const bad = await call('POST', '/events', {
        source: 'hubspot',
        type: 'contact.updated',
        occurredAt: '2026-03-02T00:00:00Z',
        subject: { identifiers: [{ type: 'hubspotContactId', value: '4242' }] },
        properties: { removedIdentifiers: 'email' },
      });
      expect(bad.status).toBe(202);
      expect(bad.json['profileId']).toBe(update.profileId);
    });

    it('keeps tenants apart', async () => {
      const mine = await ingest('api', [{ type: 'email', value: 'tenant.one@acme.io' }]);
      const theirs = await ingest('api', [{ type: 'email', value: 'tenant.one@acme.io' }], {}, {}, otherKey);
      expect(theirs.profileId).not.toBe(mine.profileId);
      expect((await call('GET', `/profiles/${mine.profileId}`, undefined, otherKey)).status).toBe(404);
      expect((await call('GET', '/profiles?q=tenant.one', undefined, otherKey)).json['profiles']).toEqual([
        expect.objectContaining({ id: theirs.profileId }),
      ]);
      expect((await call('DELETE', `/profiles/${mine.profileId}`, undefined, otherKey)).status).toBe(404);
      expect((await call('POST', '/profiles/merge', { profileIds: [mine.profileId, theirs.profileId] })).status).toBe(404);
      expect((await call('GET', `/profiles/${mine.profileId}`)).status).toBe(200);
    });

    it('erases a person: identifiers, links, events and derived identity data', async () => {
      const a = await ingest(
        'hubspot',
        [
          { type: 'hubspotContactId', value: '666' },
          { type: 'email', value: 'forget.me@acme.io' },
        ],
        { firstName: 'Forget', lastName: 'Me' },
      );
      const b = await ingest('sms', [
        { type: 'email', value: 'forget.me@acme.io' },
        { type: 'phone', value: '+1 415 555 0166' },
      ]);
      const erased = await call('DELETE', `/profiles/${b.profileId}`);
      expect(erased.status).toBe(200);
      expect(erased.json['erased']).toEqual(expect.objectContaining({ profileId: a.profileId, identifiers: 3, records: 2, events: 2 }));
      expect((await call('GET', `/profiles/${a.profileId}`)).status).toBe(404);
      expect((await call('GET', `/events/${a.eventId}`)).status).toBe(404);
      expect((await call('GET', '/profiles?email=forget.me%40acme.io')).json['profiles']).toEqual([]);
      const db = svc.runtime.db;
      for (const table of ['identity_nodes', 'identity_edges', 'identity_blocking_keys', 'identity_event_records']) {
        const r = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table} WHERE ${table === 'identity_edges' ? 'a' : table === 'identity_nodes' ? 'key' : 'record_key'} LIKE '%forget%' OR ${table === 'identity_edges' ? "b LIKE '%forget%'" : 'false'}`,
        );
        expect([table, r.rows[0]?.n]).toEqual([table, 0]);
      }
      expect((await call('DELETE', `/profiles/${a.profileId}`)).status).toBe(404);
    });

    it('never creates two profiles for one person under dozens of concurrent requests', async () => {
      const email = `burst-${mode.replace(/\W/g, '')}@acme.io`;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const ids = [
            { type: 'phone', value: `+1 415 555 ${String(2000 + (i % 7))}` },
            { type: 'email', value: i % 2 === 0 ? email.toUpperCase() : email },
          ];
          return ingest(i % 3 === 0 ? 'sms' : 'api', i % 2 === 0 ? ids : ids.reverse(), { firstName: 'Burst' });
        }),
      );
      expect(new Set(results.map((r) => r.profileId)).size).toBe(1);

      // Bridging: some events carry only a phone, some only an email, some both; all end in one profile.
      const results2 = await Promise.all(
        Array.from({ length: 36 }, (_, i) => {
          const phone = { type: 'phone', value: '+1 415 555 3001' };
          const mail = { type: 'email', value: `bridge-${mode.replace(/\W/g, '')}@acme.io` };
          return ingest(`src${i % 4}`, i % 3 === 0 ? [phone] : i % 3 === 1 ? [mail] : [mail, phone], { firstName: 'Bridge' });
        }),
      );
      const finals = await Promise.all(results2.map(async (r) => (await call('GET', `/profiles/${r.profileId}`)).json['id']));
      expect(new Set(finals).size).toBe(1);
      const live = await svc.runtime.db.query<{ n: number }>(
        `SELECT count(DISTINCT profile_id)::int AS n FROM identity_nodes WHERE key IN ('phone::+14155553001', $1)`,
        [`email::bridge-${mode.replace(/\W/g, '')}@acme.io`],
      );
      expect(live.rows[0]?.n).toBe(1);
    });
  });
}
