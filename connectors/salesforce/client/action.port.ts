import { createHash } from 'node:crypto';
import {
  authError,
  permanentError,
  rateLimited,
  type ActionPort,
  type ActionRequest,
  type ActionResult,
  type EffectLedger,
  type JsonObject,
  type PortError,
  undeliverableError,
} from '../../../app/orchestration';
import { ApiBudgetError, type CompositeSubrequest, type SalesforceClient } from './client';
import { itemPortError, toPortError } from './errors';
import { apiName, isBatonProperty, mapProperties, PACKAGE_NAMESPACE, TASK_KEY_FIELD, type BatonPackage } from './fields';
import { objectOfId, SALESFORCE_ID } from './version';

/** A Salesforce record Baton has seen for a profile (from change events and outbound messages). */
export interface LinkedRecord {
  readonly recordId: string;
  readonly objectType: string;
}

export interface SalesforceActionDeps {
  /** The tenant's org client, or null when the tenant has no active Salesforce connection. */
  clientFor(tenantId: string): Promise<SalesforceClient | null>;
  records(tenantId: string, profileId: string, orgId: string): Promise<readonly LinkedRecord[]>;
  /**
   * Effects whose vendor call cannot be made retry-safe (emailSimple, Flows) are reserved in the effect
   * ledger before the call, settled done after success, released when Salesforce refused (nothing
   * happened). A key left pending means the outcome is unknown, and Baton does not send a second email.
   */
  readonly ledger: EffectLedger;
  /** Wait after REQUEST_LIMIT_EXCEEDED (the header has no Retry-After). */
  readonly rateLimitRetryMs: number;
  /**
   * How the Baton package is installed in the tenant's org (discovered at install): its namespace names
   * the Task key and the Baton fields. Default: the managed package, namespace `baton`.
   */
  packageFor?(tenantId: string): Promise<BatonPackage>;
}

/** How long a recipient's consent read is reused by the same step (its retries), and how many are kept. */
const CONSENT_CACHE_MS = 5 * 60_000;
const CONSENT_CACHE_SIZE = 1_000;
/** How long an org found without Data Protection and Privacy (no IndividualId) is not asked for consent records again. */
const NO_PRIVACY_RECHECK_MS = 60 * 60_000;

/** What Salesforce says about contacting one Contact/Lead: its flags and its consent records, if the org keeps them. */
export interface RecipientConsent {
  readonly recordId: string;
  readonly objectType: 'Contact' | 'Lead';
  readonly hasOptedOutOfEmail: boolean;
  readonly doNotCall: boolean;
  /** Null when the org does not use consent records (no Data Protection and Privacy, or no Individual on the record). */
  readonly typeConsents: readonly TypeConsent[] | null;
}

/** One ContactPointTypeConsent row of the person's Individual. */
export interface TypeConsent {
  readonly id: string;
  readonly contactPointType: string;
  readonly status: string;
  readonly effectiveFrom: string | null;
  readonly effectiveTo: string | null;
  readonly capturedAt: string | null;
  readonly dataUsePurposeId: string | null;
}

/** The contact point a step reaches the person through. */
export type ContactPoint = 'Email' | 'Phone';

/**
 * The consent record in force for a contact point at `now`: effective (EffectiveFrom not after now,
 * EffectiveTo after now or empty), the latest by EffectiveFrom, then by capture date. Any data-use purpose
 * counts: Baton's steps are sales and marketing contact, and an opt-out recorded for any purpose is honoured.
 */
export function effectiveConsent(consents: readonly TypeConsent[], point: ContactPoint, now: number): TypeConsent | undefined {
  const at = (v: string | null): number => (v === null ? Number.NaN : Date.parse(v));
  const inForce = consents.filter((c) => c.contactPointType === point && !(at(c.effectiveFrom) > now) && !(at(c.effectiveTo) <= now));
  const key = (c: TypeConsent): [number, number] => [
    Number.isNaN(at(c.effectiveFrom)) ? 0 : at(c.effectiveFrom),
    Number.isNaN(at(c.capturedAt)) ? 0 : at(c.capturedAt),
  ];
  return inForce.sort((a, b) => {
    const [fa, ca] = key(a);
    const [fb, cb] = key(b);
    return fb - fa || cb - ca;
  })[0];
}

