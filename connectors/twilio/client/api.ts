/**
 * Sending through the real `twilio` SDK. Twilio hosts are fixed in the SDK (api.twilio.com, with
 * edge/region only changing the host name), so a custom `httpClient` (a RequestClient subclass)
 * rewrites each request's origin to `baseUrl` when one is configured (sandboxes, proxies); the SDK
 * still builds every path, form body and auth header. Automatic 429 retries stay off: the run
 * engine is the only retrying layer.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type TwilioResponse from 'twilio/lib/http/response';
import type { PortError } from '../../../app/orchestration/errors';
import { authError, permanentError } from '../../../app/orchestration/errors';
import { classifyHttpStatus, networkError, parseRetryAfter, provesNoEffect } from '../../shared/http-errors';

export interface TwilioCredentials {
  readonly accountSid: string;
  readonly authToken: string;
  /** Origin replacing https://*.twilio.com (sandboxes, proxies). */
  readonly baseUrl?: string | undefined;
  readonly timeoutMs?: number;
}

export type TwilioResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: PortError; readonly noEffect: boolean; readonly twilioCode?: number };

/** Twilio error codes with a meaning Baton acts on. */
export const TWILIO_OPTED_OUT = 21610;
export const TWILIO_TEMPLATE_REQUIRED = 63016;

export interface SendInput {
  readonly to: string;
  readonly from?: string | undefined;
  readonly messagingServiceSid?: string | undefined;
  readonly body?: string | undefined;
  readonly contentSid?: string | undefined;
  readonly contentVariables?: Readonly<Record<string, string>> | undefined;
  readonly mediaUrl?: readonly string[] | undefined;
  readonly statusCallback?: string | undefined;
}

export interface SentMessage {
  readonly sid: string;
  readonly status: string;
  readonly to: string;
  readonly from: string | null;
}

interface Captured {
  headers?: Record<string, unknown>;
}

/** A RequestClient that sends to `baseUrl` instead of Twilio's hosts and remembers the last response headers. */
class RoutedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    private readonly captured: Captured,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, autoRetry: false });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    let uri = opts.uri;
    if (this.baseUrl !== undefined) {
      const original = new URL(opts.uri);
      uri = new URL(`${original.pathname}${original.search}`, this.baseUrl).href;
    }
    const response = await super.request<TData>({ ...opts, uri });
    this.captured.headers = response.headers as Record<string, unknown>;
    return response;
  }
}

export function classifyTwilioError(err: unknown, captured: Captured): { error: PortError; noEffect: boolean; twilioCode?: number } {
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e.status !== 'number') return { error: networkError('twilio', err), noEffect: false };
  const code = typeof e.code === 'number' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : `HTTP ${e.status}`;
  const base = code === undefined ? {} : { twilioCode: code };
  if (code === TWILIO_OPTED_OUT)
    return {
      error: permanentError('twilio.opted_out', `twilio 21610: the recipient opted out of messages from this sender: ${message}`),
      noEffect: true,
      ...base,
    };
  if (code === TWILIO_TEMPLATE_REQUIRED) {
    return {
      error: permanentError(
        'twilio.template_required',
        `twilio 63016: outside the WhatsApp 24-hour window only an approved template (ContentSid) may be sent: ${message}`,
      ),
      noEffect: true,
      ...base,
    };
  }
  if (code === 20003)
    return { error: authError('twilio.auth', `twilio 20003: authentication failed: ${message}`), noEffect: true, ...base };
  const retryAfter = captured.headers?.['retry-after'];
  const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined);
  const error = classifyHttpStatus('twilio', e.status, code === undefined ? message : `${code}: ${message}`, retryAfterMs);
  return {
    error: code === undefined ? error : { ...error, code: error.category === 'rate_limited' ? error.code : `twilio.${code}` },
    noEffect: provesNoEffect(e.status) || e.status === 429,
    ...base,
  };
}

export class TwilioApi {
  constructor(private readonly credentials: TwilioCredentials) {}

  private client(captured: Captured): twilio.Twilio {
    return twilio(this.credentials.accountSid, this.credentials.authToken, {
      httpClient: new RoutedRequestClient(this.credentials.baseUrl, captured, this.credentials.timeoutMs ?? 10_000),
      autoRetry: false,
    });
  }

  private async call<T>(fn: (client: twilio.Twilio) => Promise<T>): Promise<TwilioResult<T>> {
    const captured: Captured = {};
    try {
      return { ok: true, value: await fn(this.client(captured)) };
    } catch (err) {
      return { ok: false, ...classifyTwilioError(err, captured) };
    }
  }

  /** The connection test: fetches the account the credentials belong to. */
  fetchAccount(): Promise<TwilioResult<{ sid: string; status: string; friendlyName: string }>> {
    return this.call(async (c) => {
      const a = await c.api.v2010.accounts(this.credentials.accountSid).fetch();
      return { sid: a.sid, status: a.status, friendlyName: a.friendlyName };
    });
  }

  send(input: SendInput): Promise<TwilioResult<SentMessage>> {
    return this.call(async (c) => {
      const m = await c.messages.create({
        to: input.to,
        ...(input.from === undefined ? {} : { from: input.from }),
        ...(input.messagingServiceSid === undefined ? {} : { messagingServiceSid: input.messagingServiceSid }),
        ...(input.body === undefined ? {} : { body: input.body }),
        ...(input.contentSid === undefined ? {} : { contentSid: input.contentSid }),
        ...(input.contentVariables === undefined ? {} : { contentVariables: JSON.stringify(input.contentVariables) }),
        ...(input.mediaUrl === undefined ? {} : { mediaUrl: [...input.mediaUrl] }),
        ...(input.statusCallback === undefined ? {} : { statusCallback: input.statusCallback }),
      });
      return { sid: m.sid, status: m.status, to: m.to, from: m.from ?? null };
    });
  }

  /**
   * Messages to `to` from `from` sent at or after `since` (reconciling a send whose answer was lost:
   * Twilio has no idempotency key for Messages, so the ledger looks for the message it may have created).
   */
  findSent(to: string, from: string | undefined, since: Date, body: string | undefined): Promise<TwilioResult<SentMessage | undefined>> {
    return this.call(async (c) => {
      const list = await c.messages.list({ to, ...(from === undefined ? {} : { from }), dateSentAfter: since, limit: 50 });
      const hit = list.find((m) => body === undefined || m.body === body);
      return hit === undefined ? undefined : { sid: hit.sid, status: hit.status, to: hit.to, from: hit.from ?? null };
    });
  }
}
