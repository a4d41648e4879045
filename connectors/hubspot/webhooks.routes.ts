/**
 * `POST /webhooks/hubspot`: signed batches (≤ 100) stored durably in one transaction before the 200,
 * then turned into canonical events through the same ingest path as `POST /api/v1/events` (one event
 * log, one pipeline) by a job. Duplicates collapse on HubSpot's composite key. Unknown portals and
 * unsubscribed types are answered 200 and counted (a 4xx would be retried for a day);
 * `contact.privacyDeletion` erases the person. New contacts are enriched with a batch read (a job).
 * Company, deal and ticket events land on the associated contact's profile: the batch job reads the
 * records' contact associations (v4 batch read, one call per object type) before ingesting them.
 * `conversation.newMessage` carries no text: each announced MESSAGE goes to the inbox job (inbox.ts);
 * meetings-object creations go to the meetings job (meetings.ts), which stores `meeting.booked` outcomes.
 */
import { Router } from 'express';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { HubSpotApi } from './client/api';
import { classifyHubSpotError } from './client/errors';
import {
  attachToContact,
  contactIdentifier,
  needsAssociatedContact,
  normalizeWebhookEvent,
  webhookBatchSchema,
  type HubSpotWebhookEvent,
  type NormalizedWebhook,
} from './client/webhook';
import {
  beginErasure,
  type Database,
  eraseProfileData,
  type Identify,
  type IdentifyMany,
  type IdentityService,
  Doorbell,
  ingestEvent,
  ingestEvents,
  type JobHandler,
  type Metrics,
  profileAliases,
  RateLimitedError,
  type ServiceModule,
  validationError,
  type WorkQueue,
} from '../../server/platform';
import { inboxJob, type AnnouncedMessage } from './inbox';
import { isMeetingCreation, meetingsJob } from './meetings';
import { installationByPortal, type Installation } from './installations';
import { profileOfRecord } from './records.repository';
import { jsonBody, rawBody, requireSignature } from './signed';
import { withContactPreferences } from './contact-preferences';
import { ianaZoneOfHubSpot } from './timezone';
import { systemClock } from '../../app/shared/clock';

export const HUBSPOT_ENRICH_JOB = 'hubspot.enrich';
export const HUBSPOT_WEBHOOK_JOB = 'hubspot.webhook_batch';
const CONTACT_PROPERTIES = [
  'email',
  'phone',
  'mobilephone',
  'firstname',
  'lastname',
  'company',
  'lifecyclestage',
  'hs_lastmodifieddate',
  'hs_timezone',
];

export interface WebhookDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly metrics: Metrics;
  readonly publicUrl: string;
  readonly clientSecret: () => string | undefined;
  readonly identity: () => IdentityService | undefined;
  readonly modules: () => readonly ServiceModule[];
  /** For association reads; undefined when HubSpot is not configured (records then stay their own profiles). */
  readonly api?: () => HubSpotApi | undefined;
}

export interface WebhookOutcome {
  received: number;
  /** Stored durably for processing (duplicates of earlier deliveries collapse when processed). */
  accepted: number;
  /** Unknown or disconnected portal, or a type Baton does not handle: acknowledged and counted. */
  ignored: number;
}

/**
 * Erases the person behind a HubSpot contact (privacy deletion) the way DELETE /api/v1/profiles/:id
 * does: identity graph and events, then every loaded module's `erase` hook, in one transaction.
 */
export async function eraseContact(
  db: Database,
  identity: IdentityService,
  modules: readonly ServiceModule[],
  tenantId: string,
  portalId: string,
  contactId: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const profileId = await profileOfRecord(tx, identity, tenantId, portalId, 'contact', contactId);
    if (profileId === undefined) return false;
    await beginErasure(tx);
    const aliases = await profileAliases(tx, tenantId, profileId);
    const resolver = await identity.resolver(tx, tenantId);
    const erased = await resolver.erase(profileId);
    await eraseProfileData(tx, tenantId, aliases, erased.records);
    for (const m of modules) if (m.erase !== undefined) await m.erase(tx, tenantId, aliases);
    return true;
  });
}