/**
 * Why Salesforce says this person must not be reached through `point`, as an undeliverable step error;
 * undefined when nothing forbids it. The record's own flag (HasOptedOutOfEmail, DoNotCall) first, then the
 * consent record in force for that contact point type.
 */
export function consentRefusal(c: RecipientConsent, point: ContactPoint, now: number): PortError | undefined {
  if (point === 'Email' && c.hasOptedOutOfEmail)
    return undeliverableError(
      'salesforce.opted_out_email',
      `${c.objectType} ${c.recordId} has opted out of email in Salesforce (Email Opt Out); nothing was sent`,
    );
  if (point === 'Phone' && c.doNotCall)
    return undeliverableError(
      'salesforce.do_not_call',
      `${c.objectType} ${c.recordId} is marked Do Not Call in Salesforce; no call task was created`,
    );
  const record = c.typeConsents === null ? undefined : effectiveConsent(c.typeConsents, point, now);
  if (record?.status === 'OptOut') {
    return undeliverableError(
      `salesforce.consent_opt_out_${point === 'Email' ? 'email' : 'phone'}`,
      `the Individual of ${c.objectType} ${c.recordId} opted out of ${point.toLowerCase()} contact (ContactPointTypeConsent ${record.id}, PrivacyConsentStatus OptOut${record.effectiveFrom === null ? '' : ` since ${record.effectiveFrom}`}); nothing was sent`,
    );
  }
  return undefined;
}

/** A task step that is a call (`type` or `taskSubtype` "call"): the person's Do Not Call applies. */
export const isCallTask = (params: JsonObject): boolean =>
  ['type', 'taskSubtype', 'taskType'].some((k) => String(params[k] ?? '').toLowerCase() === 'call');

const MANAGED: BatonPackage = { namespace: PACKAGE_NAMESPACE, fieldsReady: true, apexReady: true, problem: null };

/** A Composite subrequest rolled back only because another one failed (allOrNone). */
const halted = (body: unknown): boolean =>
  Array.isArray(body) && (body as { errorCode?: unknown }[]).every((e) => e.errorCode === 'PROCESSING_HALTED');

