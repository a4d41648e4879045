/**
 * WhatsApp Cloud API sending (Graph API over fetch; Meta ships no official Node SDK for it). Text
 * inside the 24-hour customer-service window, approved templates outside it. Graph errors are
 * classified by code: 131047 (re-engagement: template required), 130429/131056 (throughput/pair rate),
 * 190 (token), 131000/131016 (Meta unavailable).
 */
import { z } from 'zod';
import { authError, permanentError, rateLimited, transientError, type PortError } from '../../../app/orchestration/errors';
import { classifyHttpStatus, joinUrl, networkError, parseRetryAfter, provesNoEffect } from '../../shared/http-errors';

export const GRAPH_VERSION = 'v21.0';
export const WHATSAPP_REENGAGEMENT = 131047;

export interface WhatsAppCredentials {
  readonly phoneNumberId: string;
  readonly accessToken: string;
  /** Origin replacing https://graph.facebook.com (sandboxes, proxies). */
  readonly baseUrl?: string | undefined;
  readonly timeoutMs?: number;
}

export type WhatsAppResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: PortError; readonly noEffect: boolean; readonly metaCode?: number };

export interface WhatsAppTemplate {
  readonly name: string;
  readonly language: string;
  readonly components?: readonly unknown[];
}

const sendResponse = z.object({
  contacts: z.array(z.object({ input: z.string().optional(), wa_id: z.string() })).optional(),
  messages: z.array(z.object({ id: z.string() })).min(1),
});
const graphError = z.object({
  error: z.looseObject({ message: z.string().optional(), code: z.number().optional(), error_subcode: z.number().optional() }),
});

export function classifyGraphError(
  status: number,
  body: unknown,
  retryAfter: string | null,
): { error: PortError; noEffect: boolean; metaCode?: number } {
  const parsed = graphError.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : undefined;
  const message = (parsed.success ? parsed.data.error.message : undefined) ?? `HTTP ${status}`;
  const meta = code === undefined ? {} : { metaCode: code };
  if (code === WHATSAPP_REENGAGEMENT) {
    return {
      error: permanentError(
        'whatsapp.template_required',
        `whatsapp 131047: more than 24 hours since the customer last wrote; send an approved template: ${message}`,
      ),
      noEffect: true,
      ...meta,
    };
  }
  if (code === 130429 || code === 131056 || code === 80007 || code === 4)
    return {
      error: rateLimited(parseRetryAfter(retryAfter) ?? (code === 131056 ? 6_000 : 60_000), `whatsapp ${code}: ${message}`),
      noEffect: true,
      ...meta,
    };
  if (code === 190)
    return { error: authError('whatsapp.token', `whatsapp 190: access token invalid or expired: ${message}`), noEffect: true, ...meta };
  if (code === 131000 || code === 131016 || code === 2)
    return { error: transientError(`whatsapp.${code}`, `whatsapp ${code}: ${message}`), noEffect: false, ...meta };
  if (code === 131026 || code === 131050 || code === 131051 || code === 100)
    return { error: permanentError(`whatsapp.${code}`, `whatsapp ${code}: ${message}`), noEffect: true, ...meta };
  const error = classifyHttpStatus('whatsapp', status, code === undefined ? message : `${code}: ${message}`, parseRetryAfter(retryAfter));
  return {
    error: code === undefined || error.category === 'rate_limited' ? error : { ...error, code: `whatsapp.${code}` },
    noEffect: provesNoEffect(status) || status === 429,
    ...meta,
  };
}

export class WhatsAppApi {
  constructor(private readonly credentials: WhatsAppCredentials) {}

  private url(path: string): string {
    return joinUrl(this.credentials.baseUrl ?? 'https://graph.facebook.com', `${GRAPH_VERSION}/${path}`);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<WhatsAppResult<unknown>> {
    let res: Response;
    try {
      res = await fetch(this.url(path), {
        method,
        headers: {
          authorization: `Bearer ${this.credentials.accessToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.credentials.timeoutMs ?? 10_000),
      });
    } catch (err) {
      return { ok: false, error: networkError('whatsapp', err), noEffect: false };
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) return { ok: false, ...classifyGraphError(res.status, json, res.headers.get('retry-after')) };
    return { ok: true, value: json };
  }

  /** The connection test: reads the phone number the credentials are for. */
  async phoneNumber(): Promise<WhatsAppResult<{ id: string; displayPhoneNumber?: string | undefined }>> {
    const r = await this.request('GET', this.credentials.phoneNumberId);
    if (!r.ok) return r;
    const p = z.object({ id: z.string(), display_phone_number: z.string().optional() }).safeParse(r.value);
    return p.success
      ? { ok: true, value: { id: p.data.id, displayPhoneNumber: p.data.display_phone_number } }
      : { ok: false, error: permanentError('whatsapp.unexpected_response', 'whatsapp: unexpected phone number response'), noEffect: true };
  }

  /** Sends text (session message) or a template; `to` is a wa_id or E.164 number. */
  async send(
    to: string,
    content: { readonly text: string } | { readonly template: WhatsAppTemplate },
  ): Promise<WhatsAppResult<{ messageId: string; waId: string | undefined }>> {
    const body =
      'text' in content
        ? {
            messaging_product: 'whatsapp',
            recipient_type: 'individual',
            to,
            type: 'text',
            text: { preview_url: false, body: content.text },
          }
        : {
            messaging_product: 'whatsapp',
            recipient_type: 'individual',
            to,
            type: 'template',
            template: {
              name: content.template.name,
              language: { code: content.template.language },
              ...(content.template.components === undefined ? {} : { components: content.template.components }),
            },
          };
    const r = await this.request('POST', `${this.credentials.phoneNumberId}/messages`, body);
    if (!r.ok) return r;
    const p = sendResponse.safeParse(r.value);
    if (!p.success)
      return {
        ok: false,
        error: transientError('whatsapp.unexpected_response', 'whatsapp: send answered without a message id'),
        noEffect: false,
      };
    return { ok: true, value: { messageId: p.data.messages[0]?.id ?? '', waId: p.data.contacts?.[0]?.wa_id } };
  }
}