/**
 * Accepts a verified batch: validates it (400 when malformed), drops events of unknown or disconnected
 * portals and of types Baton does not handle (counted), and records the rest as one durable job per
 * portal, all in ONE statement (with `recorder`, together with concurrent requests' jobs), before the 200. The job (`hubspot.webhook_batch`) normalises and
 * ingests each event through the shared ingest path; duplicates collapse there on the composite key.
 * Answering after a single insert keeps HubSpot's 5-second deadline whatever the pipeline's backlog.
 */
export async function acceptWebhookBatch(
  deps: WebhookDeps,
  body: unknown,
  installs: InstallCache,
  recorder?: WebhookRecorder,
): Promise<WebhookOutcome> {
  const events = plainWebhookBatch(body);
  const parsed = events === undefined ? webhookBatchSchema.safeParse(body) : { success: true as const, data: events };
  if (!parsed.success) throw validationError(parsed.error, 'webhook batch');
  const out: WebhookOutcome = { received: parsed.data.length, accepted: 0, ignored: 0 };
  const byPortal = new Map<string, { tenantId: string; events: HubSpotWebhookEvent[] }>();
  // A batch is almost always one portal's: its installation is looked up once per batch.
  const installOf = new Map<string, Installation | undefined>();
  for (const e of parsed.data) {
    let install = installOf.get(e.portalId);
    if (install === undefined && !installOf.has(e.portalId)) {
      install = await installs.get(e.portalId);
      installOf.set(e.portalId, install);
    }
    if (install === undefined || install.status !== 'active') {
      deps.metrics.webhooksUnknown.inc({ source: 'hubspot', type: 'unknown_portal' });
      out.ignored++;
      continue;
    }
    if (!handled(e)) {
      deps.metrics.webhooksUnknown.inc({ source: 'hubspot', type: e.subscriptionType.slice(0, 60) });
      out.ignored++;
      continue;
    }
    const group = byPortal.get(e.portalId) ?? { tenantId: install.tenantId, events: [] };
    group.events.push(e);
    byPortal.set(e.portalId, group);
    out.accepted++;
  }
  if (byPortal.size === 0) return out;
  const jobs = [...byPortal].map(([portalId, group]) => ({
    tenantId: group.tenantId,
    kind: HUBSPOT_WEBHOOK_JOB,
    payload: { portalId, events: group.events },
  }));
  if (recorder !== undefined) await recorder.record(jobs);
  else await deps.work.notify(await deps.work.recordMany(deps.db, jobs));
  return out;
}

type NewJob = Parameters<WorkQueue['recordMany']>[1][number];