const PRIORITY: Readonly<Record<string, string>> = { high: 'High', normal: 'Normal', medium: 'Normal', low: 'Low' };
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The title of a note step that gives none. */
export const DEFAULT_NOTE_TITLE = 'Note from Baton';
/** A Composite request holds 25 subrequests: the ContentNote and up to 24 links. */
const MAX_NOTE_LINKS = 24;
const USER_ID = /^005[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/;
const CADENCE_ID = /^77C[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/;
/** ActionCadenceTracker states of a target that is in its cadence (Complete and Error are not). */
const ENROLLED_STATES = new Set(['Running', 'Initializing', 'Paused']);
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const soqlString = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Plain text as ContentNote `Content`: HTML-escaped (`&#39;`, since Salesforce refuses `&apos;`), line
 * breaks as `<br>` (bare ones are dropped), control characters removed, then base64 of the UTF-8 bytes.
 */
export function noteContent(text: string): string {
  const html = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
    .replace(/\r\n|\r|\n/g, '<br>');
  return Buffer.from(html, 'utf8').toString('base64');
}

/** The Task external id for an idempotency key: the same step attempt always upserts the same Task. */
export const taskKeyOf = (idempotencyKey: string): string => `bt-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;

function dueDate(params: JsonObject, now: Date): string | undefined {
  const given = str(params['dueDate']);
  if (given !== undefined && /^\d{4}-\d{2}-\d{2}/.test(given)) return given.slice(0, 10);
  const days = params['dueInDays'];
  if (typeof days === 'number' && Number.isFinite(days))
    return new Date(now.getTime() + Math.round(days) * 86_400_000).toISOString().slice(0, 10);
  return undefined;
}

/**
 * Salesforce write-back for the run engine: `task` (Task upserted by Baton_Key__c, so a retried step
 * never creates a second Task), `crm_update` (fields on the person's Contact/Lead records through
 * sObject Collections), `email` (the emailSimple standard action), `workflow_enrollment` (an
 * autolaunched Flow by REST), `note` (a ContentNote linked to the person's Contact/Lead records in one
 * all-or-none Composite request) and `sequence_enrollment` (the `assignTargetToSalesCadence` action of
 * Sales Engagement). Failures come back classified; the engine does the retrying.
 *
 * Idempotency per step key: a Task is upserted by its key. Email, Flow, note and cadence go through the
 * EffectLedger (at most once). A note and its links commit together or not at all, so Salesforce never
 * holds a note without its link; when the answer to that request is lost (Baton crashed, timeout, 5xx)
 * the key stays "started" and the retry ends as `salesforce.outcome_unknown` instead of writing a second
 * note (a note carries no field Baton could look it up by). A cadence enrollment can be looked up: a
 * retry of a "started" key first asks for the target's ActionCadenceTracker in that cadence.
 */
export class SalesforceActionPort implements ActionPort {
  /** Consent reads per step key (a retried step does not read again for a while). */
  private readonly consentCache = new Map<string, { at: number; consent: RecipientConsent | null }>();
  /** Orgs found without Data Protection and Privacy, and when. */
  private readonly noPrivacy = new Map<string, number>();

  constructor(private readonly deps: SalesforceActionDeps) {}

  /** The step's undeliverable error when Salesforce forbids reaching its Contact/Lead through `point`. */
  private async refusal(client: SalesforceClient, request: ActionRequest, point: ContactPoint): Promise<PortError | undefined> {
    // A task naming its WhoId reaches that person, whoever the profile's records are.
    const named = str(request.params['whoId']);
    const who =
      named !== undefined && SALESFORCE_ID.test(named) && request.kind === 'task'
        ? { recordId: named, objectType: objectOfId(named) ?? 'Unknown' }
        : (await this.person(client, request)).who;
    if (who === undefined || (who.objectType !== 'Contact' && who.objectType !== 'Lead')) return undefined;
    const key = `${request.tenantId}:${request.idempotencyKey}:${who.recordId}`;
    const now = Date.now();
    let cached = this.consentCache.get(key);
    if (cached === undefined || now - cached.at > CONSENT_CACHE_MS) {
      cached = { at: now, consent: await this.readConsent(client, who.recordId, who.objectType) };
      this.consentCache.delete(key);
      this.consentCache.set(key, cached);
      for (const k of this.consentCache.keys()) {
        if (this.consentCache.size <= CONSENT_CACHE_SIZE) break;
        this.consentCache.delete(k);
      }
    }
    return cached.consent === null ? undefined : consentRefusal(cached.consent, point, now);
  }

  /**
   * The record's opt-out flags and, when the org keeps consent records, its Individual's
   * ContactPointTypeConsent rows: one Composite call (one API request) with both queries, the consent
   * one a semi-join on the record's IndividualId. An org without Data Protection and Privacy has no
   * IndividualId field: the flags are then read alone (and the org is remembered for an hour).
   */
  async readConsent(client: SalesforceClient, recordId: string, objectType: 'Contact' | 'Lead'): Promise<RecipientConsent | null> {
    const id = soqlString(recordId);
    const since = this.noPrivacy.get(client.orgId);
    const privacy = since === undefined || Date.now() - since > NO_PRIVACY_RECHECK_MS;
    const q = (soql: string): string => `${client.dataPath}/query?q=${encodeURIComponent(soql)}`;
    const subrequests: CompositeSubrequest[] = [
      {
        method: 'GET',
        url: q(`SELECT Id, HasOptedOutOfEmail, DoNotCall${privacy ? ', IndividualId' : ''} FROM ${objectType} WHERE Id = ${id}`),
        referenceId: 'person',
      },
      ...(privacy
        ? [
            {
              method: 'GET' as const,
              url: q(
                `SELECT Id, ContactPointType, PrivacyConsentStatus, EffectiveFrom, EffectiveTo, CaptureDate, DataUsePurposeId FROM ContactPointTypeConsent WHERE PartyId IN (SELECT IndividualId FROM ${objectType} WHERE Id = ${id})`,
              ),
              referenceId: 'consent',
            },
          ]
        : []),
    ];
    const { compositeResponse } = await client.composite(subrequests, false);
    const person = compositeResponse.find((r) => r.referenceId === 'person');
    if (person === undefined)
      throw Object.assign(new Error('Salesforce answered the consent read without the record'), { errorCode: 'UNKNOWN_EXCEPTION' });
    if (person.httpStatusCode >= 400) {
      const errors = Array.isArray(person.body) ? (person.body as { errorCode?: string; message?: string }[]) : [];
      if (privacy && errors.some((e) => e.errorCode === 'INVALID_FIELD' && /IndividualId/.test(e.message ?? ''))) {
        this.noPrivacy.set(client.orgId, Date.now());
        return this.readConsent(client, recordId, objectType);
      }
      const first = errors[0];
      throw Object.assign(
        new Error(`Salesforce refused to read ${objectType} ${recordId}'s opt-outs: ${first?.message ?? `HTTP ${person.httpStatusCode}`}`),
        { errorCode: first?.errorCode ?? 'UNKNOWN_EXCEPTION' },
      );
    }
    const row = ((person.body as { records?: Record<string, unknown>[] } | null)?.records ?? [])[0];
    // A record Salesforce no longer has: the step's own call reports that.
    if (row === undefined) return null;
    const consent = compositeResponse.find((r) => r.referenceId === 'consent');
    const individual = typeof row['IndividualId'] === 'string' ? row['IndividualId'] : null;
    // The consent query fails (INVALID_TYPE) where the objects are not enabled or not visible: no consent records then.
    const rows =
      individual !== null && consent !== undefined && consent.httpStatusCode < 300
        ? ((consent.body as { records?: Record<string, unknown>[] } | null)?.records ?? [])
        : null;
    const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
    return {
      recordId,
      objectType,
      hasOptedOutOfEmail: row['HasOptedOutOfEmail'] === true,
      doNotCall: row['DoNotCall'] === true,
      typeConsents:
        rows === null
          ? null
          : rows.map((r) => ({
              id: String(r['Id'] ?? ''),
              contactPointType: String(r['ContactPointType'] ?? ''),
              status: String(r['PrivacyConsentStatus'] ?? ''),
              effectiveFrom: text(r['EffectiveFrom']),
              effectiveTo: text(r['EffectiveTo']),
              capturedAt: text(r['CaptureDate']),
              dataUsePurposeId: text(r['DataUsePurposeId']),
            })),
    };
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    try {
      // Inside the try: an org disconnected between the lookup and the client (DisconnectedError) is an auth failure.
      const client = await this.deps.clientFor(request.tenantId);
      if (client === null)
        return {
          ok: false,
          error: authError(
            'salesforce.not_connected',
            'this tenant has no active Salesforce connection; install Baton in Salesforce again',
          ),
        };
      switch (request.kind) {
        case 'task': {
          const refused = isCallTask(request.params) ? await this.refusal(client, request, 'Phone') : undefined;
          return refused === undefined ? await this.task(client, request) : { ok: false, error: refused };
        }
        case 'crm_update':
          return await this.crmUpdate(client, request);
        case 'email': {
          // Checked before the at-most-once ledger: a refused person leaves no pending key behind. A
          // step already done stays done (it was sent before the opt-out).
          const done = (await this.deps.ledger.lookup(request.tenantId, request.idempotencyKey))?.state === 'done';
          const refused = done ? undefined : await this.refusal(client, request, 'Email');
          return refused === undefined ? await this.once(request, () => this.email(client, request)) : { ok: false, error: refused };
        }
        case 'workflow_enrollment':
          return await this.once(request, () => this.flow(client, request));
        case 'note':
          return await this.note(client, request);
        case 'sequence_enrollment':
          return await this.sequence(client, request);
        default:
          return {
            ok: false,
            error: permanentError('salesforce.unsupported_action', `Salesforce does not handle "${request.kind}" actions`),
          };
      }
    } catch (err) {
      return { ok: false, error: this.errorOf(err) };
    }
  }

  private errorOf(err: unknown): PortError {
    if (err instanceof ApiBudgetError) return rateLimited(err.retryAfterMs, err.message);
    return toPortError(err, this.deps.rateLimitRetryMs);
  }

  /** The org's package namespace when its Baton fields are usable, else the step's error (the admin's fix in it). */
  private async namespace(request: ActionRequest, what: string): Promise<{ ns: string } | { error: PortError }> {
    const pkg = (await this.deps.packageFor?.(request.tenantId)) ?? MANAGED;
    if (pkg.fieldsReady && pkg.namespace !== null) return { ns: pkg.namespace };
    return {
      error: undeliverableError(
        'salesforce.package_missing',
        `${what} needs the Baton package in Salesforce: ${pkg.problem ?? 'the Baton fields are not usable in this org'}`,
      ),
    };
  }

  private async person(
    client: SalesforceClient,
    request: ActionRequest,
  ): Promise<{ who: LinkedRecord | undefined; what: LinkedRecord | undefined }> {
    const explicit = str(request.params['recordId']);
    const records =
      explicit !== undefined && SALESFORCE_ID.test(explicit)
        ? [{ recordId: explicit, objectType: objectOfId(explicit) ?? 'Unknown' }]
        : await this.deps.records(request.tenantId, request.profileId, client.orgId);
    return {
      who: records.find((r) => r.objectType === 'Contact') ?? records.find((r) => r.objectType === 'Lead'),
      what: records.find((r) => r.objectType === 'Opportunity' || r.objectType === 'Case' || r.objectType === 'Account'),
    };
  }

  private async task(client: SalesforceClient, request: ActionRequest): Promise<ActionResult> {
    const p = request.params;
    const { who, what } = await this.person(client, request);
    const whoId = str(p['whoId']) ?? who?.recordId;
    const whatId = str(p['whatId']) ?? (who?.objectType === 'Lead' ? undefined : what?.recordId);
    if (whoId === undefined && whatId === undefined)
      return {
        ok: false,
        error: undeliverableError(
          'salesforce.no_record',
          'no Salesforce Contact, Lead or related record is known for this person, so the Task has nothing to attach to',
        ),
      };
    const priority = PRIORITY[String(p['priority'] ?? 'normal').toLowerCase()];
    if (priority === undefined)
      return {
        ok: false,
        error: permanentError('salesforce.bad_priority', `priority must be high, normal or low, not "${String(p['priority'])}"`),
      };
    const due = dueDate(p, new Date());
    const fields: Record<string, unknown> = {
      Subject: String(p['subject']).slice(0, 255),
      Status: 'Not Started',
      Priority: priority,
      ...(whoId === undefined ? {} : { WhoId: whoId }),
      ...(whatId === undefined ? {} : { WhatId: whatId }),
      ...(str(p['description'] ?? p['body']) === undefined ? {} : { Description: String(p['description'] ?? p['body']).slice(0, 32_000) }),
      ...(due === undefined ? {} : { ActivityDate: due }),
      ...(isCallTask(p) ? { Type: 'Call' } : {}),
    };
    const ns = await this.namespace(request, 'a Task');
    if ('error' in ns) return { ok: false, error: ns.error };
    const key = taskKeyOf(request.idempotencyKey);
    const res = await client.upsert('Task', apiName(TASK_KEY_FIELD, ns.ns), key, fields);
    return { ok: true, output: { channel: 'salesforce', taskId: res.id, taskKey: key, created: res.created } };
  }

  private async crmUpdate(client: SalesforceClient, request: ActionRequest): Promise<ActionResult> {
    const props = request.params['properties'];
    if (props === null || typeof props !== 'object' || Array.isArray(props))
      return { ok: false, error: permanentError('salesforce.bad_properties', 'properties must be an object of field names to values') };
    let namespace = PACKAGE_NAMESPACE;
    if (Object.keys(props).some(isBatonProperty)) {
      const ns = await this.namespace(request, 'updating Baton fields');
      if ('error' in ns) return { ok: false, error: ns.error };
      namespace = ns.ns;
    }
    const { fields, unknown } = mapProperties(props, namespace);
    if (unknown.length > 0)
      return {
        ok: false,
        error: permanentError(
          'salesforce.unknown_fields',
          `Salesforce has no Baton mapping for: ${unknown.join(', ')} (use stage, nextAction, hotness, reason or a field API name ending in __c)`,
        ),
      };
    const explicit = str(request.params['recordId']);
    const targets =
      explicit !== undefined
        ? [{ recordId: explicit, objectType: objectOfId(explicit) ?? '' }]
        : (await this.deps.records(request.tenantId, request.profileId, client.orgId)).filter(
            (r) => r.objectType === 'Contact' || r.objectType === 'Lead',
          );
    if (targets.length === 0)
      return { ok: false, error: undeliverableError('salesforce.no_record', 'no Salesforce Contact or Lead is known for this person') };
    const results = await client.updateRecords(targets.slice(0, 200).map((t) => ({ type: t.objectType, id: t.recordId, fields })));
    const failed = results.find((r) => !r.success);
    if (failed !== undefined) return { ok: false, error: itemPortError(failed.errors, this.deps.rateLimitRetryMs) };
    return { ok: true, output: { channel: 'salesforce', updated: targets.map((t) => t.recordId) } };
  }

  private async email(client: SalesforceClient, request: ActionRequest): Promise<ActionResult> {
    const p = request.params;
    const { who } = await this.person(client, request);
    const to = str(p['to']);
    if (who === undefined && to === undefined)
      return {
        ok: false,
        error: undeliverableError('salesforce.no_recipient', 'no Salesforce Contact or Lead (or "to" address) for this person'),
      };
    const template = str(p['templateId']) ?? '';
    const isTemplateId = /^00X[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/.test(template);
    const input: Record<string, unknown> = {
      ...(who === undefined ? {} : { recipientId: who.recordId, relatedRecordId: who.recordId }),
      ...(to === undefined ? {} : { emailAddresses: to }),
      ...(isTemplateId ? { emailTemplateId: template } : { emailSubject: str(p['subject']) ?? template, emailBody: str(p['body']) ?? '' }),
      senderType: str(p['senderAddress']) === undefined ? 'CurrentUser' : 'OrgWideEmailAddress',
      ...(str(p['senderAddress']) === undefined ? {} : { senderAddress: str(p['senderAddress']) }),
      logEmailOnSend: true,
    };
    if (!isTemplateId && input['emailBody'] === '')
      return {
        ok: false,
        error: permanentError(
          'salesforce.empty_email',
          `"${template}" is not a Salesforce email template id (00X...) and the step gives no body`,
        ),
      };
    const [result] = await client.emailSimple([input]);
    if (result === undefined || !result.isSuccess) return { ok: false, error: itemPortError(result?.errors, this.deps.rateLimitRetryMs) };
    return { ok: true, output: { channel: 'salesforce', action: 'emailSimple', recipientId: who?.recordId ?? null } };
  }

  private async flow(client: SalesforceClient, request: ActionRequest): Promise<ActionResult> {
    const name = String(request.params['workflowId']);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
      return { ok: false, error: permanentError('salesforce.bad_flow_name', `"${name}" is not a Flow API name`) };
    const { who, what } = await this.person(client, request);
    const extra = request.params['inputs'];
    const input = {
      ...(who === undefined && what === undefined ? {} : { recordId: (who ?? what)?.recordId }),
      ...(extra !== null && typeof extra === 'object' && !Array.isArray(extra) ? extra : {}),
    };
    const [result] = await client.launchFlow(name, [input]);
    if (result === undefined || !result.isSuccess) return { ok: false, error: itemPortError(result?.errors, this.deps.rateLimitRetryMs) };
    return {
      ok: true,
      output: { channel: 'salesforce', flow: name, status: String(result.outputValues?.['Flow__InterviewStatus'] ?? 'Started') },
    };
  }

  private async note(client: SalesforceClient, request: ActionRequest): Promise<ActionResult> {
    const p = request.params;
    const body = typeof p['body'] === 'string' || typeof p['body'] === 'number' ? String(p['body']) : '';
    if (body.trim() === '') return { ok: false, error: permanentError('salesforce.empty_note', 'a note step needs a non-empty "body"') };
    const explicit = str(p['recordId']);
    const targets =
      explicit !== undefined && SALESFORCE_ID.test(explicit)
        ? [{ recordId: explicit, objectType: objectOfId(explicit) ?? 'Unknown' }]
        : (await this.deps.records(request.tenantId, request.profileId, client.orgId)).filter(
            (r) => r.objectType === 'Contact' || r.objectType === 'Lead',
          );
    if (targets.length === 0)
      return {
        ok: false,
        error: undeliverableError(
          'salesforce.no_record',
          'no Salesforce Contact or Lead is known for this person, so the note has nothing to attach to',
        ),
      };
    const title = (str(p['title']) ?? DEFAULT_NOTE_TITLE).slice(0, 255);
    const linked = [...new Map(targets.map((t) => [t.recordId.slice(0, 15), t.recordId])).values()].slice(0, MAX_NOTE_LINKS);
    const subrequests: CompositeSubrequest[] = [
      {
        method: 'POST',
        url: `${client.dataPath}/sobjects/ContentNote`,
        referenceId: 'note',
        body: { Title: title, Content: noteContent(body) },
      },
      // ShareType I: who may see the note follows who may see the record; AllUsers includes portal users who can.
      ...linked.map((id, i): CompositeSubrequest => ({
        method: 'POST',
        url: `${client.dataPath}/sobjects/ContentDocumentLink`,
        referenceId: `link${i}`,
        body: { ContentDocumentId: '@{note.id}', LinkedEntityId: id, ShareType: 'I', Visibility: 'AllUsers' },
      })),
    ];
    return this.once(request, async () => {
      const { compositeResponse } = await client.composite(subrequests, true);
      const failure =
        compositeResponse.find((r) => r.httpStatusCode >= 400 && !halted(r.body)) ?? compositeResponse.find((r) => r.httpStatusCode >= 400);
      if (failure !== undefined)
        return { ok: false, error: itemPortError(Array.isArray(failure.body) ? failure.body : [], this.deps.rateLimitRetryMs) };
      const noteId = (compositeResponse[0]?.body as { id?: unknown } | null)?.id;
      if (typeof noteId !== 'string')
        return { ok: false, error: permanentError('salesforce.no_note_id', 'Salesforce accepted the note but returned no id') };
      const linkIds = compositeResponse.slice(1).map((r) => String((r.body as { id?: unknown } | null)?.id ?? ''));
      return { ok: true, output: { channel: 'salesforce', noteId, title, linkedTo: linked, linkIds } };
    });
  }

  private async sequence(client: SalesforceClient, request: ActionRequest): Promise<ActionResult> {
    const p = request.params;
    const cadence = typeof p['sequenceId'] === 'number' ? String(p['sequenceId']) : str(p['sequenceId']);
    if (cadence === undefined)
      return {
        ok: false,
        error: permanentError('salesforce.bad_cadence', 'sequenceId must name a Sales Engagement cadence (its name or 77C... id)'),
      };
    const userId = str(p['userId']);
    if (userId !== undefined && !USER_ID.test(userId))
      return {
        ok: false,
        error: permanentError(
          'salesforce.bad_user',
          `userId "${userId}" is not a Salesforce User id (005...); leave it out to assign the cadence to the connected user`,
        ),
      };
    const { who } = await this.person(client, request);
    if (who === undefined)
      return {
        ok: false,
        error: undeliverableError(
          'salesforce.no_record',
          'no Salesforce Contact or Lead is known for this person, so there is no cadence target',
        ),
      };
    const enrolled = (trackerId: string, extra: JsonObject): ActionResult => ({
      ok: true,
      output: { channel: 'salesforce', action: 'assignTargetToSalesCadence', cadence, targetId: who.recordId, trackerId, ...extra },
    });
    const recover = async (): Promise<ActionResult | undefined> => {
      const tracker = await this.enrolledTracker(client, who.recordId, cadence);
      return tracker === undefined ? undefined : enrolled(tracker, { recovered: true });
    };
    return this.once(
      request,
      async () => {
        const [result] = await client.assignTargetToSalesCadence([
          { salesCadenceNameOrId: cadence, targetId: who.recordId, ...(userId === undefined ? {} : { userId }) },
        ]);
        // The action has no documented outputs; the tracker is looked up only when it matters (recovery, refusal).
        if (result?.isSuccess === true)
          return { ok: true, output: { channel: 'salesforce', action: 'assignTargetToSalesCadence', cadence, targetId: who.recordId } };
        const error = itemPortError(result?.errors, this.deps.rateLimitRetryMs);
        // A target is in one cadence at a time: refused because it already is in this one means done (as HubSpot's 409).
        if (error.category === 'permanent') {
          const tracker = await this.enrolledTracker(client, who.recordId, cadence);
          if (tracker !== undefined) return enrolled(tracker, { alreadyEnrolled: true });
        }
        return { ok: false, error };
      },
      recover,
    );
  }

  /** The target's tracker in the cadence (by id or name) while it is enrolled there, if any. */
  private async enrolledTracker(client: SalesforceClient, targetId: string, cadence: string): Promise<string | undefined> {
    const cadenceIds = CADENCE_ID.test(cadence)
      ? [cadence]
      : (await client.query<{ Id: string }>(`SELECT Id FROM ActionCadence WHERE Name = ${soqlString(cadence)}`)).map((r) => r.Id);
    if (cadenceIds.length === 0) return undefined;
    const ids = new Set(cadenceIds.map((id) => id.slice(0, 15)));
    const trackers = await client.query<{ Id: string; ActionCadenceId: string | null; State: string | null }>(
      `SELECT Id, ActionCadenceId, State FROM ActionCadenceTracker WHERE TargetId = ${soqlString(targetId)}`,
    );
    return trackers.find((t) => ENROLLED_STATES.has(t.State ?? '') && ids.has((t.ActionCadenceId ?? '').slice(0, 15)))?.Id;
  }

  /**
   * At-most-once for effects Salesforce cannot deduplicate (see EffectLedger). `recover` looks for the
   * effect of an earlier attempt whose outcome is unknown; without it (or when it finds nothing it can
   * vouch for) such a retry fails as outcome_unknown rather than risk doing the effect twice.
   */
  private async once(
    request: ActionRequest,
    act: () => Promise<ActionResult>,
    recover?: () => Promise<ActionResult | undefined>,
  ): Promise<ActionResult> {
    const { ledger } = this.deps;
    const prior = await ledger.lookup(request.tenantId, request.idempotencyKey);
    if (prior?.state === 'done') return { ok: true, output: prior.output ?? null };
    if (prior?.state === 'pending') {
      const found = recover === undefined ? undefined : await recover();
      if (found?.ok === true) {
        await ledger.settle(request.tenantId, request.idempotencyKey, { state: 'done', output: found.output });
        return found;
      }
      // A recover that found nothing proves the earlier attempt left no effect: do it now.
      if (recover === undefined) {
        return {
          ok: false,
          error: permanentError(
            'salesforce.outcome_unknown',
            `an earlier attempt of this ${request.kind} step may have reached Salesforce (the call did not answer); Baton does not send it twice. Check the record's activity, then resume or cancel the run`,
          ),
        };
      }
    }
    await ledger.reserve({ tenantId: request.tenantId, idempotencyKey: request.idempotencyKey, vendor: 'salesforce', kind: request.kind });
    let result: ActionResult;
    try {
      result = await act();
    } catch (err) {
      const error = this.errorOf(err);
      // Refusals prove nothing was sent; network errors and 5xx leave the key "started" (unknown outcome).
      if (error.category !== 'transient') await ledger.release(request.tenantId, request.idempotencyKey);
      return { ok: false, error };
    }
    if (result.ok) await ledger.settle(request.tenantId, request.idempotencyKey, { state: 'done', output: result.output });
    else await ledger.release(request.tenantId, request.idempotencyKey);
    return result;
  }
}
