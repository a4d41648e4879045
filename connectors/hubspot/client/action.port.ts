/**
 * Write-back: the ActionPort for HubSpot (crm_update, task, note, email, sequence_enrollment,
 * workflow_enrollment, callback_completion, reply_in_thread, book_meeting). At most one effect per idempotency key:
 * - property writes are idempotent by nature (same values);
 * - tasks and notes carry the key in an app-owned property; an attempt after an ambiguous failure or a
 *   crash first searches for it, so a retry never creates a second one;
 * - single-send passes the key as `sendId` (HubSpot sends at most one email per sendId);
 * - sequence enrollment treats "already enrolled" (409) as done; workflow enrollment writes a trigger
 *   property whose value is derived from the key;
 * - an inbox reply (reply_in_thread) is recorded in the effect ledger; an attempt after an ambiguous
 *   failure first looks in the thread for the same text from the same sender and adopts it;
 * - a meeting booking (book_meeting with a startTime) is recorded in the effect ledger; an attempt after
 *   an ambiguous failure first looks for a meeting at that time with the contact and adopts it.
 * Errors are classified (errors.ts); nothing retries here.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  permanentError,
  undeliverableError,
  type ActionPort,
  type ActionRequest,
  type ActionResult,
  type EffectLedger,
  type JsonValue,
} from '../../../app/orchestration';
import type { HubSpotApi } from './api';
import { HubSpotConversations, type InboxMessage } from './conversations';
import { HubSpotScheduler, pickLink } from './scheduler';
import { classifyHubSpotError, HubSpotCallError } from './errors';
import { recordOwner } from './account';
import {
  EMAIL_ROUTES,
  logEmail,
  marketingSend,
  routeRefusal,
  transactionalSend,
  type EmailCapabilities,
  type EmailCapability,
  type EmailRoute,
} from './email';
import { emailOptOutReason, emailSubscriptionStatus } from './preferences';

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
  /** Email by capability (routes, consent reads, send log); without it only the marketing single-send is tried, then a task. */
  readonly email?: EmailRouting;
  /** The profile's latest HubSpot inbox thread in the portal (reply_in_thread without a threadId). */
  latestThread?(request: ActionRequest, portalId: string): Promise<string | undefined>;
}

/** What the email branch needs from the server: the portal's capabilities and a log of Baton's sends. */
export interface EmailRouting {
  capabilities(tenantId: string, portalId: string): Promise<EmailCapabilities>;
  /** HubSpot refused a route or feature (403): turn it off for the portal, with HubSpot's reason. */
  markOff(tenantId: string, portalId: string, capability: EmailCapability, reason: string): Promise<void>;
  /** Why this address must not be emailed (a reported bounce), if so. */
  bounced?(tenantId: string, profileId: string, address: string): Promise<string | undefined>;
  recordSend(send: {
    tenantId: string;
    portalId: string;
    idempotencyKey: string;
    profileId: string;
    contactId: string;
    runId: string;
    route: EmailRoute;
    recipient: string;
    sendId: string;
  }): Promise<void>;
}

const assumed = (available: boolean, reason: string): { available: boolean; reason: string; at: string } => ({
  available,
  reason,
  at: new Date(0).toISOString(),
});
/** Without capability knowledge: the marketing single-send (as before issue #20), then a task. */
const LEGACY_CAPABILITIES: EmailCapabilities = {
  transactional: assumed(false, 'no capability record'),
  marketing: assumed(true, 'assumed'),
  sequence: assumed(false, 'no capability record'),
  task: assumed(true, 'always possible'),
  preferences: assumed(false, 'no capability record'),
  events: assumed(false, 'no capability record'),
};

/** Contact properties the email branch reads: address, opt-out, owner. */
const EMAIL_CONTACT_PROPERTIES = ['email', 'hs_email_optout', 'hubspot_owner_id'];

/**
 * Reserves a HubSpot effect in the effect ledger (every attempt counted): `new` on the first attempt,
 * `retry` when an earlier attempt may have acted, `done` with its output.
 */
