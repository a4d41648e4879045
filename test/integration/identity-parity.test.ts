/**
 * Parity: the live path (events one at a time, in any order, through the SQL graph store) and the
 * batch resolver (`baton resolve`, in process) put the generator's records in the same clusters,
 * including a late record that bridges two profiles (they merge) and a split (its deletion).
 */
import { generateTrapPopulation, toCanonicalEvents, TUNING_SEEDS, type TrapRecord } from '../fixtures/identity-traps/generator';
import { transactionalGraphStore } from '../../server/identity/graph-store.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { IdentityGraphStore } from '../../app/identity/graph/store';
import { identifyEvent, resolveTrapsBatch, resolveTrapsLive, samePartition } from '../unit/identity/trap-harness';

const { records } = generateTrapPopulation({ seed: TUNING_SEEDS[1] as number, people: 120 });
const ids = records.map((r) => r.recordId);

function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** Joseph's CRM contact and his WhatsApp sender share nothing until a Salesforce contact carries both. */
const base = { occurredAt: '2025-06-01T10:00:00.000Z', categories: ['ordinary' as const], groups: [], variants: [] };
const joseph: TrapRecord = {
  ...base,
  recordId: 'hs-bridge-1',
  system: 'hubspot',
  truthId: 'PB',
  identifiers: [
    { type: 'email', value: 'joseph.miller@acme.io' },
    { type: 'crm_id', value: '99000000001', scope: 'hubspot:4410321' },
  ],
  traits: { firstName: 'Joseph', lastName: 'Miller' },
};
const joe: TrapRecord = {
  ...base,
  recordId: 'wa-bridge-2',
  system: 'whatsapp',
  truthId: 'PB',
  identifiers: [{ type: 'whatsapp', value: '13035550142' }],
  traits: { displayName: 'Joe 🎸' },
};
const bridge: TrapRecord = {
  ...base,
  recordId: 'sf-bridge-3',
  system: 'salesforce',
  truthId: 'PB',
  occurredAt: '2025-09-01T10:00:00.000Z',
  identifiers: [
    { type: 'email', value: 'Joseph.Miller@acme.io' },
    { type: 'phone', value: '(303) 555-0142' },
    { type: 'crm_id', value: '003000000000BRG', scope: 'salesforce:00D000000000001' },
  ],
  traits: { firstName: 'Joseph', lastName: 'Miller' },
};

async function checkBridgeAndSplit(store: IdentityGraphStore | undefined): Promise<void> {
  const live = await resolveTrapsLive([joseph, joe], store === undefined ? {} : { store });
  const profile = async (key: string): Promise<string | undefined> => (await live.resolver.profileOf({ key }))?.profileId;
  const [kJoseph, kJoe] = [live.recordKeys.get(joseph.recordId) as string, live.recordKeys.get(joe.recordId) as string];
  expect(await profile(kJoseph)).not.toBe(await profile(kJoe));
  const batchBefore = await resolveTrapsBatch([joseph, joe]);
  expect(batchBefore.clusterOf(joseph.recordId)).not.toBe(batchBefore.clusterOf(joe.recordId));
  // The late record bridges them, live and in batch.
  const kBridge = await identifyEvent(live.resolver, toCanonicalEvents([bridge])[0] as CanonicalEvent);
  expect(await profile(kJoe)).toBe(await profile(kJoseph));
  expect(await profile(kBridge)).toBe(await profile(kJoseph));
  const batchAfter = await resolveTrapsBatch([joseph, joe, bridge]);
  expect(batchAfter.clusterOf(joe.recordId)).toBe(batchAfter.clusterOf(joseph.recordId));
  expect(batchAfter.clusterOf(bridge.recordId)).toBe(batchAfter.clusterOf(joseph.recordId));
  // Split: the bridging contact is deleted in the CRM; the two profiles come apart again, as in a batch without it.
  const [source, ...rest] = kBridge.slice('rec:'.length).split(':');
  await live.resolver.deleteRecord({ source: source as string, recordId: rest.join(':') }, '2025-10-01T10:00:00.000Z');
  expect(await profile(kJoseph)).toBeDefined();
  expect(await profile(kJoseph)).not.toBe(await profile(kJoe));
}

describe('identity parity on the trap generator: in-memory live path vs batch', () => {
  it('gives the same clusters in record order and in two shuffled orders', async () => {
    const batch = await resolveTrapsBatch(records);
    for (const order of [undefined, shuffled(records.length, 7), shuffled(records.length, 99)]) {
      const live = await resolveTrapsLive(records, order === undefined ? {} : { order });
      const parity = samePartition(ids, batch.clusterOf, live.clusterOf);
      expect(parity.differing).toEqual([]);
    }
  });

  it('merges on a late bridging record and splits when it is deleted, like the batch', async () => {
    await checkBridgeAndSplit(undefined);
  });
});

for (const backend of backends) {
  describeWith(backend.needs, `identity parity on ${backend.name}: live path through SQL vs batch`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    it('gives the batch clusters for events in a shuffled order', async () => {
      const { tenantId } = await createTenant(t.db, 'Parity');
      const live = await resolveTrapsLive(records, { order: shuffled(records.length, 5), store: transactionalGraphStore(t.db, tenantId) });
      const batch = await resolveTrapsBatch(records);
      expect(samePartition(ids, batch.clusterOf, live.clusterOf).differing).toEqual([]);
    }, 120_000);

    it('merges on a late bridging record and splits when it is deleted', async () => {
      const { tenantId } = await createTenant(t.db, 'Bridge');
      await checkBridgeAndSplit(transactionalGraphStore(t.db, tenantId));
    }, 60_000);
  });
}
