/**
 * Batch identity resolution (`baton resolve`): every record goes through the same resolver the
 * service uses (deterministic links, limits, blocked values), then a Fellegi–Sunter model trained
 * on the batch links records that share no identifier.
 */
import type { Columns } from '../compare/comparisons';
import { IdentityResolver } from '../graph/engine';
import { InMemoryGraphStore } from '../graph/memory-store';
import { recordKey } from '../graph/model';
import { compatibleNames, DEFAULT_POLICY, hasAnchorEvidence, type LinkPolicy } from '../graph/policy';
import { BulkGraph, type BulkRecord } from './bulk-deterministic';
import { defaultMatcherConfig, MATCH_FIELDS } from '../model/defaults';
import { trainMatcher, type MatcherConfig } from '../model/matcher';
import { probabilityFromWeight } from '../model/parameters';
import { IdentifierNormalizer, type NormalizerConfig } from '../normalize/identifier';
import { firstNameOf, normalizeTraits } from '../normalize/traits';
import type { RawIdentifier } from '../types';
import type { Random } from '../util/prng';
import { UnionFind } from '../util/union-find';
import type { MappingField } from './mapping';

export interface BatchRecord {
  readonly source: string;
  readonly recordId: string;
  /** Trimmed, non-empty values only. */
  readonly values: Partial<Record<MappingField, string>>;
}

export type BatchPhase = 'deterministic' | 'training' | 'linking';

export interface BatchOptions {
  readonly random: Random;
  /** Timestamp recorded as the provenance time of the batch's evidence. */
  readonly at: string;
  readonly normalizer?: NormalizerConfig;
  readonly policy?: LinkPolicy;
  readonly matcher?: Partial<MatcherConfig>;
  readonly onProgress?: (phase: BatchPhase, done: number, total: number) => void;
  /**
   * `bulk` (default): the deterministic phase in one pass with the same policy checks
   * (batch/bulk-deterministic.ts). `one-by-one`: every record through IdentityResolver.resolve.
   */
  readonly deterministic?: 'bulk' | 'one-by-one';
  /** An empty store that receives the batch's evidence graph (to inspect or explain it). */
  readonly graphStore?: InMemoryGraphStore;
}

export interface PossibleMatch {
  readonly a: number;
  readonly b: number;
  readonly probability: number;
}

export interface BatchResult {
  /** Profile id of each input record, in input order. */
  readonly profileIds: readonly string[];
  readonly possibleMatches: readonly PossibleMatch[];
  readonly stats: {
    readonly profiles: number;
    readonly candidatePairs: number;
    readonly probabilisticLinks: number;
    readonly refusedLinks: number;
    readonly emIterations: number;
  };
}

const IDENTIFIER_FIELDS: readonly (readonly [MappingField, string])[] = [
  ['hubspotContactId', 'hubspotContactId'],
  ['salesforceId', 'salesforceId'],
  ['zendeskUserId', 'zendeskUserId'],
  ['nationalId', 'nationalId'],
  ['email', 'email'],
  ['whatsappId', 'whatsapp'],
  ['phone', 'phone'],
];

