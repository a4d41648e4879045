/**
 * The `message` action port (channel sms | whatsapp), vendor-neutral: the vendors' senders
 * (connectors/twilio, connectors/whatsapp, registered in MESSAGE_SENDERS) carry the message; WhatsApp
 * goes through the tenant's WhatsApp Cloud connection when it has one, otherwise through Twilio; SMS
 * through Twilio. At most one message per idempotency key: the effect ledger (vendor = the provider)
 * records each attempt; a refused attempt leaves the key reusable, an attempt whose answer was lost is reconciled
 * (where the vendor can list what it sent: Twilio) before any resend. WhatsApp free-form text only
 * within 24 hours of the person's last message; outside it only an approved template (the sender
 * refuses without one). Opted-out recipients are not sent to.
 */
import { botThreadKey } from '../../app/conversation';
import type { ActionPort, ActionRequest, ActionResult, JsonValue } from '../../app/orchestration';
import { permanentError, transientError, undeliverableError, type PortError } from '../../app/orchestration/errors';
import type { Connection, ConnectionsRepository } from '../connections/connections.repository';
import { recordMessage } from '../conversation/conversation.repository';
import type { Database } from '../db/database';
import { SqlEffectLedger } from '../effects/effect-ledger.repository';
import { profileAliases } from '../identity/profiles.repository';
import { addressKey, consentEvent } from './channel-state';
import type { Ingest } from './ingest';
import { messageParamsSchema, type MessageParams } from './message-params';
import { contactState, linkProfile, profileConsent, recordConsent, type MessagingChannel } from './messaging-state.repository';
import { profileAddresses } from './recipients';
import type { MessageSender, MessageSenders, MessagingProvider } from './senders';
import { systemClock } from '../../app/shared/clock';

export const WHATSAPP_WINDOW_MS = 24 * 60 * 60_000;
/** A claimed attempt younger than this is assumed to be in flight elsewhere. */
const IN_FLIGHT_MS = 60_000;

interface Route {
  readonly sender: MessageSender;
  readonly connection: Connection<MessagingProvider>;
}

export interface MessagePortDeps {
  readonly db: Database;
  readonly repo: ConnectionsRepository;
  readonly ingest: Ingest;
  readonly senders: MessageSenders;
  readonly now?: () => number;
}

const fail = (error: PortError): ActionResult => ({ ok: false, error });

export class MessageActionPort implements ActionPort {
  private readonly now: () => number;

  constructor(private readonly deps: MessagePortDeps) {
    this.now = deps.now ?? ((): number => systemClock.now());
  }

  /** The guard: this tenant has an active connection able to send on the requested channel. */
  async handles(request: ActionRequest): Promise<boolean> {
    const channel = request.params['channel'];
    if (channel !== 'sms' && channel !== 'whatsapp') return false;
    const providers = this.deps.senders.forChannel(channel).map((s) => s.provider);
    return providers.length > 0 && this.deps.repo.hasActive(this.deps.db, request.tenantId, providers);
  }

