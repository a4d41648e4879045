/**
 * The `message` action port (channel sms | whatsapp): WhatsApp through the tenant's WhatsApp Cloud
 * connection when it has one, otherwise through Twilio; SMS through Twilio. At most one message per
 * idempotency key: the ledger (messaging_effects) records each attempt; a refused attempt leaves the
 * key reusable, an attempt whose answer was lost is reconciled (Twilio: the message list) before any
 * resend. WhatsApp free-form text only within 24 hours of the person's last message; outside it only
 * an approved template (Twilio ContentSid / Cloud template name). Opted-out recipients are not sent to.
 */
import { z } from 'zod';
import { botThreadKey } from '../../app/conversation';
import type { ActionPort, ActionRequest, ActionResult, JsonValue } from '../../app/orchestration';
import { permanentError, transientError, undeliverableError, type PortError } from '../../app/orchestration/errors';
import type { TwilioResult } from '../../connectors/twilio/api';
import type { WhatsAppResult } from '../../connectors/whatsapp/api';
import { twilioApiOf, whatsappApiOf } from '../connections/connection-test';
import type { Connection, ConnectionsRepository } from '../connections/connections.repository';
import type { TwilioConfig, WhatsAppConfig } from '../connections/connection-config';
import { recordMessage } from '../conversation/conversation.repository';
import type { Database } from '../db/database';
import type { Ingest } from './ingest';
import { profileAliases } from '../identity/profiles.repository';
import { claimEffect, contactState, finishEffect, linkProfile, profileConsent, rearmEffect, recordConsent, type MessagingChannel } from './messaging-state.repository';
import { profileAddresses } from './recipients';
import { addressKey, consentEvent } from './twilio.routes';

/**
 * WhatsApp template language codes for an ISO 639-1 language: the bare code where WhatsApp has one
 * ("es", "fr", "de"), its documented default locale where it has only regional ones (English en_US,
 * Portuguese pt_BR); en_US when the language is unknown.
 */
export function whatsAppLanguage(language: string | undefined): string {
  if (language === undefined || language === 'en') return 'en_US';
  if (language === 'pt') return 'pt_BR';
  return language;
}

export const WHATSAPP_WINDOW_MS = 24 * 60 * 60_000;
/** A claimed attempt younger than this is assumed to be in flight elsewhere. */
const IN_FLIGHT_MS = 60_000;

const templateSchema = z.union([
  z.string().trim().min(1).max(512),
  z.looseObject({
    name: z.string().trim().min(1).max(512),
    language: z.string().trim().min(2).max(35).optional(),
    contentSid: z.string().trim().regex(/^HX[0-9a-fA-F]{32}$/).optional(),
    variables: z.record(z.string(), z.string()).optional(),
    components: z.array(z.unknown()).optional(),
  }),
]);

export const messageParamsSchema = z.looseObject({
  channel: z.enum(['sms', 'whatsapp'], { error: 'channel must be sms or whatsapp' }),
  body: z.string().trim().min(1, 'body must not be empty').max(1600, 'body must be at most 1,600 characters'),
  to: z.string().trim().min(3).max(40).optional(),
  template: templateSchema.optional(),
  contentSid: z.string().trim().regex(/^HX[0-9a-fA-F]{32}$/, 'contentSid must be HX followed by 32 hex characters').optional(),
  contentVariables: z.record(z.string(), z.string()).optional(),
  mediaUrl: z.array(z.string().url()).max(10).optional(),
  /** ISO 639-1 language the text was chosen in (set by localized steps). */
  language: z.string().regex(/^[a-z]{2}$/, 'language must be an ISO 639-1 code such as "es"').optional(),
});
type MessageParams = z.infer<typeof messageParamsSchema>;

type Route = { provider: 'twilio'; connection: Connection<'twilio'> } | { provider: 'whatsapp'; connection: Connection<'whatsapp'> };

