/**
 * The identity write path of issue #16 on real storage (PGlite and PostgreSQL): `linkMany` (a
 * micro-batch per transaction) gives the same profiles as `identify` one event at a time, merges,
 * removals and CRM deletions included; an ordinary event costs two statements; and concurrent
 * transactions linking the same new identifier end with one profile.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { generateCrmPopulation, type SyntheticRecord } from '../../app/identity/synthetic/crm-population';
import { seededRandom } from '../../app/identity/util/prng';
import type { Database, Queryable } from '../../server/db/database';
import { IdentityService } from '../../server/identity/identity.service';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

const AT = '2026-03-01T10:00:00.000Z';

function eventOf(r: SyntheticRecord): CanonicalEvent {
  const v = r.values;
  const identifiers = [
    ...(v.hubspotContactId ? [{ type: 'hubspotContactId' as const, value: v.hubspotContactId }] : []),
    ...(v.zendeskUserId ? [{ type: 'zendeskUserId' as const, value: v.zendeskUserId }] : []),
    ...(v.email ? [{ type: 'email' as const, value: v.email }] : []),
    ...(v.whatsappId ? [{ type: 'whatsapp' as const, value: v.whatsappId }] : []),
    ...(v.phone ? [{ type: 'phone' as const, value: v.phone }] : []),
  ];
  return { source: r.source, type: 'contact.updated', occurredAt: AT, subject: { identifiers, traits: r.values } } as CanonicalEvent;
}

/** A stream of ordinary events with a CRM merge, a removed identifier and a CRM deletion in it. */
function stream(): CanonicalEvent[] {
  const events = generateCrmPopulation(seededRandom(16), 40).map(eventOf);
  const hub = (id: string, email: string, extra: Partial<CanonicalEvent> = {}): CanonicalEvent =>
    ({
      source: 'hubspot',
      type: 'contact.updated',
      occurredAt: AT,
      subject: {
        identifiers: [
          { type: 'hubspotContactId', value: id },
          { type: 'email', value: email },
        ],
        traits: { firstName: 'Ada' },
      },
      ...extra,
    }) as CanonicalEvent;
  events.splice(10, 0, hub('9100001', 'ada.one@acme.io'), hub('9100002', 'ada.two@acme.io'));
  events.splice(
    30,
    0,
    hub('9100001', 'ada.one@acme.io', {
      type: 'contact.merged',
      properties: { mergedFrom: { type: 'hubspotContactId', value: '9100002' } },
    }),
  );
  events.splice(
    50,
    0,
    hub('9100003', 'bo@acme.io'),
    hub('9100003', 'bo@acme.io', {
      type: 'contact.updated',
      subject: { identifiers: [{ type: 'hubspotContactId', value: '9100003' }], traits: {} },
      properties: { removedIdentifiers: [{ type: 'email', value: 'bo@acme.io' }] },
    }),
  );
  events.push(hub('9100004', 'cy@acme.io'), { ...hub('9100004', 'cy@acme.io'), type: 'contact.deleted' });
  return events;
}

/** Partition of event positions by label (labels renamed to the first position carrying them). */
function partition(labels: readonly (string | null)[]): string[] {
  const first = new Map<string, number>();
  return labels.map((l, i) => {
    if (l === null) return 'null';
    if (!first.has(l)) first.set(l, i);
    return String(first.get(l));
  });
}

async function finalProfiles(db: Database, tenantId: string, eventIds: readonly string[]): Promise<(string | null)[]> {
  const r = await db.query<{ event_id: string; profile_id: string | null }>(
    `SELECT r.event_id, n.profile_id FROM identity_event_records r LEFT JOIN identity_nodes n ON n.tenant_id = r.tenant_id AND n.key = r.record_key
      WHERE r.tenant_id = $1 AND r.event_id = ANY($2::text[])`,
    [tenantId, [...eventIds]],
  );
  const byEvent = new Map(r.rows.map((row) => [row.event_id, row.profile_id]));
  return eventIds.map((id) => (byEvent.has(id) ? (byEvent.get(id) ?? null) : 'missing'));
}

function counting(tx: Queryable, counter: { n: number }): Queryable {
  return { query: (sql, params) => (counter.n++, tx.query(sql, params)) };
}

