/**
 * Typed adapter over `node-zendesk` (the library's own types are loose). One short-lived client per
 * call, so per-request headers (Idempotency-Key) and the response status/Retry-After of that call
 * are captured without sharing state between concurrent calls. No retries here: the run engine is
 * the only retrying layer; failures come back classified.
 */
import { createClient } from 'node-zendesk';
import { z } from 'zod';
import type { PortError } from '../../../app/orchestration/errors';
import { classifyHttpStatus, joinUrl, networkError, parseRetryAfter, provesNoEffect } from '../../shared/http-errors';

export interface ZendeskCredentials {
  readonly subdomain: string;
  /** API-token auth (Basic `email/token:apiToken`)… */
  readonly email?: string | undefined;
  readonly apiToken?: string | undefined;
  /** …or OAuth (Bearer). */
  readonly oauthToken?: string | undefined;
  /** Site root replacing https://{subdomain}.zendesk.com (sandboxes, proxies). */
  readonly baseUrl?: string | undefined;
  readonly timeoutMs?: number;
}

export type ZendeskResult<T> =
  | { readonly ok: true; readonly value: T; readonly idempotencyLookup?: string | undefined }
  /** `noEffect`: the vendor refused before acting, so the call can be repeated without a duplicate. */
  | { readonly ok: false; readonly error: PortError; readonly noEffect: boolean };

const idString = z.union([z.string(), z.number()]).transform(String);
const userSchema = z.looseObject({
  id: idString,
  name: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  role: z.string().nullish(),
  external_id: z.string().nullish(),
});
const identitySchema = z.looseObject({
  id: idString,
  type: z.string(),
  value: z.string(),
  primary: z.boolean().nullish(),
  verified: z.boolean().nullish(),
});
const ticketSchema = z.looseObject({
  id: idString,
  status: z.string().nullish(),
  priority: z.string().nullish(),
  requester_id: idString.nullish(),
  subject: z.string().nullish(),
});

export type ZendeskUser = z.infer<typeof userSchema>;
export type ZendeskIdentity = z.infer<typeof identitySchema>;
export type ZendeskTicket = z.infer<typeof ticketSchema>;

export interface CreateTicketInput {
  readonly subject: string;
  readonly body: string;
  readonly publicComment?: boolean;
  readonly priority?: string | undefined;
  readonly requesterId?: string | undefined;
  readonly requester?: { readonly name?: string | undefined; readonly email: string } | undefined;
  readonly externalId?: string | undefined;
  readonly tags?: readonly string[] | undefined;
}

export interface UpdateTicketInput {
  readonly comment?: { readonly body: string; readonly public: boolean } | undefined;
  readonly status?: string | undefined;
  readonly priority?: string | undefined;
}

/**
 * node-zendesk types ids as numbers; they are only interpolated into URL paths and JSON bodies, so
 * passing the decimal string keeps ids beyond 2^53 exact.
 */
const asSdkId = (id: string): number => id as unknown as number;
/** The SDK's generated body types are stricter than the wire format (numeric ids, no undefined); the body is ours. */
type SdkBody = never;

interface Exchange {
  status?: number;
  retryAfter?: string | null;
  idempotencyLookup?: string | null;
}

/** The API base node-zendesk expects (`endpointUri` includes /api/v2). */
export function zendeskEndpoint(credentials: Pick<ZendeskCredentials, 'subdomain' | 'baseUrl'>): string {
  return joinUrl(credentials.baseUrl ?? `https://${credentials.subdomain}.zendesk.com`, '/api/v2');
}

export class ZendeskApi {
  constructor(private readonly credentials: ZendeskCredentials) {}

  private client(exchange: Exchange, headers: Record<string, string> = {}) {
    const timeoutMs = this.credentials.timeoutMs ?? 10_000;
    const { oauthToken } = this.credentials;
    return createClient({
      ...(oauthToken === undefined
        ? { username: this.credentials.email ?? '', token: this.credentials.apiToken ?? '' }
        : { token: oauthToken, oauth: true }),
      endpointUri: zendeskEndpoint(this.credentials),
      throwOriginalException: true,
      customHeaders: headers,
      transportConfig: {
        async transportFn(uri: string, options: { method?: string; headers?: Record<string, string>; body?: string }) {
          const res = await fetch(uri, {
            method: options.method ?? 'GET',
            ...(options.headers === undefined ? {} : { headers: options.headers }),
            ...(options.body === undefined ? {} : { body: options.body }),
            signal: AbortSignal.timeout(timeoutMs),
          });
          exchange.status = res.status;
          exchange.retryAfter = res.headers.get('retry-after');
          exchange.idempotencyLookup = res.headers.get('x-idempotency-lookup');
          return res;
        },
        responseAdapter(res: Response) {
          return {
            json: () => res.json(),
            status: res.status,
            headers: { get: (name: string) => res.headers.get(name) },
            statusText: res.statusText,
          };
        },
      },
    });
  }

