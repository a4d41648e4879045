/**
 * Identity resolution inside the service: one resolver per tenant and transaction over the SQL graph
 * store, the tenant's identity settings, and the mapping from a canonical event to the source record
 * it is evidence of.
 */
import { systemClock, type Clock } from '../../app/shared/clock';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { identifierSchema, type CanonicalEvent } from '../../app/events/canonical-event';
import { IdentityResolver, type NormalizedSubject } from '../../app/identity/graph/engine';
import type { RecordRef } from '../../app/identity/graph/refs';
import { recordKey } from '../../app/identity/graph/model';
import type { IdentityGraphStore } from '../../app/identity/graph/store';
import { DEFAULT_POLICY, type LinkPolicy } from '../../app/identity/graph/policy';
import { OnlineMatcher } from '../../app/identity/model/online';
import { trainTenantModel } from '../../app/identity/model/tenant-model';
import { seededRandom } from '../../app/identity/util/prng';
import { IdentifierNormalizer } from '../../app/identity/normalize/identifier';
import type { Region } from '../../app/identity/normalize/phone';
import { firstNameOf, normalizeTraits } from '../../app/identity/normalize/traits';
import type { IdentifierType, Provenance, RawIdentifier, Subject } from '../../app/identity/types';
import type { Queryable } from '../db/database';
import { newId } from '../security/ids';
import { getTenant } from '../tenants/tenants.repository';
import { loadTenantModel, recordVectors, saveTenantModel, type StoredTenantModel } from './model.repository';
import { carriersOfIdentifiers, forgetEventRecords, recordKeysWithPrefix } from './source-evidence.repository';
import { SqlGraphStore } from './graph-store.repository';

/** `tenants.settings.identity`; every field optional. */
const settingsSchema = z.object({
  defaultRegion: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  ownValues: z.array(identifierSchema).max(200).optional(),
  blockedValues: z.array(identifierSchema).max(1000).optional(),
  maxProfilesPerIdentifier: z.number().int().min(1).max(100).optional(),
  onlineMatching: z.boolean().optional(),
  linkThreshold: z.number().gt(0).lt(1).optional(),
  reviewThreshold: z.number().gt(0).lt(1).optional(),
});

interface TenantIdentity {
  readonly normalizer: IdentifierNormalizer;
  readonly policy: LinkPolicy;
  readonly matcher: OnlineMatcher | undefined;
  readonly until: number;
}

const CRM_ID_OF_SOURCE: Readonly<Record<string, IdentifierType>> = {
  hubspot: 'hubspotContactId',
  salesforce: 'salesforceId',
  zendesk: 'zendeskUserId',
};
const DELETION_TYPES: ReadonlySet<string> = new Set(['contact.deleted', 'lead.deleted', 'user.deleted']);
/** What IdentityService.purgeSource drops: one source's evidence (e.g. a disconnected CRM account's). */
export interface SourcePurge {
  /** The source whose records are deleted from the graph (identifiers only it gave go with them). */
  readonly source: string;
  /** Only the source's records whose id starts with this (one Salesforce org: `salesforceId:<org15>:`); all of them when absent. */
  readonly recordIdPrefix?: string;
  /** Identifiers pointing into the source (a portal's contact ids): removed from every other source's record still carrying them. */
  readonly identifierScopes?: readonly { readonly type: IdentifierType; readonly scope: string }[];
  /** The source's events being deleted with it: identity forgets which record each was evidence of. */
  readonly eventIds?: readonly string[];
  /** When the evidence is dropped (provenance of the changes). */
  readonly at: string;
}

export interface SourcePurgeResult {
  /** Source records dropped from the graph. */
  readonly records: number;
  /** Identifiers removed from other sources' records. */
  readonly identifiers: number;
}

const mergedSchema = z.union([identifierSchema, z.array(identifierSchema).max(20)]);
const removedSchema = z.array(identifierSchema).max(50);

/** How long after a micro-batch of a tenant was decided again its batches take their locks first. */
const LOCK_FIRST_MS = 10_000;

export class IdentityService {
  private readonly tenants = new Map<string, TenantIdentity>();
  /** When a micro-batch of each tenant was last decided again (contention with another transaction). */
  private readonly contended = new Map<string, number>();

  constructor(
    private readonly cacheMs = 30_000,
    private readonly clock: Clock = systemClock,
  ) {}