async function beginEffect(
  ledger: EffectLedger,
  tenantId: string,
  key: string,
  portalId: string,
  kind: string,
): Promise<{ state: 'new' | 'retry' } | { state: 'done'; output: JsonValue }> {
  const reserved = await ledger.reserve(
    { tenantId, idempotencyKey: key, vendor: 'hubspot', kind, accountId: portalId },
    { onConflict: 'count' },
  );
  if (reserved.fresh) return { state: 'new' };
  return reserved.entry.state === 'done' ? { state: 'done', output: reserved.entry.output } : { state: 'retry' };
}

async function finishEffect(ledger: EffectLedger, tenantId: string, key: string, output: JsonValue): Promise<void> {
  await ledger.settle(tenantId, key, { state: 'done', output });
}

const str = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const targetParams = {
  objectType: z.enum(['contact', 'company', 'deal', 'ticket']).optional(),
  objectId: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
};
const schemas = {
  crm_update: z.object({
    properties: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'must be a HubSpot property name'), str.nullable()),
    ...targetParams,
  }),
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
  email: z
    .object({
      templateId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
      to: z.email().optional(),
      /** Marketing email honours HubSpot opt-outs (hs_email_optout, subscription status); transactional is a service message. */
      purpose: z.enum(['marketing', 'transactional']).default('marketing'),
      /** The subscription type this email belongs to (a NOT_SUBSCRIBED status for it stops the email). */
      subscriptionId: str.optional(),
      /** The drafted email, used for the owner's task and the timeline log. */
      subject: z.string().min(1).max(500).optional(),
      body: z.string().max(60_000).optional(),
      /** A sequence to enrol the contact in, sent by the record owner, when no single-send route exists. */
      sequenceId: str.optional(),
      contactProperties: z.record(z.string(), z.string()).optional(),
      customProperties: z.record(z.string(), z.string()).optional(),
    })
    .refine((e) => e.templateId !== undefined || e.subject !== undefined || e.sequenceId !== undefined, {
      message: 'an email step needs a templateId, a sequenceId or a subject',
      path: ['templateId'],
    }),
  sequence_enrollment: z.object({ sequenceId: str, userId: str, senderEmail: z.email() }),
  workflow_enrollment: z.object({ workflowId: str, ...targetParams }),
  reply_in_thread: z.object({
    body: z.string().trim().min(1).max(20_000),
    threadId: z.union([z.string().regex(/^\d{1,20}$/), z.number().int().positive().transform(String)]).optional(),
    senderActorId: z
      .string()
      .regex(/^A-\d{1,20}$/, 'must be an agent actor id such as A-1234567 (A- and the HubSpot user id)')
      .optional(),
    richText: z.string().max(60_000).optional(),
  }),
  book_meeting: z.object({
    /** Book at this time (through the owner's scheduling page); without it the step sends the page's link. */
    startTime: z.iso.datetime({ offset: true }).optional(),
    durationMinutes: z
      .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
      .pipe(z.number().int().min(5).max(480))
      .default(30),
    timezone: z.string().trim().min(1).max(64).default('UTC'),
    /** A scheduling page slug; default the organiser's default page. */
    slug: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9/_-]{0,199}$/, 'must be a HubSpot meeting link slug such as jane-doe or jane-doe/15min')
      .optional(),
    /** Whose page (HubSpot user id); default the contact's owner (hubspot_owner_id). */
    ownerId: str.optional(),
    /** The message that carries the link; `{link}` is replaced by the page's URL. */
    body: z.string().min(1).max(20_000).default('Pick a time that suits you: {link}'),
    /** `inbox`: send the link in the person's HubSpot inbox thread; `none`: only resolve it (output.link) for a later step. */
    deliver: z.enum(['inbox', 'none']).default('inbox'),
    threadId: z.union([z.string().regex(/^\d{1,20}$/), z.number().int().positive().transform(String)]).optional(),
    senderActorId: z
      .string()
      .regex(/^A-\d{1,20}$/, 'must be an agent actor id such as A-1234567 (A- and the HubSpot user id)')
      .optional(),
  }),
  callback_completion: z.object({
    callbackId: z.string().min(1),
    outputFields: z.record(z.string(), str).default({}),
    executionState: z.enum(['SUCCESS', 'FAIL_CONTINUE']).default('SUCCESS'),
  }),
} as const;