const ID_DIGITS = /^\d{1,20}$/;
/** webhookEventSchema's `id`: a non-negative safe integer or 1-20 digits, as a string. */
function plainId(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined;
  return typeof v === 'string' && ID_DIGITS.test(v) ? v : undefined;
}
const plainCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const plainText = (v: unknown, max: number): boolean => typeof v === 'string' && v.length <= max;
/** Each field of webhookEventSchema: whether a value passes it, and the value it parses to. */
const PLAIN_FIELDS: Readonly<Record<string, { required: boolean; parse: (v: unknown) => unknown }>> = {
  eventId: { required: true, parse: plainId },
  subscriptionId: { required: false, parse: plainId },
  portalId: { required: true, parse: plainId },
  appId: { required: false, parse: plainId },
  occurredAt: { required: true, parse: (v) => (plainCount(v) ? v : undefined) },
  subscriptionType: { required: true, parse: (v) => (plainText(v, 100) && (v as string).length >= 3 ? v : undefined) },
  attemptNumber: { required: false, parse: (v) => (plainCount(v) ? v : undefined) },
  objectId: { required: true, parse: plainId },
  objectTypeId: { required: false, parse: (v) => (plainText(v, 20) ? v : undefined) },
  propertyName: { required: false, parse: (v) => (plainText(v, 200) ? v : undefined) },
  propertyValue: { required: false, parse: (v) => v },
  changeSource: { required: false, parse: (v) => (plainText(v, 100) ? v : undefined) },
  sourceId: { required: false, parse: (v) => (plainText(v, 200) ? v : undefined) },
  changeFlag: { required: false, parse: (v) => (plainText(v, 50) ? v : undefined) },
  primaryObjectId: { required: false, parse: plainId },
  mergedObjectIds: {
    required: false,
    parse: (v) => {
      if (!Array.isArray(v) || v.length > 100) return undefined;
      const ids = v.map(plainId);
      return ids.every((id) => id !== undefined) ? ids : undefined;
    },
  },
  newObjectId: { required: false, parse: plainId },
  messageId: { required: false, parse: (v) => (plainText(v, 200) ? v : undefined) },
  messageType: { required: false, parse: (v) => (plainText(v, 50) ? v : undefined) },
};
const REQUIRED_FIELDS = Object.keys(PLAIN_FIELDS).filter((k) => PLAIN_FIELDS[k]?.required === true);

/**
 * webhookBatchSchema for the batches HubSpot sends (only its known fields, each valid): the same events
 * it parses to, without zod's cost per event (a tenth of a batch's acknowledgement). Anything else —
 * an unknown field, a bad value, a null — answers undefined, and the schema then parses the batch and
 * words the 400. test/unit/hubspot/webhook-plain.test.ts holds both to the same answers.
 */
export function plainWebhookBatch(body: unknown): HubSpotWebhookEvent[] | undefined {
  if (!Array.isArray(body) || body.length < 1 || body.length > 100) return undefined;
  const out: HubSpotWebhookEvent[] = [];
  for (const e of body as unknown[]) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return undefined;
    const event: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(e)) {
      const field = Object.hasOwn(PLAIN_FIELDS, key) ? PLAIN_FIELDS[key] : undefined;
      if (field === undefined) return undefined;
      const parsed = field.parse(value);
      if (parsed === undefined) return undefined;
      event[key] = parsed;
    }
    for (const key of REQUIRED_FIELDS) if (!Object.hasOwn(event, key)) return undefined;
    // Every field checked against the schema's rule above: the object is what the schema would answer.
    out.push(event as HubSpotWebhookEvent);
  }
  return out;
}

/** Whether Baton handles events of a subscription type (and object type): the same for every event of them, so remembered. */
const HANDLED = new Map<string, boolean>();
function handled(e: HubSpotWebhookEvent): boolean {
  const key = `${e.subscriptionType}\u0000${e.objectTypeId ?? ''}`;
  let yes = HANDLED.get(key);
  if (yes === undefined) {
    // normalizeWebhookEvent answers `unsupported` from these two fields alone.
    yes = normalizeWebhookEvent(e).kind !== 'unsupported' || isMeetingCreation(e);
    if (HANDLED.size >= 1_000) HANDLED.clear();
    HANDLED.set(key, yes);
  }
  return yes;
}

/**
 * Group commit of accepted batches: the jobs of every request that arrives while INSERTs are running
 * are written together by the next one (ONE statement, so all or none of them is stored), and each
 * request is answered when the statement holding its jobs has committed. One statement runs at a time
 * by default (`maxInFlight`): with two, the same load took ~1.5 times the statements and more CPU per
 * request (3 alternated runs: 554-637 us against 456-674). The dispatcher is rung the same way, one
 * call for whatever was stored within a short window or while the last call ran, after the requests
 * are answered: the rows are durable, and the sweeper rings them if that call fails or the process
 * dies first.
 */
export class WebhookRecorder {
  private waiting: { jobs: readonly NewJob[]; done: (err?: unknown) => void }[] = [];
  private writers = 0;
  private readonly doorbell: Doorbell;
  private readonly maxWriters: number;