export interface MessagePortDeps {
  readonly db: Database;
  readonly repo: ConnectionsRepository;
  readonly ingest: Ingest;
  readonly publicUrl: string;
  readonly now?: () => number;
}

const fail = (error: PortError): ActionResult => ({ ok: false, error });

export class MessageActionPort implements ActionPort {
  private readonly now: () => number;

  constructor(private readonly deps: MessagePortDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The guard: this tenant has an active connection able to send on the requested channel. */
  async handles(request: ActionRequest): Promise<boolean> {
    const channel = request.params['channel'];
    if (channel === 'sms') return this.deps.repo.hasActive(this.deps.db, request.tenantId, ['twilio']);
    if (channel === 'whatsapp') return this.deps.repo.hasActive(this.deps.db, request.tenantId, ['whatsapp', 'twilio']);
    return false;
  }

  private async route(tenantId: string, channel: MessagingChannel): Promise<Route | undefined> {
    if (channel === 'whatsapp') {
      const cloud = await this.deps.repo.activeOfType(this.deps.db, tenantId, 'whatsapp');
      if (cloud !== undefined) return { provider: 'whatsapp', connection: cloud };
    }
    const twilio = await this.deps.repo.activeOfType(this.deps.db, tenantId, 'twilio');
    return twilio === undefined ? undefined : { provider: 'twilio', connection: twilio };
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    const parsed = messageParamsSchema.safeParse(request.params);
    if (!parsed.success) return fail(permanentError('message.invalid_params', `message step: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`));
    const params = parsed.data;
    const route = await this.route(request.tenantId, params.channel);
    if (route === undefined) return fail(undeliverableError('message.not_connected', `no active ${params.channel === 'sms' ? 'Twilio' : 'WhatsApp or Twilio'} connection for this tenant`));
    const to = await this.recipient(request, params);
    if (to === undefined) return fail(undeliverableError('message.no_recipient', `the profile has no ${params.channel === 'sms' ? 'phone number' : 'WhatsApp id or phone number'} to send to`));
    const address = addressKey(params.channel, to);
    const key = request.idempotencyKey;
    const claim = await claimEffect(this.deps.db, {
      tenantId: request.tenantId, idempotencyKey: key, kind: 'message', connectionId: route.connection.id, provider: route.provider,
      channel: params.channel, recipient: address, profileId: request.profileId, runId: request.runId, request: { body: params.body, channel: params.channel },
    });
    if (!claim.fresh) {
      const row = claim.row;
      if (row.state === 'done' && row.output !== null) {
        // A retry after the send: make sure the message is in the conversation (stored once per key).
        const mode = typeof row.output === 'object' && row.output !== null && !Array.isArray(row.output) && row.output['mode'] === 'template' ? 'template' : 'session';
        await this.converse(request, params, address, mode);
        return { ok: true, output: row.output };
      }
      if (row.state === 'pending' && this.now() - row.updatedAt < IN_FLIGHT_MS) return fail(transientError('message.in_flight', 'an attempt with this idempotency key is in flight; try again shortly'));
      // The earlier attempt may have sent the message: find it before sending again.
      if (route.provider === 'twilio' && row.providerRef === null) {
        const found = await twilioApiOf(route.connection.config).findSent(this.twilioTo(params.channel, address), undefined, new Date(row.createdAt - 60_000), this.sessionBody(params));
        if (!found.ok) return fail(found.error);
        if (found.value !== undefined) {
          const output = this.output(route, params.channel, address, found.value.sid, found.value.status, 'reconciled');
          await finishEffect(this.deps.db, request.tenantId, key, { state: 'done', output, providerRef: found.value.sid, deliveryStatus: found.value.status });
          await this.converse(request, params, address, 'session');
          return { ok: true, output };
        }
        await rearmEffect(this.deps.db, request.tenantId, key);
      } else {
        return fail(permanentError(`${route.provider}.outcome_unknown`, `an earlier attempt's answer was lost and ${route.provider} cannot be asked whether it sent; not resending to avoid a duplicate`));
      }
    }
    const state = await contactState(this.deps.db, request.tenantId, params.channel, address);
    if (state.consent === 'opted_out') {
      await finishEffect(this.deps.db, request.tenantId, key, { state: 'failed', errorCode: 'consent_revoked' });
      return fail(undeliverableError('message.consent_revoked', `the recipient opted out of ${params.channel} messages`));
    }
    // The person's consent from any system (a CRM's Do Not Call, an opt-out recorded elsewhere) binds
    // playbook message steps too, not only decisioning.
    const person = await profileConsent(this.deps.db, request.tenantId, await profileAliases(this.deps.db, request.tenantId, request.profileId), params.channel);
    if (person?.status === 'opted_out') {
      await finishEffect(this.deps.db, request.tenantId, key, { state: 'failed', errorCode: 'consent_revoked' });
      return fail(undeliverableError('message.consent_revoked', `the person opted out of ${params.channel} messages (a consent.updated event, e.g. a CRM's Do Not Call)`));
    }
    const windowOpen = params.channel === 'sms' || (state.lastInboundAt !== undefined && this.now() - state.lastInboundAt < WHATSAPP_WINDOW_MS);
    const result = route.provider === 'twilio' ? await this.sendTwilio(route.connection, params, address, windowOpen) : await this.sendCloud(route.connection, params, address, windowOpen);
    if (result.ok) {
      const output = this.output(route, params.channel, address, result.messageId, result.status, result.mode);
      await finishEffect(this.deps.db, request.tenantId, key, { state: 'done', output, providerRef: result.messageId, deliveryStatus: result.status });
      await this.converse(request, params, address, result.mode);
      return { ok: true, output };
    }
    await finishEffect(this.deps.db, request.tenantId, key, result.noEffect ? { state: 'failed', errorCode: result.error.code } : { state: 'unknown', errorCode: result.error.code });
    if (result.error.code === 'twilio.opted_out') {
      const at = new Date(this.now()).toISOString();
      await recordConsent(this.deps.db, request.tenantId, params.channel, address, 'opted_out', at, 'twilio:21610');
      await linkProfile(this.deps.db, request.tenantId, { channel: params.channel, address }, request.profileId);
      const phone = params.channel === 'whatsapp' ? `+${address}` : address;
      await this.deps.ingest(request.tenantId, consentEvent('twilio', `twilio:21610:${key}`, params.channel, phone, 'opted_out', at, { provider: 'twilio', errorCode: '21610' }));
    }
    return fail(result.error);
  }

  /**
   * The sent message joins the person's conversation as Baton's (speaker bot), once per idempotency
   * key; a template send is shown by its template name (its text is the provider's).
   */
  private async converse(request: ActionRequest, params: MessageParams, address: string, mode: string): Promise<void> {
    const template = typeof params.template === 'string' ? params.template : (params.template?.name ?? params.contentSid);
    await recordMessage(this.deps.db, {
      tenantId: request.tenantId, profileId: request.profileId, sourceId: `step:${request.idempotencyKey}`, eventId: null,
      channel: params.channel, threadKey: botThreadKey(params.channel, address), speaker: 'bot', occurredAt: new Date(this.now()).toISOString(),
      source: 'baton', eventType: `${params.channel}.sent`, subject: null,
      text: mode === 'template' ? `[template ${template ?? 'unnamed'}]` : params.body, signals: null,
    });
  }

  private async recipient(request: ActionRequest, params: MessageParams): Promise<string | undefined> {
    if (params.to !== undefined) return params.to.replace(/^whatsapp:/, '');
    const a = await profileAddresses(this.deps.db, request.tenantId, request.profileId);
    if (params.channel === 'whatsapp') return a.whatsappIds[0] ?? a.phones[0];
    return a.phones[0];
  }

  private twilioTo(channel: MessagingChannel, address: string): string {
    return channel === 'whatsapp' ? `whatsapp:+${address}` : address;
  }

  private sessionBody(params: MessageParams): string {
    return params.body;
  }

  /**
   * The provider accepted the message (`status` is its own: queued, sent…). Handset delivery is not
   * known yet; it arrives later through the provider's status callbacks into the effect ledger.
   */
  private output(route: Route, channel: MessagingChannel, address: string, messageId: string, status: string, mode: string): JsonValue {
    return { provider: route.provider, connectionId: route.connection.id, channel, to: address, messageId, status, mode, accepted: true };
  }

  private async sendTwilio(connection: Connection<'twilio'>, params: MessageParams, address: string, windowOpen: boolean): Promise<SendOutcome> {
    const config: TwilioConfig = connection.config;
    const template = typeof params.template === 'object' ? params.template : undefined;
    const contentSid = params.contentSid ?? template?.contentSid ?? (typeof params.template === 'string' && /^HX[0-9a-fA-F]{32}$/.test(params.template) ? params.template : undefined);
    const variables = params.contentVariables ?? template?.variables;
    const whatsapp = params.channel === 'whatsapp';
    const from = whatsapp ? (config.whatsappFrom === undefined ? undefined : config.whatsappFrom.startsWith('whatsapp:') ? config.whatsappFrom : `whatsapp:${config.whatsappFrom}`) : config.smsFrom;
    if (from === undefined && config.messagingServiceSid === undefined) {
      return { ok: false, noEffect: true, error: permanentError('twilio.no_sender', `the Twilio connection has no ${whatsapp ? 'whatsappFrom' : 'smsFrom'} number or messagingServiceSid`) };
    }
    const useTemplate = whatsapp && !windowOpen;
    if (useTemplate && contentSid === undefined) return templateRequired();
    const r: TwilioResult<{ sid: string; status: string }> = await twilioApiOf(config).send({
      to: this.twilioTo(params.channel, address),
      from,
      messagingServiceSid: from === undefined ? config.messagingServiceSid : undefined,
      ...(useTemplate ? { contentSid, contentVariables: variables } : { body: params.body, mediaUrl: params.mediaUrl }),
      statusCallback: `${this.deps.publicUrl}/webhooks/twilio/${connection.id}`,
    });
    return r.ok ? { ok: true, messageId: r.value.sid, status: r.value.status, mode: useTemplate ? 'template' : 'session' } : { ok: false, error: r.error, noEffect: r.noEffect };
  }

  private async sendCloud(connection: Connection<'whatsapp'>, params: MessageParams, address: string, windowOpen: boolean): Promise<SendOutcome> {
    const config: WhatsAppConfig = connection.config;
    const api = whatsappApiOf(config);
    let r: WhatsAppResult<{ messageId: string }>;
    if (windowOpen) r = await api.send(address, { text: params.body });
    else {
      const t = params.template;
      if (t === undefined) return templateRequired();
      // A template without its own language code goes out in the person's (localized steps pass `language`).
      const fallback = whatsAppLanguage(params.language);
      const template = typeof t === 'string' ? { name: t, language: fallback } : { name: t.name, language: t.language ?? fallback, ...(t.components === undefined ? {} : { components: t.components }) };
      r = await api.send(address, { template });
    }
    return r.ok ? { ok: true, messageId: r.value.messageId, status: 'accepted', mode: windowOpen ? 'session' : 'template' } : { ok: false, error: r.error, noEffect: r.noEffect };
  }
}

type SendOutcome = { ok: true; messageId: string; status: string; mode: 'session' | 'template' } | { ok: false; error: PortError; noEffect: boolean };

const templateRequired = (): SendOutcome => ({
  ok: false,
  noEffect: true,
  error: permanentError('message.template_required', 'more than 24 hours since the person last wrote on WhatsApp: only an approved template may be sent, and this step names none (template / contentSid)'),
});
