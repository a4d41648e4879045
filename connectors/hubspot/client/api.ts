/**
 * The handful of HubSpot endpoints Baton uses, behind one adapter over `@hubspot/api-client`
 * (basePath configurable for the sandbox; the SDK's own retries and limiter are OFF — the run engine is
 * the only retrying layer and the per-portal budget is ours). Every call first takes a token from the
 * portal's rate gate and has a deadline (`timeoutMs`, default 10 s): the SDK's transport takes no abort
 * signal, so the adapter stops waiting and raises HubSpotTimeoutError (classified transient). Endpoints
 * the SDK lacks (single-send, sequences, external-install) go through `apiRequest`, which uses the same
 * basePath and auth. OAuth uses HubSpot's date-versioned `/oauth/2026-03/token` (the SDK still calls
 * `/oauth/v1/token`, removed 2027-02-16) with a fetch bounded by AbortSignal.timeout.
 */
import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { HubSpotCallError, HubSpotThrottledError, HubSpotTimeoutError } from './errors';

export type RateBucket = 'general' | 'search';

/** Per-portal budget shared by every process (110 requests / 10 s, search 5 / s). */
export interface RateGate {
  take(portalId: string, bucket: RateBucket): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

export const openRateGate: RateGate = { take: async () => ({ ok: true }) };

/** Access tokens per portal (refreshed before expiry by the server). */
export interface TokenSource {
  accessToken(portalId: string): Promise<string>;
}

export interface CrmObject {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
}

export interface PropertyDefinition {
  readonly name: string;
  readonly label: string;
  readonly type: 'string' | 'number' | 'enumeration' | 'datetime';
  readonly fieldType: 'text' | 'textarea' | 'number' | 'select' | 'date';
  readonly hidden?: boolean;
}

export interface TokenResponse {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresInSeconds: number;
  /** The portal (`hub_id`) and granted scopes, which the 2026-03 token answer carries. */
  readonly hubId?: string;
  readonly scopes?: readonly string[];
}

/** The OAuth paths Baton calls (reference §5.2, date-versioned). */
export const OAUTH_TOKEN_PATH = '/oauth/2026-03/token';
export const OAUTH_INTROSPECT_PATH = '/oauth/2026-03/token/introspect';
export const DEFAULT_TIMEOUT_MS = 10_000;

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  expires_in: z.number().positive(),
  hub_id: z.union([z.number(), z.string()]).optional(),
  scopes: z.array(z.string()).optional(),
});
const introspectAnswer = z.looseObject({
  active: z.boolean(),
  hub_id: z.union([z.number(), z.string()]).optional(),
  scopes: z.array(z.string()).optional(),
  user: z.string().optional(),
});

/** Contacts associated with records of one type: record id → contact ids (primary first, then ascending). */
export type AssociatedContacts = ReadonlyMap<string, readonly string[]>;

/** HubSpot-defined association type ids (reference §6.3). */
export const ASSOCIATION_TYPE_IDS: Readonly<Record<'task' | 'note', Readonly<Record<string, number>>>> = {
  task: { contact: 204, company: 192, deal: 216, ticket: 230 },
  note: { contact: 202, company: 190, deal: 214, ticket: 228 },
};

const OBJECT_PATHS: Readonly<Record<string, string>> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
  ticket: 'tickets',
  contacts: 'contacts',
  companies: 'companies',
  deals: 'deals',
  tickets: 'tickets',
  '0-1': 'contacts',
  '0-2': 'companies',
  '0-3': 'deals',
  '0-5': 'tickets',
};

/** `contact`, `0-1` or `contacts` → `contacts` (undefined for types Baton does not handle). */
export const objectPathOf = (objectType: string): string | undefined => OBJECT_PATHS[objectType];

function toCallError(err: unknown): unknown {
  const e = err as { code?: unknown; body?: unknown; headers?: unknown };
  if (typeof e.code === 'number' && e.code >= 100 && e.code < 600) {
    return new HubSpotCallError(e.code, e.body, (e.headers ?? {}) as Record<string, string>, `HubSpot answered ${e.code}`);
  }
  return err;
}

async function responseError(res: Response): Promise<HubSpotCallError> {
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return new HubSpotCallError(res.status, body, headers, `HubSpot answered ${res.status}`);
}

export interface HubSpotApiOptions {
  readonly basePath: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokens: TokenSource;
  readonly gate?: RateGate;
  /** Deadline of every HubSpot call, ms (default 10 s). */
  readonly timeoutMs?: number;
}

export class HubSpotApi {
  private readonly gate: RateGate;
  private readonly timeoutMs: number;

