/**
 * A local Zendesk Support API and webhook sender (reference zendesk-messaging.md §1–2): users/me,
 * users/:id, identities, users/search, tickets create (Idempotency-Key with x-idempotency-lookup)
 * and update, API-token basic auth, 429 with Retry-After on demand, paths with and without `.json`
 * (node-zendesk appends it). `deliver` signs an event-subscribed webhook like Zendesk does.
 * Driven by the real `node-zendesk` with `endpointUri` = `${url}/api/v2`.
 */
import express, { type Request, type Response } from 'express';
import { zendeskSignature } from '../../../connectors/zendesk/client/signature';
import { answer, Injections, listen, type Injected } from '../messaging-support';

export interface ZendeskUser {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'end-user' | 'agent' | 'admin';
}
export interface ZendeskIdentityRow {
  id: string;
  user_id: string;
  type: string;
  value: string;
  primary: boolean;
  verified: boolean;
}
export interface ZendeskTicketRow {
  id: string;
  subject: string;
  status: string;
  priority: string | null;
  requester_id: string;
  external_id: string | null;
  tags: string[];
  comments: { body: string; public: boolean; author_id: string }[];
  created_at: string;
  updated_at: string;
}

export interface ZendeskSandboxState {
  readonly agent: { email: string; token: string; userId: string; oauthToken: string };
  readonly users: Map<string, ZendeskUser>;
  readonly identities: Map<string, ZendeskIdentityRow[]>;
  readonly tickets: Map<string, ZendeskTicketRow>;
  /** Idempotency-Key → ticket id it created. */
  readonly idempotency: Map<string, string>;
  readonly requests: { method: string; path: string; idempotencyKey?: string }[];
  /** When set, ticket changes made through the API (and `customerTicket`) are sent to Baton as signed event webhooks. */
  webhook: { url: string; secret: string } | undefined;
  /** Webhook deliveries made automatically (status Baton answered). */
  readonly emitted: { type: string; status: number }[];
  addUser(user: Omit<ZendeskUser, 'id'> & { id?: string }, identities?: { type: string; value: string }[]): ZendeskUser;
  /** Answers the next matching requests with these responses (e.g. a 429), before the real handler. */
  inject(method: string, path: RegExp, ...responses: Injected[]): void;
}