export async function resolveBatch(records: readonly BatchRecord[], options: BatchOptions): Promise<BatchResult> {
  const n = records.length;
  const store = options.graphStore ?? new InMemoryGraphStore();
  let nextId = 0;
  const normalizer = new IdentifierNormalizer(options.normalizer);
  const newProfileId = (): string => `p${String(++nextId).padStart(7, '0')}`;
  const resolver = new IdentityResolver({
    store,
    normalizer,
    newProfileId,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const present = new Set<string>();
  for (const r of records) for (const f of Object.keys(r.values)) present.add(f);
  const matchFields = MATCH_FIELDS.filter(
    (f) =>
      present.has(f) ||
      ((f === 'firstName' || f === 'lastName') && present.has('fullName')) ||
      (f === 'phone' && present.has('whatsappId')),
  );
  const columns: Record<string, string[]> = {};
  for (const f of matchFields) columns[f] = new Array<string>(n).fill('');

  const step = Math.max(1, Math.floor(n / 100));
  const policy = options.policy ?? DEFAULT_POLICY;
  const bulk: BulkRecord[] = [];
  for (let i = 0; i < n; i++) {
    const record = records[i] as BatchRecord;
    const identifiers: RawIdentifier[] = [];
    for (const [field, type] of IDENTIFIER_FIELDS) {
      const value = record.values[field];
      if (value !== undefined) identifiers.push({ type, value });
    }
    const traits = normalizeTraits(record.values);
    const normalized = normalizer.normalize(identifiers, { country: traits.country });
    if (options.deterministic === 'one-by-one') {
      await resolver.resolve({ identifiers, traits: record.values }, { source: record.source, recordId: record.recordId, at: options.at });
    } else {
      bulk.push({
        source: record.source,
        recordId: record.recordId,
        identifiers: normalized.identifiers,
        candidates: normalized.candidates,
        firstName: firstNameOf(traits),
      });
    }
    for (const f of matchFields) {
      const col = columns[f] as string[];
      if (f === 'email' || f === 'phone' || f === 'nationalId') {
        // A WhatsApp id stands in for a missing phone: it yields the same E.164 number.
        col[i] = normalized.identifiers.find((id) => id.type === f)?.value ?? '';
      } else {
        col[i] = traits[f as keyof typeof traits] ?? '';
      }
    }
    if (i % step === 0) options.onProgress?.('deterministic', i, n);
  }
  const graph = options.deterministic === 'one-by-one' ? undefined : BulkGraph.build(bulk, policy, options.at);
  options.onProgress?.('deterministic', n, n);

  const recordProfiles = async (): Promise<string[]> =>
    graph !== undefined
      ? graph.profileIds(newProfileId)
      : store.unitOfWork([], async (tx) => {
          const keys = records.map((r) => recordKey(r.source, r.recordId));
          const nodes = await tx.getNodes(keys);
          return keys.map((k) => nodes.get(k)?.profileId ?? '');
        });

  options.onProgress?.('training', 0, 1);
  // u needs enough random pairs to see rare agreements, but not more than the data can use
  // (FEBRL 1-3 and the synthetic set score the same with n samples as with 2n, measured).
  const uSamples = Math.min(20_000, Math.max(5_000, n));
  const config = defaultMatcherConfig(matchFields, { uSamples, ...options.matcher });
  const C = config.comparisons.length;
  if (C === 0 || n < 2) {
    const ids = await recordProfiles();
    if (graph !== undefined && options.graphStore !== undefined) graph.write(options.graphStore, ids, options.at);
    return finish(ids, [], 0, 0, 0, 0);
  }
  const { model, pairs, levels } = trainMatcher(config, columns as Columns, n, options.random);
  options.onProgress?.('training', 1, 1);

  const probabilities = new Float64Array(pairs.count);
  for (let p = 0; p < pairs.count; p++)
    probabilities[p] = probabilityFromWeight(model.weightOf(columns as Columns, pairs.left[p] as number, levels, p * C));
  const above: number[] = [];
  for (let p = 0; p < pairs.count; p++) if ((probabilities[p] as number) >= config.reviewThreshold) above.push(p);
  const order = Int32Array.from(above).sort((x, y) => (probabilities[y] as number) - (probabilities[x] as number) || x - y);

  // Records known to share a profile: links between them change nothing and are skipped.
  const together = graph ?? oneByOneTogether(n, await recordProfiles());
  let links = 0;
  let refused = 0;
  const review: PossibleMatch[] = [];
  const linkStep = Math.max(1, Math.floor(order.length / 50));
  for (let k = 0; k < order.length; k++) {
    const p = order[k] as number;
    const i = pairs.left[p] as number;
    const j = pairs.right[p] as number;
    const probability = probabilities[p] as number;
    if (together.together(i, j)) continue;
    if (probability < config.linkThreshold) {
      review.push({ a: i, b: j, probability });
      continue;
    }
    const ri = records[i] as BatchRecord;
    const rj = records[j] as BatchRecord;
    const { fields } = model.explain(columns as Columns, i, j);
    // The given-name guard binds links resting on a shared address or number (a family's landline), as
    // it binds identifier links; elsewhere given names are one weighed field among many (typos, swaps).
    const sharedContact = fields.some((f) => (f.field === 'phone' || f.field === 'email') && f.level === 'exact');
    if (!hasAnchorEvidence(fields) || (sharedContact && !givenNamesAllowLink(columns['firstName'], i, j))) {
      // A name alone never links automatically: a possible match for review.
      review.push({ a: i, b: j, probability });
      continue;
    }
    const detail = { probability, fields };
    const provenance = { source: 'matcher', recordId: `${ri.recordId}~${rj.recordId}`, at: options.at };
    const outcome = graph !== undefined ? graph.link(i, j, detail, provenance) : await resolver.linkRecords(ri, rj, detail, provenance);
    if (outcome.status === 'active') {
      if (graph === undefined) (together as ReturnType<typeof oneByOneTogether>).union(i, j);
      links++;
    } else refused++;
    if (k % linkStep === 0) options.onProgress?.('linking', k, order.length);
  }
  options.onProgress?.('linking', order.length, order.length);
  const final = await recordProfiles();
  if (graph !== undefined && options.graphStore !== undefined) graph.write(options.graphStore, final, options.at);
  const possible = review.filter((m) => final[m.a] !== final[m.b]);
  return finish(final, possible, pairs.count, links, refused, model.iterations);
}

/** Given names that cannot be one person's (Mary / John) rule out an automatic link, as online. */
function givenNamesAllowLink(col: readonly string[] | undefined, i: number, j: number): boolean {
  if (col === undefined) return true;
  const a = (col[i] ?? '').split(/[\s-]/)[0] ?? '';
  const b = (col[j] ?? '').split(/[\s-]/)[0] ?? '';
  return a.length === 0 || b.length === 0 || compatibleNames(a, b);
}

function finish(
  profileIds: string[],
  possibleMatches: PossibleMatch[],
  candidatePairs: number,
  probabilisticLinks: number,
  refusedLinks: number,
  emIterations: number,
): BatchResult {
  return {
    profileIds,
    possibleMatches,
    stats: { profiles: new Set(profileIds).size, candidatePairs, probabilisticLinks, refusedLinks, emIterations },
  };
}

/** Which records share a profile, for the one-by-one path (the bulk graph answers this itself). */
function oneByOneTogether(
  n: number,
  profileIds: readonly string[],
): { together(i: number, j: number): boolean; union(i: number, j: number): void } {
  const sets = new UnionFind(n);
  const firstOf = new Map<string, number>();
  profileIds.forEach((pid, i) => {
    const first = firstOf.get(pid);
    if (first === undefined) firstOf.set(pid, i);
    else sets.union(first, i);
  });
  return { together: (i, j) => sets.find(i) === sets.find(j), union: (i, j) => sets.union(i, j) };
}