  constructor(private readonly options: HubSpotApiOptions) {
    this.gate = options.gate ?? openRateGate;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Stops waiting for `work` after the deadline (the SDK's fetch cannot be aborted from outside). */
  private async bounded<T>(what: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new HubSpotTimeoutError(what, this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([work(), deadline]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private sdk(accessToken?: string): Client {
    // A fresh client per call: no shared mutable token across tenants (reference §9, stale tokens).
    return new Client({
      basePath: this.options.basePath,
      numberOfApiCallRetries: 0,
      ...(accessToken === undefined ? {} : { accessToken }),
    });
  }

  private async call<T>(portalId: string, bucket: RateBucket, fn: (client: Client) => Promise<T>): Promise<T> {
    const admitted = await this.gate.take(portalId, bucket);
    if (!admitted.ok) throw new HubSpotThrottledError(admitted.retryAfterMs, bucket);
    const token = await this.options.tokens.accessToken(portalId);
    try {
      return await this.bounded('HubSpot API call', () => fn(this.sdk(token)));
    } catch (err) {
      throw toCallError(err);
    }
  }

  /** One call to an endpoint the SDK lacks (same gate, token, deadline and error mapping). */
  async raw(portalId: string, request: { method: string; path: string; body?: unknown; qs?: Record<string, string> }): Promise<unknown> {
    return this.call(portalId, 'general', async (client) => {
      const res = await client.apiRequest({
        method: request.method,
        path: request.path,
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.qs === undefined ? {} : { qs: request.qs }),
      });
      if (!res.ok) throw await responseError(res);
      const text = await res.text();
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    });
  }

  // ---- OAuth (no portal token; client credentials in the form body) ----

  /** POSTs a form to an OAuth endpoint with a deadline that aborts the request. */
  private async oauthForm(path: string, form: Record<string, string>): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.options.basePath}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ ...form, client_id: this.options.clientId, client_secret: this.options.clientSecret }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new HubSpotTimeoutError(`OAuth ${path}`, this.timeoutMs);
      throw err;
    }
    if (!res.ok) throw await responseError(res);
    return (await res.json()) as unknown;
  }