  constructor(
    private readonly db: Database,
    private readonly work: WorkQueue,
    /** Jobs per INSERT at most (a request's jobs are never split). */
    private readonly maxJobs = 500,
    /** INSERTs running at once (default 1). */
    maxInFlight = 1,
    /** How long stored jobs wait to be rung together (one dispatcher call for the window's requests). */
    ringWindowMs = 10,
  ) {
    this.maxWriters = Math.max(1, maxInFlight);
    this.doorbell = new Doorbell(work, ringWindowMs);
  }

  /** Resolves once `jobs` are committed (rejects if their statement failed). */
  record(jobs: readonly NewJob[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ jobs, done: (err) => (err === undefined ? resolve() : reject(err as Error)) });
      if (this.writers < this.maxWriters) void this.write();
    });
  }

  /** Settles when everything recorded so far has been handed to the dispatcher (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writers > 0 || this.doorbell.busy) await (this.writers > 0 ? new Promise((r) => setImmediate(r)) : this.doorbell.settled());
  }

  private async write(): Promise<void> {
    this.writers++;
    try {
      while (this.waiting.length > 0) {
        let n = 0;
        let count = 0;
        while (n < this.waiting.length && (n === 0 || count + (this.waiting[n]?.jobs.length ?? 0) <= this.maxJobs))
          count += this.waiting[n++]?.jobs.length ?? 0;
        const group = this.waiting.splice(0, n);
        try {
          const refs = await this.work.recordMany(
            this.db,
            group.flatMap((g) => g.jobs),
          );
          for (const g of group) g.done();
          this.doorbell.ring(refs);
        } catch (err) {
          for (const g of group) g.done(err ?? new Error('webhook batch not stored'));
        }
      }
    } finally {
      this.writers--;
    }
  }
}

/** Installations by portal, cached briefly: every webhook request needs them. */
export interface InstallCache {
  get(portalId: string): Promise<Installation | undefined>;
  /** Forgets a portal (after a disconnect or reinstall in this process). */
  invalidate(portalId: string): void;
}

export function installCache(db: Database, ttlMs = 5_000): InstallCache {
  const cache = new Map<string, { value: Installation | undefined; until: number }>();
  // One read per portal at a time: concurrent requests of an expired portal share it.
  const reading = new Map<string, Promise<Installation | undefined>>();
  return {
    async get(portalId) {
      const hit = cache.get(portalId);
      if (hit !== undefined && hit.until > systemClock.now()) return hit.value;
      let read = reading.get(portalId);
      if (read === undefined) {
        read = installationByPortal(db, portalId).then(
          (value) => {
            if (reading.get(portalId) === read) {
              if (cache.size > 10_000) cache.clear();
              cache.set(portalId, { value, until: systemClock.now() + ttlMs });
              reading.delete(portalId);
            }
            return value;
          },
          (err: unknown) => {
            if (reading.get(portalId) === read) reading.delete(portalId);
            throw err;
          },
        );
        reading.set(portalId, read);
      }
      return read;
    },
    invalidate(portalId) {
      cache.delete(portalId);
      reading.delete(portalId);
    },
  };
}