  private async route(tenantId: string, channel: MessagingChannel): Promise<Route | undefined> {
    for (const sender of this.deps.senders.forChannel(channel)) {
      const connection = await this.deps.repo.activeOfType(this.deps.db, tenantId, sender.provider);
      if (connection !== undefined) return { sender, connection };
    }
    return undefined;
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    const parsed = messageParamsSchema.safeParse(request.params);
    if (!parsed.success)
      return fail(
        permanentError(
          'message.invalid_params',
          `message step: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
        ),
      );
    const params = parsed.data;
    const route = await this.route(request.tenantId, params.channel);
    if (route === undefined)
      return fail(
        undeliverableError(
          'message.not_connected',
          `no active ${params.channel === 'sms' ? 'Twilio' : 'WhatsApp or Twilio'} connection for this tenant`,
        ),
      );
    const provider = route.sender.provider;
    const to = await this.recipient(request, params);
    if (to === undefined)
      return fail(
        undeliverableError(
          'message.no_recipient',
          `the profile has no ${params.channel === 'sms' ? 'phone number' : 'WhatsApp id or phone number'} to send to`,
        ),
      );
    const address = addressKey(params.channel, to);
    const key = request.idempotencyKey;
    const ledger = new SqlEffectLedger(this.deps.db);
    const claim = await ledger.reserve(
      {
        tenantId: request.tenantId,
        idempotencyKey: key,
        vendor: provider,
        kind: 'message',
        accountId: route.connection.id,
        channel: params.channel,
        recipient: address,
        profileId: request.profileId,
        runId: request.runId,
        request: { body: params.body, channel: params.channel },
      },
      { onConflict: 'reclaim-failed' },
    );
    if (!claim.fresh) {
      const row = claim.entry;
      if (row.state === 'done' && row.output !== null) {
        // A retry after the send: make sure the message is in the conversation (stored once per key).
        const mode =
          typeof row.output === 'object' && row.output !== null && !Array.isArray(row.output) && row.output['mode'] === 'template'
            ? 'template'
            : 'session';
        await this.converse(request, params, address, mode);
        return { ok: true, output: row.output };
      }
      if (row.state === 'pending' && this.now() - row.updatedAt < IN_FLIGHT_MS)
        return fail(transientError('message.in_flight', 'an attempt with this idempotency key is in flight; try again shortly'));
      // The earlier attempt may have sent the message: find it before sending again.
      if (route.sender.findSent !== undefined && row.providerRef === null) {
        const found = await route.sender.findSent(route.connection, {
          channel: params.channel,
          address,
          since: new Date(row.createdAt - 60_000),
          body: params.body,
        });
        if (!found.ok) return fail(found.error);
        if (found.value !== undefined) {
          const output = this.output(route, params.channel, address, found.value.messageId, found.value.status, 'reconciled');
          await ledger.settle(request.tenantId, key, {
            state: 'done',
            output,
            providerRef: found.value.messageId,
            deliveryStatus: found.value.status,
          });
          await this.converse(request, params, address, 'session');
          return { ok: true, output };
        }
        await ledger.rearm(request.tenantId, key);
      } else {
        return fail(
          permanentError(
            `${provider}.outcome_unknown`,
            `an earlier attempt's answer was lost and ${provider} cannot be asked whether it sent; not resending to avoid a duplicate`,
          ),
        );
      }
    }
    const state = await contactState(this.deps.db, request.tenantId, params.channel, address);
    if (state.consent === 'opted_out') {
      await ledger.settle(request.tenantId, key, { state: 'failed', errorCode: 'consent_revoked' });
      return fail(undeliverableError('message.consent_revoked', `the recipient opted out of ${params.channel} messages`));
    }
    // The person's consent from any system (a CRM's Do Not Call, an opt-out recorded elsewhere) binds
    // playbook message steps too, not only decisioning.
    const person = await profileConsent(
      this.deps.db,
      request.tenantId,
      await profileAliases(this.deps.db, request.tenantId, request.profileId),
      params.channel,
    );
    if (person?.status === 'opted_out') {
      await ledger.settle(request.tenantId, key, { state: 'failed', errorCode: 'consent_revoked' });
      return fail(
        undeliverableError(
          'message.consent_revoked',
          `the person opted out of ${params.channel} messages (a consent.updated event, e.g. a CRM's Do Not Call)`,
        ),
      );
    }
    const windowOpen =
      params.channel === 'sms' || (state.lastInboundAt !== undefined && this.now() - state.lastInboundAt < WHATSAPP_WINDOW_MS);
    const result = await route.sender.send(route.connection, { params, address, windowOpen });
    if (result.ok) {
      const output = this.output(route, params.channel, address, result.messageId, result.status, result.mode);
      await ledger.settle(request.tenantId, key, { state: 'done', output, providerRef: result.messageId, deliveryStatus: result.status });
      await this.converse(request, params, address, result.mode);
      return { ok: true, output };
    }
    await ledger.settle(
      request.tenantId,
      key,
      result.noEffect ? { state: 'failed', errorCode: result.error.code } : { state: 'unknown', errorCode: result.error.code },
    );
    if (result.optedOutCode !== undefined) {
      const at = new Date(this.now()).toISOString();
      const source = `${provider}:${result.optedOutCode}`;
      await recordConsent(this.deps.db, request.tenantId, params.channel, address, 'opted_out', at, source);
      await linkProfile(this.deps.db, request.tenantId, { channel: params.channel, address }, request.profileId);
      const phone = params.channel === 'whatsapp' ? `+${address}` : address;
      await this.deps.ingest(
        request.tenantId,
        consentEvent(provider, `${source}:${key}`, params.channel, phone, 'opted_out', at, { provider, errorCode: result.optedOutCode }),
      );
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
      tenantId: request.tenantId,
      profileId: request.profileId,
      sourceId: `step:${request.idempotencyKey}`,
      eventId: null,
      channel: params.channel,
      threadKey: botThreadKey(params.channel, address),
      speaker: 'bot',
      occurredAt: new Date(this.now()).toISOString(),
      source: 'baton',
      eventType: `${params.channel}.sent`,
      subject: null,
      text: mode === 'template' ? `[template ${template ?? 'unnamed'}]` : params.body,
      signals: null,
    });
  }

  private async recipient(request: ActionRequest, params: MessageParams): Promise<string | undefined> {
    if (params.to !== undefined) return params.to.replace(/^whatsapp:/, '');
    const a = await profileAddresses(this.deps.db, request.tenantId, request.profileId);
    if (params.channel === 'whatsapp') return a.whatsappIds[0] ?? a.phones[0];
    return a.phones[0];
  }

  /**
   * The provider accepted the message (`status` is its own: queued, sent…). Handset delivery is not
   * known yet; it arrives later through the provider's status callbacks into the effect ledger.
   */
  private output(route: Route, channel: MessagingChannel, address: string, messageId: string, status: string, mode: string): JsonValue {
    return {
      provider: route.sender.provider,
      connectionId: route.connection.id,
      channel,
      to: address,
      messageId,
      status,
      mode,
      accepted: true,
    };
  }
}