  private async tenantIdentity(q: Queryable, tenantId: string): Promise<TenantIdentity> {
    const hit = this.tenants.get(tenantId);
    if (hit !== undefined && hit.until > this.clock.now()) return hit;
    const tenant = await getTenant(q, tenantId);
    const parsed = settingsSchema.safeParse(tenant?.settings['identity'] ?? {});
    const s = parsed.success ? parsed.data : {};
    const normalizer = new IdentifierNormalizer({
      ...(s.defaultRegion === undefined ? {} : { defaultRegion: s.defaultRegion as Region }),
      ...(s.ownValues === undefined ? {} : { ownValues: s.ownValues.map(toRaw) }),
      ...(s.blockedValues === undefined ? {} : { blockedValues: s.blockedValues.map(toRaw) }),
    });
    const policy =
      s.maxProfilesPerIdentifier === undefined
        ? DEFAULT_POLICY
        : { ...DEFAULT_POLICY, maxProfilesPerIdentifier: s.maxProfilesPerIdentifier };
    const trained = s.onlineMatching === false ? undefined : await loadTenantModel(q, tenantId);
    const matcher =
      s.onlineMatching === false
        ? undefined
        : new OnlineMatcher(trained, {
            ...(s.linkThreshold === undefined ? {} : { linkThreshold: s.linkThreshold }),
            ...(s.reviewThreshold === undefined ? {} : { reviewThreshold: s.reviewThreshold }),
          });
    const entry = { normalizer, policy, matcher, until: this.clock.now() + this.cacheMs };
    if (this.tenants.size > 10_000) this.tenants.clear();
    this.tenants.set(tenantId, entry);
    return entry;
  }

  /** Drops the cached settings and model of a tenant (after training). */
  forget(tenantId: string): void {
    this.tenants.delete(tenantId);
  }

  /**
   * Trains the tenant's online match model on its own records (EM, as a batch run does) and stores
   * it; the next resolution uses it. Undefined model: not enough data, with the reason.
   */
  async trainModel(
    q: Queryable,
    tenantId: string,
    maxRecords = 50_000,
  ): Promise<{ model: StoredTenantModel | undefined; reason?: string }> {
    const vectors = await recordVectors(q, tenantId, maxRecords);
    const result = trainTenantModel(vectors, seededRandom(vectors.length));
    if (result.model === undefined) return { model: undefined, reason: result.reason };
    const trainedAt = await saveTenantModel(q, tenantId, result.model);
    this.forget(tenantId);
    return { model: { ...result.model, trainedAt } };
  }

  /**
   * Drops one source's evidence inside the caller's transaction `tx` (a vendor's disconnect purge):
   * its records (all, or those under `recordIdPrefix`) leave the graph, identifiers of the given scopes
   * are removed from the records of other sources that carry them, and profiles are recomputed.
   * Identifiers other sources gave (an email from Zendesk) stay. The only way to drop a source's
   * evidence: vendors never read identity's tables.
   */
  async purgeSource(tx: Queryable, tenantId: string, purge: SourcePurge): Promise<SourcePurgeResult> {
    const resolver = await this.resolver(tx, tenantId);
    const ownPrefix = recordKey(purge.source, '');
    const records = await recordKeysWithPrefix(tx, tenantId, recordKey(purge.source, purge.recordIdPrefix ?? ''));
    for (const key of records) await resolver.deleteRecord({ source: purge.source, recordId: key.slice(ownPrefix.length) }, purge.at);
    const scopes = (purge.identifierScopes ?? []).map((s) => ({ ...s, prefix: `${s.type}:${s.scope}:` }));
    let identifiers = 0;
    for (const { identifierKey, recordKey: carrier } of await carriersOfIdentifiers(
      tx,
      tenantId,
      scopes.map((s) => s.prefix),
    )) {
      const scope = scopes.find((s) => identifierKey.startsWith(s.prefix));
      const colon = carrier.indexOf(':', 4);
      if (scope === undefined || colon < 0) continue;
      await resolver.removeIdentifier(
        { source: carrier.slice(4, colon), recordId: carrier.slice(colon + 1) },
        { type: scope.type, scope: scope.scope, value: identifierKey.slice(scope.prefix.length) },
        purge.at,
      );
      identifiers++;
    }
    await forgetEventRecords(tx, tenantId, purge.eventIds ?? []);
    return { records: records.length, identifiers };
  }