/** The batch job: each event → canonical event in the log (or a privacy erasure); new contacts → enrich. */
export function webhookBatchHandler(deps: WebhookDeps): JobHandler {
  return async (job) => {
    const portalId = String(job.payload['portalId']);
    const parsed = webhookBatchSchema.safeParse(job.payload['events']);
    if (!parsed.success) throw new Error(`stored webhook batch ${job.id} no longer parses: ${parsed.error.message}`);
    const install = await installationByPortal(deps.db, portalId);
    if (install === undefined || install.tenantId !== job.tenantId || install.purged) return; // disconnected and purged since
    const identity = deps.identity();
    const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
    const identifyMany: IdentifyMany | undefined =
      identity === undefined ? undefined : (tx, input) => identity.linkMany(tx, input.tenantId, input.events);
    const toEnrich = new Set<string>();
    // Events are ingested in runs, each run in one transaction with its identity resolved at once
    // (ingestEvents + IdentityService.linkMany; a 100-event import batch costs a few statements, not a
    // few per event). A privacy deletion ends a run: what came before it is stored first, in order.
    let run: { event: CanonicalEvent; enrich?: string }[] = [];
    const flush = async (): Promise<void> => {
      if (run.length === 0) return;
      const items = run;
      run = [];
      const results = await ingestEvents(
        deps.db,
        deps.work,
        job.tenantId,
        items.map((i) => ({ event: i.event })),
        identify,
        identifyMany,
      );
      items.forEach((item, k) => {
        const result = results[k];
        if (result === undefined) return;
        deps.metrics.eventsIngested.inc({ source: 'hubspot', outcome: result.duplicate ? 'duplicate' : 'stored' });
        if (!result.duplicate && item.enrich !== undefined) toEnrich.add(item.enrich);
      });
    };
    const announced: AnnouncedMessage[] = [];
    const normalized = parsed.data.map(normalizeWebhookEvent);
    const contactOf = await associatedContactsOf(deps, portalId, normalized);
    for (const original of normalized) {
      let n = original;
      if (n.kind === 'unsupported') continue;
      if (needsAssociatedContact(n)) {
        const contactId = contactOf.get(`${n.objectType}:${n.objectId}`);
        if (contactId !== undefined) n = attachToContact(n, contactId);
      }
      if (isInboxMessage(n) && deps.api?.() !== undefined) {
        // The webhook has no text or sender: the inbox job reads the message and stores it (connectors/hubspot/inbox.ts).
        const messageId = n.event.properties?.['messageId'];
        const internalNote = String(n.event.properties?.['messageType'] ?? '').toUpperCase() === 'COMMENT';
        if (typeof messageId === 'string' && messageId !== '' && !internalNote) announced.push({ threadId: n.objectId, messageId });
        continue;
      }
      if (n.kind === 'privacy_deletion') {
        await flush();
        if (identity !== undefined) await eraseContact(deps.db, identity, deps.modules(), job.tenantId, n.portalId, n.contactId);
        continue;
      }
      const [main, ...implied] = withContactPreferences(n.event);
      const created = n.objectType === 'contact' && (n.event.type === 'contact.created' || n.event.type === 'contact.restored');
      run.push({ event: main ?? n.event, ...(created ? { enrich: n.objectId } : {}) });
      // A preference change (hs_email_optout) also says something about consent.
      for (const extra of implied) run.push({ event: extra });
    }
    await flush();
    for (const m of announced) await deps.work.enqueue(inboxJob(job.tenantId, portalId, m));
    const meetings = parsed.data.filter(isMeetingCreation).map((e) => ({ id: e.objectId, occurredAt: e.occurredAt }));
    if (meetings.length > 0 && deps.api?.() !== undefined) await deps.work.enqueue(meetingsJob(job.tenantId, portalId, job.id, meetings));
    if (toEnrich.size > 0) {
      await deps.work.enqueue({
        tenantId: job.tenantId,
        kind: HUBSPOT_ENRICH_JOB,
        payload: { portalId, contactIds: [...toEnrich] },
        dedupeKey: `hubspot-enrich:${job.id}`,
      });
    }
  };
}

/** A `conversation.newMessage` event (thread id in objectId, message id and type in the properties). */
const isInboxMessage = (n: NormalizedWebhook): n is Extract<NormalizedWebhook, { kind: 'event' }> =>
  n.kind === 'event' && n.objectType === 'conversation' && n.event.type === 'conversation.message_received';

/**
 * The contact each company/deal/ticket event belongs to (`objectType:objectId` → the lowest associated
 * contact id, so the choice is stable). Rate limits and transient failures retry the batch job (ingest
 * collapses what was already stored); a permanent or auth refusal leaves the records as their own profiles.
 */
