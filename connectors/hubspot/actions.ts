/**
 * Write-back: the ActionPort for HubSpot (crm_update, task, note, email, sequence_enrollment,
 * workflow_enrollment, callback_completion, reply_in_thread). At most one effect per idempotency key:
 * - property writes are idempotent by nature (same values);
 * - tasks and notes carry the key in an app-owned property; an attempt after an ambiguous failure or a
 *   crash first searches for it, so a retry never creates a second one;
 * - single-send passes the key as `sendId` (HubSpot sends at most one email per sendId);
 * - sequence enrollment treats "already enrolled" (409) as done; workflow enrollment writes a trigger
 *   property whose value is derived from the key;
 * - an inbox reply (reply_in_thread) is recorded in the effect ledger; an attempt after an ambiguous
 *   failure first looks in the thread for the same text from the same sender and adopts it.
 * Errors are classified (errors.ts); nothing retries here.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { permanentError, undeliverableError, type ActionPort, type ActionRequest, type ActionResult, type JsonValue } from '../../app/orchestration';
import type { HubSpotApi } from './api';
import { HubSpotConversations, type InboxMessage } from './conversations';
import { classifyHubSpotError, HubSpotCallError } from './errors';

export const IDEMPOTENCY_PROPERTY = 'baton_idempotency_key';
export const ENROLL_TRIGGER_PROPERTY = 'baton_enroll_trigger';

/** Where an action lands: the portal and the record (a contact unless the step names another object). */
export interface HubSpotTarget {
  readonly portalId: string;
  readonly objectType: string;
  readonly objectId: string;
}

export interface HubSpotActionDeps {
  readonly api: HubSpotApi;
  /** The tenant's portal and the profile's record there; undefined when the profile has no HubSpot record. */
  target(request: ActionRequest): Promise<HubSpotTarget | { error: string }>;
  readonly ledger: EffectLedger;
  /** The profile's latest HubSpot inbox thread in the portal (reply_in_thread without a threadId). */
  latestThread?(request: ActionRequest, portalId: string): Promise<string | undefined>;
}

/** Remembers, per (tenant, idempotency key), that an effect was attempted and what it produced. */
export interface EffectLedger {
  /** `new` on the first attempt, `retry` when an earlier attempt may have acted, `done` with its output. */
  begin(tenantId: string, key: string, portalId: string, kind: string): Promise<{ state: 'new' | 'retry' } | { state: 'done'; output: JsonValue }>;
  finish(tenantId: string, key: string, output: JsonValue): Promise<void>;
}

const str = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const targetParams = { objectType: z.enum(['contact', 'company', 'deal', 'ticket']).optional(), objectId: z.string().regex(/^\d{1,20}$/).optional() };
const schemas = {
  crm_update: z.object({ properties: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'must be a HubSpot property name'), str.nullable()), ...targetParams }),
  task: z.object({
    subject: z.string().min(1).max(500),
    body: z.string().max(60_000).optional(),
    priority: z.enum(['LOW', 'MEDIUM', 'HIGH']).optional(),
    type: z.enum(['EMAIL', 'CALL', 'TODO']).optional(),
    dueAt: z.iso.datetime({ offset: true }).optional(),
    ownerId: z.string().optional(),
    ...targetParams,
  }),
  note: z.object({ body: z.string().min(1).max(60_000), ...targetParams }),
  email: z.object({ templateId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]), to: z.email().optional(), contactProperties: z.record(z.string(), z.string()).optional(), customProperties: z.record(z.string(), z.string()).optional() }),
  sequence_enrollment: z.object({ sequenceId: str, userId: str, senderEmail: z.email() }),
  workflow_enrollment: z.object({ workflowId: str, ...targetParams }),
  reply_in_thread: z.object({
    body: z.string().trim().min(1).max(20_000),
    threadId: z.union([z.string().regex(/^\d{1,20}$/), z.number().int().positive().transform(String)]).optional(),
    senderActorId: z.string().regex(/^A-\d{1,20}$/, 'must be an agent actor id such as A-1234567 (A- and the HubSpot user id)').optional(),
    richText: z.string().max(60_000).optional(),
  }),
  callback_completion: z.object({ callbackId: z.string().min(1), outputFields: z.record(z.string(), str).default({}), executionState: z.enum(['SUCCESS', 'FAIL_CONTINUE']).default('SUCCESS') }),
} as const;

export type HubSpotActionKind = keyof typeof schemas;
export const HUBSPOT_ACTION_KINDS = Object.keys(schemas) as HubSpotActionKind[];