  /** A resolver working inside the caller's transaction `tx`. */
  async resolver(tx: Queryable, tenantId: string): Promise<IdentityResolver> {
    return this.resolverOn(new SqlGraphStore(tx, tenantId), await this.tenantIdentity(tx, tenantId));
  }

  private resolverOn(store: IdentityGraphStore, t: TenantIdentity): IdentityResolver {
    return new IdentityResolver({
      store,
      normalizer: t.normalizer,
      policy: t.policy,
      newProfileId: () => newId('prof'),
      ...(t.matcher === undefined ? {} : { matcher: t.matcher }),
    });
  }

  /**
   * The `identify` hook: resolves the event's subject online inside the ingest transaction and returns
   * its profile id. CRM merge events merge; CRM deletions drop the record's evidence; identifiers
   * listed in `properties.removedIdentifiers` are no longer carried by the record. An ordinary event
   * costs two statements (one read, one identity_apply that also writes its identity_event_records
   * row); see graph-store.repository.ts.
   */
  async identify(tx: Queryable, input: { tenantId: string; eventId: string; event: CanonicalEvent }): Promise<string | null> {
    const { tenantId, eventId, event } = input;
    const t = await this.tenantIdentity(tx, tenantId);
    const store = new SqlGraphStore(tx, tenantId);
    const resolver = this.resolverOn(store, t);
    const prepared = prepareEvent(resolver, event, eventId);
    store.addEventRecords([{ eventId, recordKey: recordKeyOf(prepared.record) }]);
    const profileId = await identifyWith(resolver, event, prepared);
    await store.flushEventRecords();
    return profileId;
  }

  /**
   * The identity stage for a micro-batch of ingested events of one tenant, inside the caller's
   * transaction `tx`: the same as `identify` on each event in order (each sees the ones before it, so
   * the profiles are those of one-by-one resolution), but read in one statement up front and written
   * in one identity_apply at the end, plus a statement for anything the batch reads that was not
   * foreseen (a merged profile's members, a probabilistic candidate's profile). Returns the profile id
   * of each event in input order (null: a deletion, or no identifier at all). On contention with
   * another transaction the whole batch is decided again; after MAX_ATTEMPTS it throws.
   */
  async linkMany(
    tx: Queryable,
    tenantId: string,
    events: readonly { eventId: string; event: CanonicalEvent }[],
  ): Promise<(string | null)[]> {
    if (events.length === 0) return [];
    const t = await this.tenantIdentity(tx, tenantId);
    // After contention, the batch waits for the locks of what it will read instead of deciding twice.
    const lockFirst = (this.contended.get(tenantId) ?? -Infinity) > this.clock.now() - LOCK_FIRST_MS;
    const store = new SqlGraphStore(tx, tenantId, { lockFirst });
    const planner = this.resolverOn(store, t);
    // Each event is normalised once: for its record, its plan and its resolution.
    const inputs = events.map((e) => prepareEvent(planner, e.event, e.eventId));
    store.addEventRecords(events.map((e, i) => ({ eventId: e.eventId, recordKey: recordKeyOf((inputs[i] as PreparedEvent).record) })));
    const nodeKeys = new Set<string>();
    const edgeKeys = new Set<string>();
    const blocking: [string, string][] = [];
    let maxBlockSize = 0;
    inputs.forEach(({ subject, provenance, record, normalized }) => {
      const plan = planner.plan(subject, provenance, { record, normalized });
      for (const k of plan.nodeKeys) nodeKeys.add(k);
      for (const k of plan.edgeKeys) edgeKeys.add(k);
      for (const k of plan.blockingKeys) blocking.push([plan.record, k]);
      maxBlockSize = plan.maxBlockSize;
    });
    const profiles = await store.batch({ nodeKeys: [...nodeKeys], edgeKeys: [...edgeKeys], blocking, maxBlockSize }, async (nested) => {
      const resolver = this.resolverOn(nested, t);
      const out: (string | null)[] = [];
      for (const [i, e] of events.entries()) out.push(await identifyWith(resolver, e.event, inputs[i] as PreparedEvent));
      return out;
    });
    await store.flushEventRecords();
    if (store.contended) {
      if (this.contended.size > 10_000) this.contended.clear();
      this.contended.set(tenantId, this.clock.now());
    }
    return profiles;
  }
}

function subjectOf(event: CanonicalEvent): Subject {
  return { identifiers: event.subject.identifiers.map(toRaw), traits: event.subject.traits };
}

function provenanceOf(event: CanonicalEvent, eventId: string): Provenance {
  return { source: event.source, recordId: eventId, at: new Date(event.occurredAt).toISOString() };
}