  private async tokenGrant(form: Record<string, string>): Promise<TokenResponse> {
    const parsed = tokenAnswer.safeParse(await this.oauthForm(OAUTH_TOKEN_PATH, form));
    if (!parsed.success)
      throw new HubSpotCallError(
        502,
        { message: `unexpected token answer: ${parsed.error.issues[0]?.message ?? 'invalid'}` },
        {},
        'unexpected token answer',
      );
    const t = parsed.data;
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? '',
      expiresInSeconds: t.expires_in,
      ...(t.hub_id === undefined ? {} : { hubId: String(t.hub_id) }),
      ...(t.scopes === undefined ? {} : { scopes: t.scopes }),
    };
  }

  async exchangeCode(code: string, redirectUri: string): Promise<TokenResponse> {
    return this.tokenGrant({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  }

  /** An empty `refreshToken` in the answer means HubSpot kept the current one. */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    return this.tokenGrant({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** Token metadata through introspection: the portal (hub) the token belongs to, and its scopes. */
  async tokenInfo(accessToken: string): Promise<{ hubId: string; scopes: string[]; user: string | undefined }> {
    const parsed = introspectAnswer.safeParse(
      await this.oauthForm(OAUTH_INTROSPECT_PATH, { token: accessToken, token_type_hint: 'access_token' }),
    );
    if (!parsed.success || !parsed.data.active || parsed.data.hub_id === undefined)
      throw new HubSpotCallError(401, { message: 'the access token is not active' }, {}, 'inactive access token');
    return { hubId: String(parsed.data.hub_id), scopes: parsed.data.scopes ?? [], user: parsed.data.user };
  }

  // ---- CRM ----

  async batchRead(portalId: string, objectType: string, ids: readonly string[], properties: readonly string[]): Promise<CrmObject[]> {
    const path = requirePath(objectType);
    const r = await this.call(portalId, 'general', (c) =>
      c.crm.objects.batchApi.read(path, { inputs: ids.map((id) => ({ id })), properties: [...properties], propertiesWithHistory: [] }),
    );
    return r.results.map((o) => ({ id: o.id, properties: o.properties }));
  }

  /**
   * The contacts associated with each record (v4 associations batch read, ≤ 100 ids per call).
   * Records without contacts are absent from the map.
   */
  async associatedContacts(portalId: string, objectType: string, ids: readonly string[]): Promise<AssociatedContacts> {
    const path = requirePath(objectType);
    const out = new Map<string, string[]>();
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const r = await this.call(portalId, 'general', (c) =>
        c.crm.associations.v4.batchApi.getPage(path, 'contacts', { inputs: chunk.map((id) => ({ id })) }),
      );
      for (const result of r.results) {
        // The primary contact first (labelled "Primary", or company→contact type 2), then by id: a stable choice.
        const primary = (t: (typeof result.to)[number]): number =>
          t.associationTypes.some((a) => a.label === 'Primary' || (path === 'companies' && a.typeId === 2)) ? 0 : 1;
        const contacts = [...result.to]
          .sort((a, b) => primary(a) - primary(b) || Number(a.toObjectId) - Number(b.toObjectId))
          .map((t) => String(t.toObjectId));
        if (contacts.length > 0) out.set(String(result._from.id), contacts);
      }
    }
    return out;
  }

  async updateObject(portalId: string, objectType: string, id: string, properties: Record<string, string>): Promise<CrmObject> {
    const path = requirePath(objectType);
    const o = await this.call(portalId, 'general', (c) => c.crm.objects.basicApi.update(path, id, { properties }));
    return { id: o.id, properties: o.properties };
  }

  /** Up to 100 updates in one call (reference §6.1). */
  async batchUpdate(
    portalId: string,
    objectType: string,
    inputs: readonly { id: string; properties: Record<string, string> }[],
  ): Promise<CrmObject[]> {
    const path = requirePath(objectType);
    const r = await this.call(portalId, 'general', (c) =>
      c.crm.objects.batchApi.update(path, { inputs: inputs.map((i) => ({ id: i.id, properties: i.properties })) }),
    );
    return r.results.map((o) => ({ id: o.id, properties: o.properties }));
  }

  /** Objects whose `property` equals `value` (search API, its own 5/s budget). */
  async searchEq(portalId: string, objectType: 'tasks' | 'notes' | 'contacts', property: string, value: string): Promise<CrmObject[]> {
    const r = await this.call(portalId, 'search', (c) =>
      c.crm.objects.searchApi.doSearch(objectType, {
        filterGroups: [{ filters: [{ propertyName: property, operator: 'EQ' as never, value }] }],
        properties: [property],
        limit: 10,
        after: undefined as never,
        sorts: [],
      }),
    );
    return r.results.map((o) => ({ id: o.id, properties: o.properties }));
  }

  /** A task or note associated to one record (HubSpot-defined association types). */
  async createEngagement(
    portalId: string,
    kind: 'task' | 'note',
    properties: Record<string, string>,
    to: { objectType: string; id: string },
  ): Promise<CrmObject> {
    const typeId = ASSOCIATION_TYPE_IDS[kind][to.objectType];
    const associations =
      typeId === undefined
        ? []
        : [{ to: { id: to.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: typeId }] }];
    const o = await this.call(portalId, 'general', (c) =>
      kind === 'task'
        ? c.crm.objects.tasks.basicApi.create({ properties, associations })
        : c.crm.objects.notes.basicApi.create({ properties, associations }),
    );
    return { id: o.id, properties: o.properties };
  }

  /** Creates the app's property group and properties on one object type; existing ones are left alone (409). */
  async ensureProperties(
    portalId: string,
    objectType: string,
    group: { name: string; label: string },
    properties: readonly PropertyDefinition[],
  ): Promise<{ created: string[] }> {
    const created: string[] = [];
    const ignoreConflict = async (fn: () => Promise<unknown>, name: string): Promise<void> => {
      try {
        await fn();
        created.push(name);
      } catch (err) {
        if (!(err instanceof HubSpotCallError && err.status === 409)) throw err;
      }
    };
    await ignoreConflict(
      () =>
        this.call(portalId, 'general', (c) =>
          c.crm.properties.groupsApi.create(objectType, { name: group.name, label: group.label, displayOrder: -1 }),
        ),
      `group:${group.name}`,
    );
    for (const p of properties) {
      await ignoreConflict(
        () =>
          this.call(portalId, 'general', (c) =>
            c.crm.properties.coreApi.create(objectType, { ...p, groupName: group.name, hidden: p.hidden ?? false } as never),
          ),
        p.name,
      );
    }
    return { created };
  }

  // ---- Automation, marketing, install ----

  async completeCallback(portalId: string, callbackId: string, outputFields: Record<string, string>): Promise<void> {
    await this.call(portalId, 'general', (c) => c.automation.actions.callbacksApi.complete(callbackId, { outputFields } as never));
  }

  async singleSend(
    portalId: string,
    body: {
      emailId: number;
      message: { to: string; sendId: string };
      contactProperties?: Record<string, string>;
      customProperties?: Record<string, string>;
    },
  ): Promise<unknown> {
    return this.raw(portalId, { method: 'POST', path: '/marketing/v4/email/single-send', body });
  }

  async enrollInSequence(
    portalId: string,
    userId: string,
    body: { contactId: string; sequenceId: string; senderEmail: string },
  ): Promise<unknown> {
    return this.raw(portalId, { method: 'POST', path: '/automation/v4/sequences/enrollments', qs: { userId }, body });
  }

  /**
   * A JSON call to an endpoint the SDK lacks (conversations, scheduler: connectors/hubspot/client/conversations.ts,
   * scheduler.ts), with the same gate, token, deadline and error classification as every other call.
   */
  async request(
    portalId: string,
    request: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string; body?: unknown; qs?: Record<string, string> },
  ): Promise<unknown> {
    return this.raw(portalId, request);
  }

  /** Uninstalls the app from the portal (certification requirement for disconnects). */
  async deleteExternalInstall(portalId: string): Promise<void> {
    await this.raw(portalId, { method: 'DELETE', path: '/appinstalls/v3/external-install' });
  }
}

function requirePath(objectType: string): string {
  const path = objectPathOf(objectType);
  if (path === undefined)
    throw new HubSpotCallError(400, { message: `unsupported object type ${objectType}` }, {}, `unsupported object type ${objectType}`);
  return path;
}