const shortKey = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 16);

export class HubSpotActionPort implements ActionPort {
  constructor(private readonly deps: HubSpotActionDeps) {}

  async execute(request: ActionRequest): Promise<ActionResult> {
    const kind = request.kind as HubSpotActionKind;
    const schema = schemas[kind] as z.ZodType | undefined;
    if (schema === undefined) return { ok: false, error: permanentError('hubspot.unsupported_kind', `HubSpot does not perform "${request.kind}" actions`) };
    const parsed = schema.safeParse(request.params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, error: permanentError('hubspot.invalid_params', `step "${request.stepId}": ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid parameters'}`) };
    }
    const target = await this.deps.target(request);
    if ('error' in target) return { ok: false, error: undeliverableError('hubspot.no_record', target.error) };
    try {
      return { ok: true, output: await this.perform(kind, parsed.data as Record<string, unknown>, request, target) };
    } catch (err) {
      return { ok: false, error: classifyHubSpotError(err, `HubSpot ${request.kind}`) };
    }
  }

  private async perform(kind: HubSpotActionKind, p: Record<string, unknown>, request: ActionRequest, target: HubSpotTarget): Promise<JsonValue> {
    const { api } = this.deps;
    const { portalId } = target;
    const record = { objectType: target.objectType, id: target.objectId };
    switch (kind) {
      case 'crm_update': {
        const properties = Object.fromEntries(Object.entries(p['properties'] as Record<string, string | null>).map(([k, v]) => [k, v ?? '']));
        await api.updateObject(portalId, record.objectType, record.id, properties);
        return { portalId, objectType: record.objectType, objectId: record.id, properties };
      }
      case 'workflow_enrollment': {
        const value = `${String(p['workflowId'])}:${shortKey(request.idempotencyKey)}`;
        await api.updateObject(portalId, record.objectType, record.id, { [ENROLL_TRIGGER_PROPERTY]: value });
        return { portalId, objectType: record.objectType, objectId: record.id, trigger: value };
      }
      case 'task':
      case 'note':
        return this.createOnce(kind, p, request, target);
      case 'email': {
        const to = (p['to'] as string | undefined) ?? (await api.batchRead(portalId, 'contact', [target.objectId], ['email']))[0]?.properties['email'] ?? undefined;
        if (to === undefined || to === null || to === '') throw new HubSpotCallError(400, { message: `contact ${target.objectId} has no email address` }, {}, 'no email address');
        const sendId = request.idempotencyKey;
        const r = (await api.singleSend(portalId, {
          emailId: p['templateId'] as number,
          message: { to, sendId },
          ...(p['contactProperties'] === undefined ? {} : { contactProperties: p['contactProperties'] as Record<string, string> }),
          ...(p['customProperties'] === undefined ? {} : { customProperties: p['customProperties'] as Record<string, string> }),
        })) as { statusId?: string } | undefined;
        return { portalId, sendId, statusId: r?.statusId ?? null };
      }
      case 'sequence_enrollment': {
        try {
          const r = (await api.enrollInSequence(portalId, p['userId'] as string, { contactId: target.objectId, sequenceId: p['sequenceId'] as string, senderEmail: p['senderEmail'] as string })) as { id?: string } | undefined;
          return { portalId, contactId: target.objectId, sequenceId: p['sequenceId'] as string, enrollmentId: r?.id ?? null };
        } catch (err) {
          if (err instanceof HubSpotCallError && err.status === 409) return { portalId, contactId: target.objectId, sequenceId: p['sequenceId'] as string, alreadyEnrolled: true };
          throw err;
        }
      }
      case 'reply_in_thread':
        return this.replyInThread(p, request, target);
      case 'callback_completion': {
        const outputFields = { ...(p['outputFields'] as Record<string, string>), hs_execution_state: p['executionState'] as string };
        await api.completeCallback(portalId, p['callbackId'] as string, outputFields);
        return { portalId, callbackId: p['callbackId'] as string, outputFields };
      }
    }
  }

  /**
   * Answers in the person's inbox thread (the step's `threadId`, else their latest one) on the thread's
   * own channel and channel account, as the step's agent (`senderActorId`) or the thread's assignee, to
   * the customer of the latest incoming message.
   */
  private async replyInThread(p: Record<string, unknown>, request: ActionRequest, target: HubSpotTarget): Promise<JsonValue> {
    const { api, ledger } = this.deps;
    const portalId = target.portalId;
    const threadId = (p['threadId'] as string | undefined) ?? (await this.deps.latestThread?.(request, portalId));
    if (threadId === undefined) throw new HubSpotCallError(400, { message: `profile ${request.profileId} has no HubSpot inbox thread to reply in; give the step a threadId` }, {}, 'no thread');
    const conversations = new HubSpotConversations(api);
    const text = p['body'] as string;
    const started = await ledger.begin(request.tenantId, request.idempotencyKey, portalId, 'reply_in_thread');
    if (started.state === 'done') return started.output;
    const thread = await conversations.thread(portalId, threadId);
    const sender = (p['senderActorId'] as string | undefined) ?? (thread.assignedTo?.startsWith('A-') === true ? thread.assignedTo : undefined);
    if (sender === undefined) throw new HubSpotCallError(400, { message: `thread ${threadId} has no assigned agent; give the step a senderActorId (A- and a HubSpot user id)` }, {}, 'no sender');
    if (thread.originalChannelId === undefined || thread.originalChannelAccountId === undefined) throw new HubSpotCallError(400, { message: `thread ${threadId} has no channel to reply on` }, {}, 'no channel');
    const history = await conversations.messages(portalId, threadId);
    if (started.state === 'retry') {
      const sent = history.find((m) => m.type === 'MESSAGE' && m.direction === 'OUTGOING' && m.text === text && m.senders.some((s) => s.actorId === sender));
      if (sent !== undefined) {
        const output = { portalId, threadId, messageId: sent.id, recovered: true };
        await ledger.finish(request.tenantId, request.idempotencyKey, output);
        return output;
      }
    }
    const lastIncoming: InboxMessage | undefined = [...history].reverse().find((m) => m.type === 'MESSAGE' && m.direction === 'INCOMING');
    const recipients = (lastIncoming?.senders ?? []).flatMap((s) =>
      s.actorId === undefined ? [] : [{ actorId: s.actorId, ...(s.deliveryIdentifier === undefined ? {} : { deliveryIdentifiers: [{ type: s.deliveryIdentifier.type, value: s.deliveryIdentifier.value }] }) }],
    );
    const sent = await conversations.send(portalId, threadId, {
      text,
      ...(p['richText'] === undefined ? {} : { richText: p['richText'] as string }),
      senderActorId: sender,
      channelId: thread.originalChannelId,
      channelAccountId: thread.originalChannelAccountId,
      recipients,
      ...(lastIncoming?.subject === undefined ? {} : { subject: lastIncoming.subject.startsWith('Re:') ? lastIncoming.subject : `Re: ${lastIncoming.subject}` }),
    });
    const output = { portalId, threadId, messageId: sent.id };
    await ledger.finish(request.tenantId, request.idempotencyKey, output);
    return output;
  }

  private async createOnce(kind: 'task' | 'note', p: Record<string, unknown>, request: ActionRequest, target: HubSpotTarget): Promise<JsonValue> {
    const { api, ledger } = this.deps;
    const started = await ledger.begin(request.tenantId, request.idempotencyKey, target.portalId, kind);
    if (started.state === 'done') return started.output;
    if (started.state === 'retry') {
      const found = await api.searchEq(target.portalId, kind === 'task' ? 'tasks' : 'notes', IDEMPOTENCY_PROPERTY, request.idempotencyKey);
      if (found[0] !== undefined) {
        const output = { portalId: target.portalId, [`${kind}Id`]: found[0].id, recovered: true };
        await ledger.finish(request.tenantId, request.idempotencyKey, output);
        return output;
      }
    }
    const now = new Date().toISOString();
    const properties: Record<string, string> =
      kind === 'task'
        ? {
            hs_timestamp: (p['dueAt'] as string | undefined) ?? now,
            hs_task_subject: p['subject'] as string,
            hs_task_body: (p['body'] as string | undefined) ?? 'Suggested by Baton',
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: (p['priority'] as string | undefined) ?? 'MEDIUM',
            hs_task_type: (p['type'] as string | undefined) ?? 'TODO',
            ...(p['ownerId'] === undefined ? {} : { hubspot_owner_id: p['ownerId'] as string }),
            [IDEMPOTENCY_PROPERTY]: request.idempotencyKey,
          }
        : { hs_timestamp: now, hs_note_body: p['body'] as string, [IDEMPOTENCY_PROPERTY]: request.idempotencyKey };
    const created = await api.createEngagement(target.portalId, kind, properties, { objectType: target.objectType, id: target.objectId });
    const output = { portalId: target.portalId, [`${kind}Id`]: created.id };
    await ledger.finish(request.tenantId, request.idempotencyKey, output);
    return output;
  }
}