function recordKeyOf(record: RecordRef): string {
  return recordKey(record.source, record.recordId);
}

/** An event's subject, provenance, normalised subject and record, worked out once per event. */
interface PreparedEvent {
  readonly subject: Subject;
  readonly provenance: Provenance;
  readonly normalized: NormalizedSubject;
  readonly record: RecordRef;
}

function prepareEvent(resolver: IdentityResolver, event: CanonicalEvent, eventId: string): PreparedEvent {
  const subject = subjectOf(event);
  const normalized = resolver.normalizeSubject(subject);
  return { subject, provenance: provenanceOf(event, eventId), normalized, record: recordFrom(event, eventId, normalized) };
}

/** One event's identity work on `resolver` (its store decides how and when it is written). */
async function identifyWith(resolver: IdentityResolver, event: CanonicalEvent, input: PreparedEvent): Promise<string | null> {
  const { subject, provenance, normalized, record } = input;
  if (
    DELETION_TYPES.has(event.type) &&
    CRM_ID_OF_SOURCE[event.source] !== undefined &&
    record.recordId.startsWith(`${CRM_ID_OF_SOURCE[event.source]}:`)
  ) {
    await resolver.deleteRecord(record, provenance.at);
    return null;
  }
  const outcome = await resolver.resolve(subject, provenance, { record, normalized });
  let profileId = outcome.profileId;
  if (/\.merged$/.test(event.type)) {
    const merged = mergedSchema.safeParse(event.properties?.['mergedFrom'] ?? event.properties?.['merged']);
    const others = merged.success ? (Array.isArray(merged.data) ? merged.data : [merged.data]) : [];
    for (const other of others) {
      const raw = toRaw(other);
      if (resolver.normalizer.normalize([raw]).identifiers.length === 0) continue;
      const result = await resolver.merge({ record }, { identifier: raw }, provenance, 'crm-merge');
      if (result.profileId !== undefined) profileId = result.profileId;
    }
  }
  // A source record that no longer carries an identifier (an email removed from a CRM contact):
  // its evidence is dropped and the profile recomputed, so no stale merge is left.
  const removed = removedSchema.safeParse(event.properties?.['removedIdentifiers']);
  if (removed.success && removed.data.length > 0) {
    for (const id of removed.data) {
      const raw = toRaw(id);
      if (resolver.normalizer.normalize([raw]).identifiers.length === 0) continue;
      await resolver.removeIdentifier(record, raw, provenance.at);
    }
    profileId = (await resolver.profileOf({ record }))?.profileId ?? profileId;
  }
  return profileId;
}

/**
 * The source record an event is evidence of. A CRM event is about its contact (the CRM id of its own
 * source). Other events (messages, forms) stand for "this sender": the same identifiers and given name
 * from one source are one record, so a conversation does not grow the graph message by message.
 */
export function recordOf(normalizer: IdentifierNormalizer, event: CanonicalEvent, eventId: string): RecordRef {
  const traits = normalizeTraits(event.subject.traits);
  const normalized = normalizer.normalize(event.subject.identifiers.map(toRaw), { country: traits.country });
  return recordFrom(event, eventId, { normalized, first: firstNameOf(traits) });
}

/** recordOf() from the event's subject as the resolver normalised it. */
function recordFrom(event: CanonicalEvent, eventId: string, subject: Pick<NormalizedSubject, 'normalized' | 'first'>): RecordRef {
  const { normalized } = subject;
  const crmType = CRM_ID_OF_SOURCE[event.source];
  const crmId = crmType === undefined ? undefined : normalized.identifiers.find((i) => i.type === crmType);
  if (crmId !== undefined) return { source: event.source, recordId: crmId.key };
  if (normalized.identifiers.length === 0) return { source: event.source, recordId: `event:${eventId}` };
  const first = subject.first ?? '';
  const basis = `${normalized.identifiers
    .map((i) => i.key)
    .sort()
    .join('|')}#${first}`;
  return { source: event.source, recordId: `sender:${createHash('sha256').update(basis).digest('hex').slice(0, 24)}` };
}

/** A canonical identifier as the resolver takes it (no `scope: undefined`). */
export function toRaw(id: { type: string; value: string; scope?: string | undefined }): RawIdentifier {
  return id.scope === undefined ? { type: id.type, value: id.value } : { type: id.type, value: id.value, scope: id.scope };
}