export interface ZendeskSandbox {
  readonly url: string;
  readonly state: ZendeskSandboxState;
  /** Signs and POSTs an event-subscribed webhook envelope to `target`; returns Baton's answer. */
  deliver(
    target: string,
    secret: string,
    envelope: Record<string, unknown>,
    options?: { timestamp?: string; signature?: string },
  ): Promise<{ status: number; body: unknown }>;
  /** A customer opens a ticket (web form): stored, and announced to `state.webhook` like Zendesk would. */
  customerTicket(requesterId: string, subject: string, body: string, priority?: string): Promise<ZendeskTicketRow>;
  /** Waits until every automatic webhook delivery so far has been answered. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

let seq = 9_000_000;
const nextId = (): string => String(++seq);

export async function startZendeskSandbox(options: { port?: number; email?: string; token?: string } = {}): Promise<ZendeskSandbox> {
  const injections = new Injections();
  const agentId = nextId();
  const state: ZendeskSandboxState = {
    agent: {
      email: options.email ?? 'agent@sandbox.example',
      token: options.token ?? 'sandbox-zendesk-token',
      userId: agentId,
      oauthToken: 'sandbox-oauth-access-token',
    },
    users: new Map(),
    identities: new Map(),
    tickets: new Map(),
    idempotency: new Map(),
    webhook: undefined,
    emitted: [],
    requests: [],
    addUser(user, identities = []) {
      const id = user.id ?? nextId();
      const row: ZendeskUser = { id, name: user.name, email: user.email, phone: user.phone, role: user.role };
      this.users.set(id, row);
      const rows: ZendeskIdentityRow[] = [];
      if (row.email !== null) rows.push({ id: nextId(), user_id: id, type: 'email', value: row.email, primary: true, verified: true });
      for (const i of identities) rows.push({ id: nextId(), user_id: id, type: i.type, value: i.value, primary: false, verified: true });
      this.identities.set(id, rows);
      return row;
    },
    inject(method, path, ...responses) {
      injections.add(method, path, responses);
    },
  };
  state.users.set(agentId, { id: agentId, name: 'Sandbox Agent', email: state.agent.email, phone: null, role: 'admin' });

  async function deliverTo(
    target: string,
    secret: string,
    envelope: Record<string, unknown>,
    opts: { timestamp?: string; signature?: string } = {},
  ): Promise<{ status: number; body: unknown }> {
    const body = JSON.stringify(envelope);
    const timestamp = opts.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const res = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-signature': opts.signature ?? zendeskSignature(secret, timestamp, body),
        'x-zendesk-webhook-signature-timestamp': timestamp,
        'x-zendesk-webhook-invocation-id': nextId(),
      },
      body,
    });
    return answer(res);
  }

  const app = express();
  app.use(express.json());
  const api = express.Router();
  api.use((req, res, next) => {
    const key = req.get('idempotency-key');
    state.requests.push({ method: req.method, path: req.path, ...(key === undefined ? {} : { idempotencyKey: key }) });
    const expected = `Basic ${Buffer.from(`${state.agent.email}/token:${state.agent.token}`).toString('base64')}`;
    if (req.get('authorization') !== expected && req.get('authorization') !== `Bearer ${state.agent.oauthToken}`) {
      res.status(401).json({ error: "Couldn't authenticate you" });
      return;
    }
    if (!injections.serve(req, res)) next();
  });
  // node-zendesk appends `.json` to most paths; accept both forms.
  const p = (path: string): string[] => [`${path}.json`, path];
  const userJson = (u: ZendeskUser) => ({ ...u, id: Number(u.id), url: `/api/v2/users/${u.id}.json` });
  const ticketJson = (t: ZendeskTicketRow) => ({
    id: Number(t.id),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    requester_id: Number(t.requester_id),
    external_id: t.external_id,
    tags: t.tags,
    created_at: t.created_at,
    updated_at: t.updated_at,
  });
  const notFound = (res: Response): void => void res.status(404).json({ error: 'RecordNotFound', description: 'Not found' });
  const pending: Promise<unknown>[] = [];
  let eventSeq = 0;
  /** Sends a ticket event the way an event-subscribed Zendesk webhook does (detail = current ticket state). */
  const emit = (type: string, t: ZendeskTicketRow, event: Record<string, unknown> = {}): void => {
    const hook = state.webhook;
    if (hook === undefined) return;
    const envelope = {
      account_id: 1,
      id: `01SANDBOX${String(++eventSeq).padStart(12, '0')}`,
      type: `zen:event-type:ticket.${type}`,
      subject: `zen:ticket:${t.id}`,
      time: new Date().toISOString(),
      zendesk_event_version: '2022-11-06',
      detail: {
        id: t.id,
        requester_id: t.requester_id,
        status: t.status.toUpperCase(),
        priority: t.priority?.toUpperCase() ?? null,
        subject: t.subject,
        created_at: t.created_at,
        updated_at: t.updated_at,
        via: { channel: 'web' },
      },
      event,
    };
    pending.push(
      deliverTo(hook.url, hook.secret, envelope).then(
        (r) => state.emitted.push({ type, status: r.status }),
        () => state.emitted.push({ type, status: 0 }),
      ),
    );
  };

