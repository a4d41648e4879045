/**
 * How the `message` action port reaches a messaging vendor: each vendor (connectors/twilio,
 * connectors/whatsapp) registers a sender for the channels it can carry; the port picks, per step,
 * the first registered sender for the channel whose connection the tenant has active, and keeps
 * everything vendor-neutral (the effect ledger, consent, the 24-hour window, the conversation).
 */
import { permanentError, type PortError } from '../../app/orchestration/errors';
import type { Connection } from '../connections/connections.repository';
import { serviceKey } from '../services';
import type { MessageParams } from './message-params';
import type { MessagingChannel } from './messaging-state.repository';

export type MessagingProvider = 'twilio' | 'whatsapp';

/** One message to send: the step's parameters, the recipient's address key, and whether free-form text may go (the WhatsApp window). */
export interface OutgoingMessage {
  readonly params: MessageParams;
  readonly address: string;
  readonly windowOpen: boolean;
}

export type SendOutcome =
  | { readonly ok: true; readonly messageId: string; readonly status: string; readonly mode: 'session' | 'template' }
  | {
      readonly ok: false;
      readonly error: PortError;
      /** Nothing was sent: the key may be used again. */
      readonly noEffect: boolean;
      /** The vendor refused because the recipient opted out (its error code, e.g. Twilio 21610): the port records the consent change. */
      readonly optedOutCode?: string;
    };

export type FindOutcome =
  | { readonly ok: true; readonly value: { readonly messageId: string; readonly status: string } | undefined }
  | { readonly ok: false; readonly error: PortError };

export interface MessageSender<P extends MessagingProvider = MessagingProvider> {
  readonly provider: P;
  /** Channels it carries, with the one it is preferred for: for WhatsApp a WhatsApp Cloud connection is used before Twilio. */
  readonly channels: readonly MessagingChannel[];
  /** Lower goes first among senders carrying the same channel. */
  readonly priority: number;
  send(connection: Connection<P>, message: OutgoingMessage): Promise<SendOutcome>;
  /** Whether a message like this one was sent since `since` (an attempt whose answer was lost); without it such an attempt is not repeated. */
  findSent?(
    connection: Connection<P>,
    query: { channel: MessagingChannel; address: string; since: Date; body: string },
  ): Promise<FindOutcome>;
}

/** The senders registered by the messaging vendors, in preference order per channel. */
export class MessageSenders {
  private readonly all: MessageSender[] = [];

  register<P extends MessagingProvider>(sender: MessageSender<P>): void {
    if (this.all.some((s) => s.provider === sender.provider)) throw new Error(`a ${sender.provider} message sender is already registered`);
    this.all.push(sender);
    this.all.sort((a, b) => a.priority - b.priority);
  }

  /** The senders able to carry `channel`, preferred first. */
  forChannel(channel: MessagingChannel): readonly MessageSender[] {
    return this.all.filter((s) => s.channels.includes(channel));
  }

  get(provider: MessagingProvider): MessageSender | undefined {
    return this.all.find((s) => s.provider === provider);
  }
}

/** Provided by the messaging module; the Twilio and WhatsApp modules register their senders in it. */
export const MESSAGE_SENDERS = serviceKey<MessageSenders>('messaging.senders');

/** Outside the WhatsApp window a step must name an approved template. */
export const templateRequired = (): SendOutcome => ({
  ok: false,
  noEffect: true,
  error: permanentError(
    'message.template_required',
    'more than 24 hours since the person last wrote on WhatsApp: only an approved template may be sent, and this step names none (template / contentSid)',
  ),
});
