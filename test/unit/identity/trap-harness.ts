/**
 * Runs the identity-trap population (test/fixtures/identity-traps) through both Baton paths, in
 * process: the batch resolver exactly as `baton resolve` reads the generator's CSV files, and the
 * live path, one canonical event at a time through the resolver the service uses (same record
 * mapping, online matcher on), over an in-memory graph store. Shared by tests and the bench.
 */
import { parse } from 'csv-parse/sync';
import type { CanonicalEvent } from '../../../app/events/canonical-event';
import { resolveBatch, type BatchRecord, type BatchResult } from '../../../app/identity/batch/resolve-batch';
import type { MappingField } from '../../../app/identity/batch/mapping';
import { IdentityResolver } from '../../../app/identity/graph/engine';
import { InMemoryGraphStore } from '../../../app/identity/graph/memory-store';
import type { IdentityGraphStore } from '../../../app/identity/graph/store';
import { OnlineMatcher } from '../../../app/identity/model/online';
import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import { seededRandom } from '../../../app/identity/util/prng';
import { recordOf, toRaw } from '../../../server/identity/identity.service';
import { toBatchCsv, toCanonicalEvents, type TrapRecord } from '../../fixtures/identity-traps/generator';

const AT = '2026-01-01T00:00:00.000Z';

/** The generator's CSV files read as the `baton resolve` command reads them (source = file name). */
export function trapBatchRecords(records: readonly TrapRecord[]): BatchRecord[] {
  const { files, mapping } = toBatchCsv(records);
  const out: BatchRecord[] = [];
  for (const [file, text] of Object.entries(files)) {
    const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    for (const row of rows) {
      const values: Partial<Record<MappingField, string>> = {};
      for (const [field, column] of Object.entries(mapping.fields)) {
        const value = (row[column] ?? '').trim();
        if (value.length > 0) values[field as MappingField] = value;
      }
      out.push({ source: file, recordId: (row[mapping.id] ?? '').trim(), values });
    }
  }
  return out;
}

export interface TrapBatchRun {
  readonly clusterOf: (recordId: string) => string;
  readonly result: BatchResult;
  readonly records: readonly BatchRecord[];
}

export async function resolveTrapsBatch(records: readonly TrapRecord[]): Promise<TrapBatchRun> {
  const batch = trapBatchRecords(records);
  const result = await resolveBatch(batch, { random: seededRandom(20260101), at: AT });
  const profile = new Map(batch.map((r, i) => [r.recordId, result.profileIds[i] ?? '']));
  return { clusterOf: (id) => profile.get(id) ?? `unresolved:${id}`, result, records: batch };
}

export interface TrapLiveRun {
  readonly clusterOf: (recordId: string) => string;
  readonly resolver: IdentityResolver;
  readonly store: IdentityGraphStore;
  /** The graph record key each trap record (event) was resolved as. */
  readonly recordKeys: ReadonlyMap<string, string>;
}

/** A fresh tenant's identity resolver (no settings): what the service builds for `identify`. */
export function liveResolver(store: IdentityGraphStore = new InMemoryGraphStore()): IdentityResolver {
  let n = 0;
  return new IdentityResolver({
    store,
    normalizer: new IdentifierNormalizer(),
    matcher: new OnlineMatcher(),
    newProfileId: () => `live${String(++n).padStart(6, '0')}`,
  });
}

/** Resolves one canonical event as IdentityService.identify does (record mapping included). */
export async function identifyEvent(resolver: IdentityResolver, event: CanonicalEvent): Promise<string> {
  const eventId = event.id ?? '';
  const record = recordOf(resolver.normalizer, event, eventId);
  const provenance = { source: event.source, recordId: eventId, at: new Date(event.occurredAt).toISOString() };
  await resolver.resolve({ identifiers: event.subject.identifiers.map(toRaw), traits: event.subject.traits }, provenance, { record });
  return `rec:${record.source}:${record.recordId}`;
}

/**
 * The live path over `records` in the given order (default: the population's own order), over an
 * in-memory store unless `store` (e.g. the SQL store of an integration test) is given.
 */
export async function resolveTrapsLive(
  records: readonly TrapRecord[],
  options: { order?: readonly number[]; store?: IdentityGraphStore } = {},
): Promise<TrapLiveRun> {
  const { order } = options;
  const store = options.store ?? new InMemoryGraphStore();
  const resolver = liveResolver(store);
  const events = toCanonicalEvents(records);
  const recordKeys = new Map<string, string>();
  for (const i of order ?? events.map((_, k) => k)) {
    const event = events[i] as CanonicalEvent;
    recordKeys.set(records[i]?.recordId ?? '', await identifyEvent(resolver, event));
  }
  const profiles = await store.unitOfWork([], async (tx) => tx.getNodes([...recordKeys.values()]));
  return {
    clusterOf: (id) => profiles.get(recordKeys.get(id) ?? '')?.profileId ?? `unresolved:${id}`,
    resolver,
    store,
    recordKeys,
  };
}

/** Two clusterings of the same records agree (same partition, whatever the profile ids). */
export function samePartition(
  ids: readonly string[],
  a: (id: string) => string,
  b: (id: string) => string,
): { same: boolean; differing: string[][] } {
  const aToB = new Map<string, string>();
  const bToA = new Map<string, string>();
  const differing: string[][] = [];
  for (const id of ids) {
    const pa = a(id);
    const pb = b(id);
    const seenB = aToB.get(pa);
    const seenA = bToA.get(pb);
    if ((seenB !== undefined && seenB !== pb) || (seenA !== undefined && seenA !== pa)) differing.push([id, pa, pb]);
    aToB.set(pa, pb);
    bToA.set(pb, pa);
  }
  return { same: differing.length === 0, differing };
}