async function associatedContactsOf(
  deps: WebhookDeps,
  portalId: string,
  events: readonly NormalizedWebhook[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const api = deps.api?.();
  if (api === undefined) return out;
  const byType = new Map<string, Set<string>>();
  for (const n of events) if (needsAssociatedContact(n)) byType.set(n.objectType, (byType.get(n.objectType) ?? new Set()).add(n.objectId));
  for (const [objectType, ids] of byType) {
    try {
      for (const [id, contacts] of await api.associatedContacts(portalId, objectType, [...ids]))
        if (contacts[0] !== undefined) out.set(`${objectType}:${id}`, contacts[0]);
    } catch (err) {
      const failure = classifyHubSpotError(err, `${objectType} association read`);
      if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
      if (failure.category === 'transient') throw err;
    }
  }
  return out;
}

export function webhookRoutes(deps: WebhookDeps, installs: InstallCache): Router {
  const router = Router();
  const recorder = new WebhookRecorder(deps.db, deps.work);
  router.post(
    '/webhooks/hubspot',
    rawBody,
    requireSignature({ publicUrl: deps.publicUrl, clientSecret: deps.clientSecret }),
    async (req, res) => {
      res.status(200).json(await acceptWebhookBatch(deps, jsonBody(req), installs, recorder));
    },
  );
  return router;
}

/**
 * The enrich job: batch-reads new contacts (≤ 100 per call) and stores a `contact.snapshot` event with
 * their email, phone and name, so identity can link them to the same person seen elsewhere.
 */
export function enrichHandler(deps: {
  db: Database;
  work: WorkQueue;
  api: () => HubSpotApi | undefined;
  identity: () => IdentityService | undefined;
}): JobHandler {
  return async (job) => {
    const api = deps.api();
    const portalId = String(job.payload['portalId']);
    const ids = (job.payload['contactIds'] as unknown[]).map(String);
    if (api === undefined || ids.length === 0) return;
    const identity = deps.identity();
    const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
    let contacts;
    try {
      contacts = await api.batchRead(portalId, 'contact', ids.slice(0, 100), CONTACT_PROPERTIES);
    } catch (err) {
      const failure = classifyHubSpotError(err, 'contact batch read');
      if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
      if (failure.category === 'auth') return; // disconnected or scope removed: nothing to enrich until reinstalled
      throw err;
    }
    for (const c of contacts) {
      const p = c.properties;
      const identifiers: CanonicalEvent['subject']['identifiers'] = [contactIdentifier(portalId, c.id)];
      if (p['email']) identifiers.push({ type: 'email', value: p['email'] });
      if (p['phone']) identifiers.push({ type: 'phone', value: p['phone'] });
      if (p['mobilephone']) identifiers.push({ type: 'phone', value: p['mobilephone'] });
      const traits: Record<string, string> = {};
      if (p['firstname']) traits['firstName'] = p['firstname'];
      if (p['lastname']) traits['lastName'] = p['lastname'];
      if (p['company']) traits['company'] = p['company'];
      const timeZone = ianaZoneOfHubSpot(p['hs_timezone']);
      if (timeZone !== undefined) traits['timeZone'] = timeZone; // quiet hours: the contact's zone before the tenant's
      const event: CanonicalEvent = {
        id: `hubspot:${portalId}:contact.snapshot:${c.id}:${p['hs_lastmodifieddate'] ?? 'initial'}`,
        source: 'hubspot',
        type: 'contact.snapshot',
        occurredAt: new Date(systemClock.now()).toISOString(),
        subject: { identifiers, traits },
        properties: {
          portalId,
          objectType: 'contact',
          objectId: c.id,
          ...(p['lifecyclestage'] ? { lifecyclestage: p['lifecyclestage'] } : {}),
        },
      };
      await ingestEvent(deps.db, deps.work, job.tenantId, event, undefined, identify);
    }
  };
}