  api.get(p('/users/me'), (_req, res) => void res.json({ user: userJson(state.users.get(agentId) as ZendeskUser) }));
  api.get(p('/users/search'), (req: Request, res) => {
    const q = String(req.query['query'] ?? '')
      .replace(/^email:/, '')
      .toLowerCase();
    const users = [...state.users.values()].filter((u) => u.email?.toLowerCase() === q || u.phone === q);
    res.json({ users: users.map(userJson), next_page: null, count: users.length });
  });
  api.get(p('/users/:id/identities'), (req, res) => {
    const rows = state.identities.get(String(req.params['id']));
    if (rows === undefined) return notFound(res);
    res.json({
      identities: rows.map((r) => ({ ...r, id: Number(r.id), user_id: Number(r.user_id) })),
      next_page: null,
      count: rows.length,
    });
  });
  api.get(p('/users/:id'), (req, res) => {
    const u = state.users.get(String(req.params['id']));
    if (u === undefined) return notFound(res);
    res.json({ user: userJson(u) });
  });
  api.post(p('/tickets'), (req, res) => {
    const key = req.get('idempotency-key');
    if (key !== undefined && state.idempotency.has(key)) {
      const t = state.tickets.get(state.idempotency.get(key) ?? '') as ZendeskTicketRow;
      res
        .status(201)
        .set('x-idempotency-lookup', 'hit')
        .json({ ticket: ticketJson(t) });
      return;
    }
    const body = (req.body as { ticket?: Record<string, unknown> }).ticket;
    if (
      body === undefined ||
      typeof body['subject'] !== 'string' ||
      typeof (body['comment'] as { body?: unknown } | undefined)?.body !== 'string'
    ) {
      res.status(422).json({
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { base: [{ description: 'subject and comment.body are required' }] },
      });
      return;
    }
    let requesterId = body['requester_id'] === undefined ? undefined : String(body['requester_id']);
    const requester = body['requester'] as { email?: string; name?: string } | undefined;
    if (requesterId === undefined && requester?.email !== undefined) {
      const existing = [...state.users.values()].find((u) => u.email?.toLowerCase() === requester.email?.toLowerCase());
      requesterId =
        existing?.id ??
        state.addUser({ name: requester.name ?? requester.email, email: requester.email, phone: null, role: 'end-user' }).id;
    }
    if (requesterId === undefined || !state.users.has(requesterId)) {
      res.status(422).json({ error: 'RecordInvalid', description: 'Requester is invalid' });
      return;
    }
    const now = new Date().toISOString();
    const comment = body['comment'] as { body: string; public?: boolean };
    const t: ZendeskTicketRow = {
      id: nextId(),
      subject: body['subject'],
      status: 'new',
      priority: typeof body['priority'] === 'string' ? body['priority'] : null,
      requester_id: requesterId,
      external_id: typeof body['external_id'] === 'string' ? body['external_id'] : null,
      tags: Array.isArray(body['tags']) ? (body['tags'] as string[]) : [],
      comments: [{ body: comment.body, public: comment.public !== false, author_id: agentId }],
      created_at: now,
      updated_at: now,
    };
    state.tickets.set(t.id, t);
    if (key !== undefined) state.idempotency.set(key, t.id);
    emit('created', t);
    res
      .status(201)
      .set('x-idempotency-lookup', 'miss')
      .json({ ticket: ticketJson(t) });
  });
  api.get(p('/tickets/:id'), (req, res) => {
    const t = state.tickets.get(String(req.params['id']));
    if (t === undefined) return notFound(res);
    res.json({ ticket: ticketJson(t) });
  });
  api.put(p('/tickets/:id'), (req, res) => {
    const t = state.tickets.get(String(req.params['id']));
    if (t === undefined) return notFound(res);
    const body =
      (req.body as { ticket?: { comment?: { body: string; public?: boolean }; status?: string; priority?: string } }).ticket ?? {};
    if (t.status === 'closed') {
      res.status(422).json({ error: 'RecordInvalid', description: 'Status: closed prevents ticket update' });
      return;
    }
    const before = { status: t.status, priority: t.priority };
    if (body.comment !== undefined) t.comments.push({ body: body.comment.body, public: body.comment.public !== false, author_id: agentId });
    if (body.status !== undefined) t.status = body.status;
    if (body.priority !== undefined) t.priority = body.priority;
    t.updated_at = new Date().toISOString();
    if (body.comment !== undefined)
      emit('comment_added', t, {
        comment: { body: body.comment.body, is_public: body.comment.public !== false, author: { id: agentId, is_staff: true } },
      });
    if (t.status !== before.status) emit('status_changed', t, { previous: before.status.toUpperCase(), current: t.status.toUpperCase() });
    if (t.priority !== before.priority)
      emit('priority_changed', t, { previous: before.priority?.toUpperCase() ?? null, current: t.priority?.toUpperCase() ?? null });
    res.json({ ticket: ticketJson(t), audit: { id: Number(nextId()), ticket_id: Number(t.id) } });
  });
  app.use('/api/v2', api);

  const { url, close } = await listen(app, options.port);
  return {
    url,
    state,
    deliver: (target, secret, envelope, opts = {}) => deliverTo(target, secret, envelope, opts),
    async customerTicket(requesterId, subject, body, priority) {
      const now = new Date().toISOString();
      const t: ZendeskTicketRow = {
        id: nextId(),
        subject,
        status: 'new',
        priority: priority ?? 'normal',
        requester_id: requesterId,
        external_id: null,
        tags: [],
        comments: [{ body, public: true, author_id: requesterId }],
        created_at: now,
        updated_at: now,
      };
      state.tickets.set(t.id, t);
      emit('created', t);
      emit('comment_added', t, { comment: { body, is_public: true, author: { id: requesterId, is_staff: false } } });
      await Promise.allSettled(pending);
      return t;
    },
    async flush() {
      await Promise.allSettled(pending);
    },
    close,
  };
}