export type HubSpotActionKind = keyof typeof schemas;
type EmailParams = z.infer<(typeof schemas)['email']>;
export const HUBSPOT_ACTION_KINDS = Object.keys(schemas) as HubSpotActionKind[];

const shortKey = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 16);

export class HubSpotActionPort implements ActionPort {
  constructor(private readonly deps: HubSpotActionDeps) {}

  async execute(request: ActionRequest): Promise<ActionResult> {
    const kind = request.kind as HubSpotActionKind;
    const schema = schemas[kind] as z.ZodType | undefined;
    if (schema === undefined)
      return { ok: false, error: permanentError('hubspot.unsupported_kind', `HubSpot does not perform "${request.kind}" actions`) };
    const parsed = schema.safeParse(request.params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        error: permanentError(
          'hubspot.invalid_params',
          `step "${request.stepId}": ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid parameters'}`,
        ),
      };
    }
    const target = await this.deps.target(request);
    if ('error' in target) return { ok: false, error: undeliverableError('hubspot.no_record', target.error) };
    try {
      if (kind === 'email') return await this.email(parsed.data as EmailParams, request, target);
      return { ok: true, output: await this.perform(kind, parsed.data as Record<string, unknown>, request, target) };
    } catch (err) {
      return { ok: false, error: classifyHubSpotError(err, `HubSpot ${request.kind}`) };
    }
  }

  private async perform(
    kind: HubSpotActionKind,
    p: Record<string, unknown>,
    request: ActionRequest,
    target: HubSpotTarget,
  ): Promise<JsonValue> {
    const { api } = this.deps;
    const { portalId } = target;
    const record = { objectType: target.objectType, id: target.objectId };
    switch (kind) {
      case 'crm_update': {
        const properties = Object.fromEntries(
          Object.entries(p['properties'] as Record<string, string | null>).map(([k, v]) => [k, v ?? '']),
        );
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
      case 'email':
        throw new Error('email steps are routed by HubSpotActionPort.email');
      case 'sequence_enrollment': {
        try {
          const r = (await api.enrollInSequence(portalId, p['userId'] as string, {
            contactId: target.objectId,
            sequenceId: p['sequenceId'] as string,
            senderEmail: p['senderEmail'] as string,
          })) as { id?: string } | undefined;
          return { portalId, contactId: target.objectId, sequenceId: p['sequenceId'] as string, enrollmentId: r?.id ?? null };
        } catch (err) {
          if (err instanceof HubSpotCallError && err.status === 409)
            return { portalId, contactId: target.objectId, sequenceId: p['sequenceId'] as string, alreadyEnrolled: true };
          throw err;
        }
      }
      case 'reply_in_thread':
        return this.replyInThread(p, request, target);
      case 'book_meeting':
        return this.bookMeeting(p, request, target);
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
  /**
   * The owner's meeting link in a message (the person's inbox thread), or, with a `startTime`, a booking
   * on the owner's scheduling page for the contact (their e-mail and name), once per idempotency key.
   */
  private async bookMeeting(p: Record<string, unknown>, request: ActionRequest, target: HubSpotTarget): Promise<JsonValue> {
    const { api, ledger } = this.deps;
    const portalId = target.portalId;
    if (target.objectType !== 'contact')
      throw new HubSpotCallError(400, { message: 'a meeting is booked for a contact; the step names another record' }, {}, 'not a contact');
    const scheduler = new HubSpotScheduler(api);
    const contact =
      (await api.batchRead(portalId, 'contact', [target.objectId], ['email', 'firstname', 'lastname', 'hubspot_owner_id']))[0]
        ?.properties ?? {};
    const ownerId = (p['ownerId'] as string | undefined) ?? contact['hubspot_owner_id'] ?? undefined;
    let slug = p['slug'] as string | undefined;
    let link: string | undefined;
    if (slug === undefined) {
      const chosen = pickLink(await scheduler.meetingLinks(portalId, ownerId ?? undefined), ownerId ?? undefined);
      if (chosen === undefined)
        throw new HubSpotCallError(
          400,
          {
            message: `no meeting scheduling page for ${ownerId === undefined || ownerId === null ? 'this portal' : `owner ${ownerId}`}; create one in HubSpot or give the step a slug`,
          },
          {},
          'no meeting link',
        );
      slug = chosen.slug;
      link = chosen.link;
    }
    const startTime = p['startTime'] as string | undefined;
    if (startTime === undefined) {
      link ??= (await scheduler.meetingLinks(portalId)).find((l) => l.slug === slug)?.link;
      if (link === undefined)
        throw new HubSpotCallError(400, { message: `no meeting scheduling page with slug ${slug}` }, {}, 'unknown slug');
      // deliver 'none': the step only resolves the link for a later step (nothing is sent, nor claimed to be).
      if (p['deliver'] === 'none') return { portalId, mode: 'link', slug, link, sentTo: null };
      const text = (p['body'] as string).includes('{link}')
        ? (p['body'] as string).split('{link}').join(link)
        : `${p['body'] as string} ${link}`;
      const reply = await this.replyInThread({ body: text, threadId: p['threadId'], senderActorId: p['senderActorId'] }, request, target);
      return { portalId, mode: 'link', slug, link, sentTo: 'inbox', reply };
    }
    const email = contact['email'];
    if (email === undefined || email === null || email === '')
      throw new HubSpotCallError(
        400,
        { message: `contact ${target.objectId} has no email address to book a meeting with` },
        {},
        'no email address',
      );
    const startMs = Date.parse(startTime);
    const started = await beginEffect(ledger, request.tenantId, request.idempotencyKey, portalId, 'book_meeting');
    if (started.state === 'done') return started.output;
    if (started.state === 'retry') {
      const found = await scheduler.meetingsStartingAt(portalId, startMs);
      const withContact = await scheduler.meetingContacts(
        portalId,
        found.map((m) => m.id),
      );
      const mine = found.find((m) => withContact.get(m.id)?.includes(target.objectId) === true);
      if (mine !== undefined) {
        const output = {
          portalId,
          mode: 'booked',
          slug,
          contactId: target.objectId,
          meetingId: mine.id,
          start: new Date(startMs).toISOString(),
          recovered: true,
        };
        await finishEffect(ledger, request.tenantId, request.idempotencyKey, output);
        return output;
      }
    }
    const booked = await scheduler.book(portalId, {
      slug,
      email,
      firstName: contact['firstname'] ?? email.slice(0, email.indexOf('@')),
      lastName: contact['lastname'] ?? '',
      startTime: new Date(startMs).toISOString(),
      durationMs: (p['durationMinutes'] as number) * 60_000,
      timezone: p['timezone'] as string,
    });
    const output = {
      portalId,
      mode: 'booked',
      slug,
      contactId: booked.contactId ?? target.objectId,
      start: booked.start,
      end: booked.end ?? null,
      calendarEventId: booked.calendarEventId ?? null,
    };
    await finishEffect(ledger, request.tenantId, request.idempotencyKey, output);
    return output;
  }

  private async replyInThread(p: Record<string, unknown>, request: ActionRequest, target: HubSpotTarget): Promise<JsonValue> {
    const { api, ledger } = this.deps;
    const portalId = target.portalId;
    const threadId = (p['threadId'] as string | undefined) ?? (await this.deps.latestThread?.(request, portalId));
    if (threadId === undefined)
      throw new HubSpotCallError(
        400,
        { message: `profile ${request.profileId} has no HubSpot inbox thread to reply in; give the step a threadId` },
        {},
        'no thread',
      );
    const conversations = new HubSpotConversations(api);
    const text = p['body'] as string;
    const started = await beginEffect(ledger, request.tenantId, request.idempotencyKey, portalId, 'reply_in_thread');
    if (started.state === 'done') return started.output;
    const thread = await conversations.thread(portalId, threadId);
    const sender =
      (p['senderActorId'] as string | undefined) ?? (thread.assignedTo?.startsWith('A-') === true ? thread.assignedTo : undefined);
    if (sender === undefined)
      throw new HubSpotCallError(
        400,
        { message: `thread ${threadId} has no assigned agent; give the step a senderActorId (A- and a HubSpot user id)` },
        {},
        'no sender',
      );
    if (thread.originalChannelId === undefined || thread.originalChannelAccountId === undefined)
      throw new HubSpotCallError(400, { message: `thread ${threadId} has no channel to reply on` }, {}, 'no channel');
    const history = await conversations.messages(portalId, threadId);
    if (started.state === 'retry') {
      const sent = history.find(
        (m) => m.type === 'MESSAGE' && m.direction === 'OUTGOING' && m.text === text && m.senders.some((s) => s.actorId === sender),
      );
      if (sent !== undefined) {
        const output = { portalId, threadId, messageId: sent.id, recovered: true };
        await finishEffect(ledger, request.tenantId, request.idempotencyKey, output);
        return output;
      }
    }
    const lastIncoming: InboxMessage | undefined = [...history].reverse().find((m) => m.type === 'MESSAGE' && m.direction === 'INCOMING');
    const recipients = (lastIncoming?.senders ?? []).flatMap((s) =>
      s.actorId === undefined
        ? []
        : [
            {
              actorId: s.actorId,
              ...(s.deliveryIdentifier === undefined
                ? {}
                : { deliveryIdentifiers: [{ type: s.deliveryIdentifier.type, value: s.deliveryIdentifier.value }] }),
            },
          ],
    );
    const sent = await conversations.send(portalId, threadId, {
      text,
      ...(p['richText'] === undefined ? {} : { richText: p['richText'] as string }),
      senderActorId: sender,
      channelId: thread.originalChannelId,
      channelAccountId: thread.originalChannelAccountId,
      recipients,
      ...(lastIncoming?.subject === undefined
        ? {}
        : { subject: lastIncoming.subject.startsWith('Re:') ? lastIncoming.subject : `Re: ${lastIncoming.subject}` }),
    });
    const output = { portalId, threadId, messageId: sent.id };
    await finishEffect(ledger, request.tenantId, request.idempotencyKey, output);
    return output;
  }

  /**
   * Email by capability: consent first (marketing purpose), then the first route the portal allows;
   * a 403 for a route turns it off for the portal and the next route is tried in the same attempt, so
   * the person still gets the email. The output names the route taken and why the others were not.
   */
  private async email(p: EmailParams, request: ActionRequest, target: HubSpotTarget): Promise<ActionResult> {
    const { api, ledger } = this.deps;
    const routing = this.deps.email;
    const { portalId } = target;
    const { tenantId } = request;
    const contact =
      target.objectType === 'contact'
        ? (await api.batchRead(portalId, 'contact', [target.objectId], EMAIL_CONTACT_PROPERTIES))[0]
        : undefined;
    const props = contact?.properties ?? {};
    const to = p.to ?? props['email'] ?? undefined;
    if (to === undefined || to === null || to === '')
      return {
        ok: false,
        error: undeliverableError(
          'hubspot.no_email_address',
          `${target.objectType} ${target.objectId} has no email address in HubSpot portal ${portalId}`,
        ),
      };
    const bounce = await routing?.bounced?.(tenantId, request.profileId, to);
    if (bounce !== undefined)
      return {
        ok: false,
        error: undeliverableError('hubspot.email_bounced', `${bounce}; the address is marked invalid, nothing was sent`),
      };
    const caps = routing === undefined ? LEGACY_CAPABILITIES : await routing.capabilities(tenantId, portalId);
    const consentChecked: string[] = [];
    if (p.purpose === 'marketing') {
      if (String(props['hs_email_optout'] ?? '').toLowerCase() === 'true') {
        return {
          ok: false,
          error: undeliverableError(
            'hubspot.email_opted_out',
            `${to} opted out of all email in HubSpot (hs_email_optout); nothing was sent`,
          ),
        };
      }
      if (contact !== undefined) consentChecked.push('hs_email_optout');
      if (routing !== undefined && caps.preferences.available) {
        try {
          const reason = emailOptOutReason(await emailSubscriptionStatus(api, portalId, to), p.subscriptionId);
          if (reason !== null)
            return { ok: false, error: undeliverableError('hubspot.email_opted_out', `${to} is ${reason}; nothing was sent`) };
          consentChecked.push('subscription_status');
        } catch (err) {
          const refusal = routeRefusal(err);
          if (refusal === undefined) throw err;
          await routing.markOff(tenantId, portalId, 'preferences', refusal);
        }
      }
    }
    const started = await beginEffect(ledger, tenantId, request.idempotencyKey, portalId, 'email');
    if (started.state === 'done') return { ok: true, output: started.output };
    const routesTried: { route: EmailRoute; skipped?: string; refused?: string }[] = [];
    for (const route of EMAIL_ROUTES) {
      const cap = caps[route];
      if (!cap.available) {
        routesTried.push({ route, skipped: cap.reason });
        continue;
      }
      try {
        const sent = await this.sendBy(route, p, request, target, to, props);
        if ('skipped' in sent) {
          routesTried.push({ route, skipped: String(sent['skipped']) });
          continue;
        }
        const output: JsonValue = {
          portalId,
          objectType: target.objectType,
          objectId: target.objectId,
          route,
          recipient: to,
          ...sent,
          routesTried,
          consentChecked,
        };
        await finishEffect(ledger, tenantId, request.idempotencyKey, output);
        return { ok: true, output };
      } catch (err) {
        const refusal = route === 'task' ? undefined : routeRefusal(err);
        if (refusal === undefined || routing === undefined) throw err;
        await routing.markOff(tenantId, portalId, route, refusal);
        routesTried.push({ route, refused: refusal });
      }
    }
    return {
      ok: false,
      error: undeliverableError(
        'hubspot.no_email_route',
        `no email route is available in HubSpot portal ${portalId}: ${routesTried.map((r) => `${r.route}: ${r.refused ?? r.skipped ?? ''}`).join('; ')}`,
      ),
    };
  }

  /** One route; `skipped` when the step or the record lacks what this route needs. */
  private async sendBy(
    route: EmailRoute,
    p: EmailParams,
    request: ActionRequest,
    target: HubSpotTarget,
    to: string,
    props: Readonly<Record<string, string | null>>,
  ): Promise<Record<string, JsonValue>> {
    const { api } = this.deps;
    const { portalId } = target;
    const sendId = request.idempotencyKey;
    switch (route) {
      case 'transactional':
      case 'marketing': {
        if (p.templateId === undefined) return { skipped: 'the step names no templateId' };
        const body = {
          emailId: p.templateId,
          message: { to, sendId },
          ...(p.contactProperties === undefined ? {} : { contactProperties: p.contactProperties }),
          ...(p.customProperties === undefined ? {} : { customProperties: p.customProperties }),
        };
        const status = route === 'transactional' ? await transactionalSend(api, portalId, body) : await marketingSend(api, portalId, body);
        const routing = this.deps.email;
        if (routing === undefined) return { sendId, statusId: status.statusId };
        await routing.recordSend({
          tenantId: request.tenantId,
          portalId,
          idempotencyKey: request.idempotencyKey,
          profileId: request.profileId,
          contactId: target.objectId,
          runId: request.runId,
          route,
          recipient: to,
          sendId,
        });
        return { sendId, statusId: status.statusId, sendResult: status.sendResult, ...(await this.logSent(p, request, target, to)) };
      }
      case 'sequence': {
        if (p.sequenceId === undefined) return { skipped: 'the step names no sequenceId' };
        const ownerId = props['hubspot_owner_id'];
        if (ownerId === undefined || ownerId === null || ownerId === '') return { skipped: 'the record has no owner to send the sequence' };
        const owner = await recordOwner(api, portalId, ownerId);
        if (owner.userId === null || owner.email === null)
          return { skipped: `owner ${ownerId} is not a HubSpot user with an email address` };
        try {
          const r = (await api.enrollInSequence(portalId, owner.userId, {
            contactId: target.objectId,
            sequenceId: p.sequenceId,
            senderEmail: owner.email,
          })) as { id?: unknown } | undefined;
          return { sequenceId: p.sequenceId, ownerId, senderEmail: owner.email, enrollmentId: r?.id === undefined ? null : String(r.id) };
        } catch (err) {
          if (err instanceof HubSpotCallError && err.status === 409)
            return { sequenceId: p.sequenceId, ownerId, senderEmail: owner.email, alreadyEnrolled: true };
          throw err;
        }
      }
      case 'task': {
        const subject = p.subject ?? (p.templateId === undefined ? `Email ${to}` : `Send email template ${p.templateId} to ${to}`);
        const draft = [
          `To: ${to}`,
          `Subject: ${subject}`,
          '',
          p.body ?? (p.templateId === undefined ? '' : `Use the HubSpot email template ${p.templateId}.`),
        ].join('\n');
        const ownerId = props['hubspot_owner_id'];
        const task = (await this.createOnce(
          'task',
          { subject: `Email: ${subject}`.slice(0, 500), body: draft, type: 'EMAIL', priority: 'MEDIUM', ...(ownerId ? { ownerId } : {}) },
          { ...request, idempotencyKey: `${request.idempotencyKey}:task` },
          target,
        )) as Record<string, JsonValue>;
        return { taskId: task['taskId'] ?? null, ownerId: ownerId ?? null };
      }
    }
  }

  /** Logs a send on the record once (its own ledger key); a failed log is reported, the send stands. */
  private async logSent(p: EmailParams, request: ActionRequest, target: HubSpotTarget, to: string): Promise<Record<string, JsonValue>> {
    if (target.objectType !== 'contact') return { logged: false, logNote: 'only contacts get the email logged' };
    const key = `${request.idempotencyKey}:log`;
    const started = await beginEffect(this.deps.ledger, request.tenantId, key, target.portalId, 'email_log');
    if (started.state === 'done') return { logged: true, emailLogId: (started.output as { id?: JsonValue } | null)?.id ?? null };
    if (started.state === 'retry') return { logged: false, logNote: 'an earlier attempt may have logged it; not logged twice' };
    try {
      const id = await logEmail(this.deps.api, target.portalId, target.objectId, {
        subject: p.subject ?? `HubSpot email ${p.templateId ?? ''}`.trim(),
        text: p.body ?? `Sent by Baton (template ${p.templateId ?? 'none'})`,
        to,
        at: new Date(),
      });
      await finishEffect(this.deps.ledger, request.tenantId, key, { id });
      return { logged: true, emailLogId: id };
    } catch (err) {
      return { logged: false, logNote: classifyHubSpotError(err, 'email log').message };
    }
  }

  private async createOnce(
    kind: 'task' | 'note',
    p: Record<string, unknown>,
    request: ActionRequest,
    target: HubSpotTarget,
  ): Promise<JsonValue> {
    const { api, ledger } = this.deps;
    const started = await beginEffect(ledger, request.tenantId, request.idempotencyKey, target.portalId, kind);
    if (started.state === 'done') return started.output;
    if (started.state === 'retry') {
      const found = await api.searchEq(target.portalId, kind === 'task' ? 'tasks' : 'notes', IDEMPOTENCY_PROPERTY, request.idempotencyKey);
      if (found[0] !== undefined) {
        const output = { portalId: target.portalId, [`${kind}Id`]: found[0].id, recovered: true };
        await finishEffect(ledger, request.tenantId, request.idempotencyKey, output);
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
    await finishEffect(ledger, request.tenantId, request.idempotencyKey, output);
    return output;
  }
}