for (const backend of backends) {
  describeWith(backend.needs, `identity write path on ${backend.name}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    it('linkMany gives the profiles of one-by-one identify, merges, removals and deletions included', async () => {
      const events = stream();
      const service = new IdentityService();
      const one = await createTenant(t.db, 'One by one');
      const oneIds = events.map((_, i) => `evt_one_${i}`);
      const oneReturned: (string | null)[] = [];
      for (const [i, event] of events.entries()) {
        oneReturned.push(
          await t.db.transaction((tx) => service.identify(tx, { tenantId: one.tenantId, eventId: oneIds[i] as string, event })),
        );
      }
      const many = await createTenant(t.db, 'Batches');
      const manyIds = events.map((_, i) => `evt_many_${i}`);
      const manyReturned: (string | null)[] = [];
      for (let start = 0; start < events.length; start += 25) {
        const slice = events.slice(start, start + 25).map((event, k) => ({ eventId: manyIds[start + k] as string, event }));
        manyReturned.push(...(await t.db.transaction((tx) => service.linkMany(tx, many.tenantId, slice))));
      }
      expect(manyReturned).toHaveLength(events.length);
      expect(partition(manyReturned)).toEqual(partition(oneReturned));
      const oneFinal = await finalProfiles(t.db, one.tenantId, oneIds);
      const manyFinal = await finalProfiles(t.db, many.tenantId, manyIds);
      expect(oneFinal).not.toContain('missing');
      expect(partition(manyFinal)).toEqual(partition(oneFinal));
      // The merge joined Ada's two contacts; the deletion left its event without a profile.
      expect(manyFinal[10]).toBe(manyFinal[11]);
      expect(manyReturned[events.length - 1]).toBeNull();
      const count = async (tenantId: string, table: string): Promise<number> =>
        (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]?.n ?? -1;
      for (const table of [
        'identity_nodes',
        'identity_edges',
        'identity_profiles',
        'identity_profile_aliases',
        'identity_reviews',
        'identity_blocking_keys',
        'identity_event_records',
      ]) {
        expect([table, await count(many.tenantId, table)]).toEqual([table, await count(one.tenantId, table)]);
      }
    }, 180_000);

    it('resolves an ordinary event in two statements, and a micro-batch in far fewer than one per event', async () => {
      const service = new IdentityService();
      const { tenantId } = await createTenant(t.db, 'Statements');
      await t.db.transaction((tx) => service.resolver(tx, tenantId)); // the tenant's settings, read once per process
      const events = generateCrmPopulation(seededRandom(5), 12).map(eventOf);
      const single = { n: 0 };
      const first = events[0] as CanonicalEvent;
      await t.db.transaction((tx) => service.identify(counting(tx, single), { tenantId, eventId: 'evt_s_0', event: first }));
      expect(single.n).toBe(2);
      // The same sender again changes nothing: one read, and the event's record row.
      const again = { n: 0 };
      await t.db.transaction((tx) => service.identify(counting(tx, again), { tenantId, eventId: 'evt_s_1', event: first }));
      expect(again.n).toBe(2);
      const batch = { n: 0 };
      const rest = events.slice(1).map((event, i) => ({ eventId: `evt_b_${i}`, event }));
      const profiles = await t.db.transaction((tx) => service.linkMany(counting(tx, batch), tenantId, rest));
      expect(profiles.every((p) => typeof p === 'string')).toBe(true);
      expect(batch.n).toBeLessThanOrEqual(Math.ceil(rest.length / 4));
      const stored = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM identity_event_records WHERE tenant_id = $1', [
        tenantId,
      ]);
      expect(stored.rows[0]?.n).toBe(rest.length + 2);
      // The same senders again, as a micro-batch: their records are stored, so their blocking keys need no
      // read of their own (one read for the batch, one write for the event records).
      const known = { n: 0 };
      const repeat = events.slice(1).map((event, i) => ({ eventId: `evt_r_${i}`, event }));
      const again2 = await t.db.transaction((tx) => service.linkMany(counting(tx, known), tenantId, repeat));
      expect(again2).toEqual(
        await finalProfiles(
          t.db,
          tenantId,
          repeat.map((r) => r.eventId),
        ),
      );
      expect(known.n).toBe(2);
    }, 60_000);

    it('concurrent transactions linking the same new identifier end with one profile', async () => {
      const service = new IdentityService();
      const { tenantId } = await createTenant(t.db, 'Race');
      for (let round = 0; round < 4; round++) {
        const email = `race-${round}@acme.io`;
        const ev = (i: number): CanonicalEvent =>
          ({
            source: `src${i}`,
            type: 'message.received',
            occurredAt: AT,
            subject: {
              identifiers: [
                { type: 'email', value: email },
                { type: 'phone', value: `+1 415 555 ${String(4000 + round * 10 + i)}` },
              ],
            },
          }) as CanonicalEvent;
        const filler = (i: number): CanonicalEvent =>
          ({
            source: 'api',
            type: 'message.received',
            occurredAt: AT,
            subject: { identifiers: [{ type: 'email', value: `other-${round}-${i}@acme.io` }] },
          }) as CanonicalEvent;
        // Two "workers": micro-batches sharing the new email, and single events carrying it, at once.
        const results = await Promise.all([
          t.db.transaction((tx) =>
            service.linkMany(tx, tenantId, [
              { eventId: `evt_r${round}_a0`, event: filler(0) },
              { eventId: `evt_r${round}_a1`, event: ev(1) },
              { eventId: `evt_r${round}_a2`, event: filler(2) },
            ]),
          ),
          t.db.transaction((tx) =>
            service.linkMany(tx, tenantId, [
              { eventId: `evt_r${round}_b0`, event: ev(2) },
              { eventId: `evt_r${round}_b1`, event: filler(3) },
            ]),
          ),
          t.db.transaction((tx) => service.identify(tx, { tenantId, eventId: `evt_r${round}_c`, event: ev(3) })),
          t.db.transaction((tx) => service.identify(tx, { tenantId, eventId: `evt_r${round}_d`, event: ev(4) })),
        ]);
        const live = await t.db.query<{ n: number }>(
          `SELECT count(DISTINCT n.profile_id)::int AS n FROM identity_nodes n WHERE n.tenant_id = $1 AND (n.key = $2 OR n.key IN (SELECT b FROM identity_edges e WHERE e.tenant_id = $1 AND e.kind = 'carries' AND e.a IN (SELECT a FROM identity_edges WHERE tenant_id = $1 AND b = $2)))`,
          [tenantId, `email::${email}`],
        );
        expect(live.rows[0]?.n).toBe(1);
        const profiles = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM identity_profiles p WHERE p.tenant_id = $1 AND EXISTS (SELECT 1 FROM identity_nodes n WHERE n.tenant_id = $1 AND n.profile_id = p.id AND n.key = $2)`,
          [tenantId, `email::${email}`],
        );
        expect(profiles.rows[0]?.n).toBe(1);
        const returned = [results[0][1], results[1][0], results[2], results[3]];
        expect(returned.every((p) => typeof p === 'string')).toBe(true);
      }
    }, 120_000);
  });
}