  /** Runs one SDK call and turns its outcome (status captured by the transport) into a result. */
  private async call<T>(
    what: string,
    schema: z.ZodType<T>,
    fn: (client: ReturnType<ZendeskApi['client']>) => Promise<unknown>,
    headers?: Record<string, string>,
  ): Promise<ZendeskResult<T>> {
    const exchange: Exchange = {};
    let value: unknown;
    try {
      value = await fn(this.client(exchange, headers));
    } catch (err) {
      if (exchange.status === undefined) return { ok: false, error: networkError('zendesk', err), noEffect: false };
    }
    const status = exchange.status ?? 0;
    if (status >= 400 || status === 0) {
      const retryAfterMs = parseRetryAfter(exchange.retryAfter);
      return {
        ok: false,
        error: classifyHttpStatus('zendesk', status, `${what} failed`, retryAfterMs),
        noEffect: provesNoEffect(status) || status === 429,
      };
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      return {
        ok: false,
        error: { category: 'permanent', code: 'zendesk.unexpected_response', message: `zendesk: ${what}: unexpected response shape` },
        noEffect: false,
      };
    return { ok: true, value: parsed.data, idempotencyLookup: exchange.idempotencyLookup ?? undefined };
  }

  /** The authenticated user (the connection test). */
  me(): Promise<ZendeskResult<ZendeskUser>> {
    return this.call(
      'GET users/me',
      z.object({ result: userSchema }).transform((r) => r.result),
      (c) => c.users.me(),
    );
  }

  showUser(userId: string): Promise<ZendeskResult<ZendeskUser>> {
    return this.call(
      `GET users/${userId}`,
      z.object({ result: userSchema }).transform((r) => r.result),
      (c) => c.users.show(asSdkId(userId)),
    );
  }

  listIdentities(userId: string): Promise<ZendeskResult<ZendeskIdentity[]>> {
    return this.call(`GET users/${userId}/identities`, z.array(identitySchema), (c) => c.useridentities.list(asSdkId(userId)));
  }

  /** Users whose any property matches (Zendesk search syntax, e.g. `email:jane@acme.io`). */
  searchUsers(query: string): Promise<ZendeskResult<ZendeskUser[]>> {
    return this.call('GET users/search', z.array(userSchema), (c) => c.users.search({ query }));
  }

  /** Creates a ticket; Zendesk replays the original response for a repeated Idempotency-Key. */
  createTicket(input: CreateTicketInput, idempotencyKey: string): Promise<ZendeskResult<ZendeskTicket>> {
    const ticket = {
      subject: input.subject,
      comment: { body: input.body, public: input.publicComment ?? true },
      ...(input.priority === undefined ? {} : { priority: input.priority }),
      ...(input.requesterId === undefined ? {} : { requester_id: input.requesterId }),
      ...(input.requester === undefined ? {} : { requester: input.requester }),
      ...(input.externalId === undefined ? {} : { external_id: input.externalId }),
      ...(input.tags === undefined ? {} : { tags: [...input.tags] }),
    };
    return this.call(
      'POST tickets',
      z.object({ result: ticketSchema }).transform((r) => r.result),
      (c) => c.tickets.create({ ticket } as SdkBody),
      { 'Idempotency-Key': idempotencyKey },
    );
  }

  /** Adds a public or internal comment and/or changes status and priority. */
  updateTicket(ticketId: string, input: UpdateTicketInput): Promise<ZendeskResult<ZendeskTicket>> {
    const ticket = {
      ...(input.comment === undefined ? {} : { comment: { body: input.comment.body, public: input.comment.public } }),
      ...(input.status === undefined ? {} : { status: input.status }),
      ...(input.priority === undefined ? {} : { priority: input.priority }),
    };
    return this.call(
      `PUT tickets/${ticketId}`,
      z.object({ result: ticketSchema }).transform((r) => r.result),
      (c) => c.tickets.update(asSdkId(ticketId), { ticket } as SdkBody),
    );
  }
}
