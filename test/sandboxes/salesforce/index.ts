/**
 * A local Salesforce org for tests and the demo: OAuth 2.0 web-server flow with PKCE and refresh-token
 * rotation, the identity URL, REST (sObject rows, upsert by external id, SOQL, sObject Collections,
 * Composite, limits), notes (ContentNote, ContentDocumentLink), invocable actions (`emailSimple`,
 * autolaunched Flows, `assignTargetToSalesCadence` of Sales Engagement), sObject describes and the
 * Baton package installed with namespace `baton`, without one, or not at all (its fields, Apex classes
 * and Apex REST endpoint), the Pub/Sub API (gRPC, plaintext on its own port) for Change Data Capture, the
 * `Sforce-Limit-Info` header, REST error arrays, and a client for posting Outbound Messages.
 * Wire formats follow ../shared/reference/salesforce.md. Driven through the real jsforce.
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { PubSubEndpoint } from './pubsub';
import { handleRest } from './rest';
import { SalesforceSandboxState, type SandboxOptions } from './state';

export { SalesforceSandboxState } from './state';
export { outboundMessageXml, type OutboundNotification } from './outbound';

export interface SalesforceSandbox {
  readonly url: string;
  readonly state: SalesforceSandboxState;
  /** The Pub/Sub API server (`pubsub.address` is its `host:port`, plaintext). */
  readonly pubsub: PubSubEndpoint;
  close(): Promise<void>;
}

export interface StartSalesforceSandboxOptions extends Partial<SandboxOptions> {
  readonly port?: number;
  /** Autolaunched flows that exist in the org. */
  readonly flows?: readonly string[];
  /** Names of the active Sales Engagement cadences in the org. */
  readonly cadences?: readonly string[];
  /** How long a Pub/Sub stream with nothing to deliver waits before its keepalive (real Salesforce: up to 270 s). */
  readonly pubsubKeepaliveMs?: number;
}

const VERSIONED = /^\/services\/data\/v(\d+\.\d)(\/.*)$/;

function restError(res: Response, status: number, errorCode: string, message: string): void {
  res.status(status).json([{ message, errorCode }]);
}

/** The client id from `Sforce-Call-Options: client=...` (how Baton tags its own writes). */
function callOptionsClient(req: Request): string | null {
  const header = req.get('sforce-call-options');
  const m = header === undefined ? null : /(?:^|,)\s*client=([^,\s]+)/.exec(header);
  return m?.[1] ?? null;
}

export async function startSalesforceSandbox(options: StartSalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const state = new SalesforceSandboxState({
    clientId: options.clientId ?? 'sandbox-client-id',
    clientSecret: options.clientSecret ?? 'sandbox-client-secret',
    orgId: options.orgId ?? '00D5e000000KQ2eEAG',
    userId: options.userId ?? '0055g00000XyZabAAB',
    dailyApiLimit: options.dailyApiLimit ?? 15_000,
    connectHoldMs: options.connectHoldMs ?? 1_000,
    packageNamespace: options.packageNamespace === undefined ? 'baton' : options.packageNamespace,
  });
  const flows = new Set(options.flows ?? ['Baton_Follow_Up']);
  for (const name of options.cadences ?? ['Baton Nurture']) state.addCadence(name);
  const pubsub = new PubSubEndpoint(state, options.pubsubKeepaliveMs ?? 1_000);
  await pubsub.listen();
  const app = express();
  let base = '';

  // ---- OAuth 2.0 ------------------------------------------------------------------------------
  app.get('/services/oauth2/authorize', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q['client_id'] !== state.options.clientId) {
      res.status(400).type('text/plain').send('error=invalid_client_id&error_description=client identifier invalid');
      return;
    }
    const redirect = q['redirect_uri'];
    if (redirect === undefined || q['response_type'] !== 'code') {
      res.status(400).type('text/plain').send('error=invalid_request&error_description=missing redirect_uri or response_type');
      return;
    }
    const target = new URL(redirect);
    if (q['code_challenge'] === undefined || q['code_challenge_method'] !== 'S256') {
      target.searchParams.set('error', 'invalid_request');
      target.searchParams.set('error_description', 'PKCE is required: code_challenge with code_challenge_method=S256');
    } else {
      target.searchParams.set('code', state.issueCode(q['code_challenge'], redirect));
    }
    if (q['state'] !== undefined) target.searchParams.set('state', q['state']);
    res.redirect(302, target.toString());
  });

  const tokenResponse = (accessToken: string, refreshToken: string | undefined): Record<string, unknown> => {
    const issuedAt = String(Date.now());
    const id = `${base}/id/${state.options.orgId}/${state.options.userId}`;
    return {
      access_token: accessToken,
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      signature: createHash('sha256')
        .update(id + issuedAt)
        .digest('base64'),
      scope: 'refresh_token api id',
      instance_url: state.instanceUrl ?? base,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  };

  app.post('/services/oauth2/token', express.urlencoded({ extended: false }), (req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const fail = (error: string, description: string, status = 400): void => {
      res.status(status).json({ error, error_description: description });
    };
    if (b['client_id'] !== state.options.clientId) return fail('invalid_client_id', 'client identifier invalid');
    if (b['grant_type'] === 'authorization_code') {
      if (b['client_secret'] !== state.options.clientSecret) return fail('invalid_client', 'invalid client credentials');
      const code = state.codes.get(b['code'] ?? '');
      if (code === undefined || code.used) return fail('invalid_grant', 'invalid authorization code');
      if (code.redirectUri !== b['redirect_uri']) return fail('redirect_uri_mismatch', 'redirect_uri must match configuration');
      const verifier = b['code_verifier'];
      if (verifier === undefined) return fail('invalid_grant', 'invalid code verifier');
      if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
        return fail('invalid_request', 'invalid code verifier');
      code.used = true;
      const { accessToken, refreshToken } = state.newFamily();
      res.json(tokenResponse(accessToken, refreshToken));
      return;
    }
    if (b['grant_type'] === 'refresh_token') {
      if (b['client_secret'] !== undefined && b['client_secret'] !== state.options.clientSecret)
        return fail('invalid_client', 'invalid client credentials');
      const rotated = state.rotate(b['refresh_token'] ?? '');
      if ('error' in rotated) return fail('invalid_grant', rotated.error);
      res.json(tokenResponse(rotated.accessToken, rotated.refreshToken));
      return;
    }
    fail('unsupported_grant_type', 'grant type not supported');
  });

  app.post('/services/oauth2/revoke', express.urlencoded({ extended: false }), (req, res) => {
    const token = (req.body as Record<string, string | undefined>)['token'] ?? '';
    if (state.revokeUnavailable) {
      res.status(503).type('text/plain').send('Service Unavailable');
      return;
    }
    if (!state.revoke(token)) {
      res.status(400).json({ error: 'unsupported_token_type', error_description: 'this token type is not supported' });
      return;
    }
    res.status(200).end();
  });

  const bearer = (req: Request): string => (req.get('authorization') ?? '').replace(/^(Bearer|OAuth)\s+/i, '');

  app.get('/id/:org/:user', (req, res) => {
    if (!state.tokenValid(bearer(req) || String(req.query['oauth_token'] ?? ''))) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const v = String(req.query['version'] ?? '{version}').replace(/^latest$/, '66.0');
    res.json({
      id: `${base}/id/${req.params.org}/${req.params.user}`,
      organization_id: req.params.org,
      user_id: req.params.user,
      username: 'admin@sandbox.example',
      display_name: 'Sandbox Admin',
      email: 'admin@sandbox.example',
      user_type: 'STANDARD',
      active: true,
      urls: {
        rest: `${base}/services/data/v${v}/`,
        sobjects: `${base}/services/data/v${v}/sobjects/`,
        query: `${base}/services/data/v${v}/query/`,
      },
    });
  });

  // ---- REST -----------------------------------------------------------------------------------
  app.get('/services/data', (_req, res) => {
    res.json(['64.0', '65.0', '66.0', '67.0'].map((version) => ({ label: 'v' + version, url: `/services/data/v${version}`, version })));
  });

  const authorised = (req: Request, res: Response): boolean => {
    if (!state.tokenValid(bearer(req))) {
      restError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      return false;
    }
    return true;
  };

  /** Counts one API request; answers 403 REQUEST_LIMIT_EXCEEDED past the daily allocation. */
  const counted = (res: Response): boolean => {
    state.apiUsed += 1;
    res.setHeader('Sforce-Limit-Info', `api-usage=${state.apiUsed}/${state.apiLimit}`);
    if (state.apiUsed > state.apiLimit) {
      restError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      return false;
    }
    return true;
  };

  app.use('/services/data', express.json({ limit: '5mb' }), (req, res, next) => {
    const m = VERSIONED.exec(req.baseUrl + req.path);
    if (m === null) return next();
    if (!authorised(req, res) || !counted(res)) return;
    const path = m[2] ?? '/';
    const origin =
      `com/salesforce/api/rest/${m[1] ?? ''}` + (callOptionsClient(req) === null ? '' : `;client=${callOptionsClient(req) ?? ''}`);
    state.requests.push({ method: req.method, path, client: callOptionsClient(req), body: req.body as unknown });
    const fault = state.takeFault(req.method, path);
    if (fault !== undefined && fault.afterApply !== true) {
      res.status(fault.status).json(fault.body);
      return;
    }
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]));
    let result;
    if (path === '/composite' && req.method === 'POST') {
      const body = (req.body ?? {}) as {
        allOrNone?: boolean;
        compositeRequest?: { method: string; url: string; referenceId: string; body?: unknown }[];
      };
      const subs = body.compositeRequest ?? [];
      if (subs.length > 25) {
        restError(res, 400, 'INVALID_FIELD', 'Composite requests can contain up to 25 subrequests');
        return;
      }
      const responses: { body: unknown; httpHeaders: object; httpStatusCode: number; referenceId: string }[] = [];
      const refs = new Map<string, unknown>();
      const halted = {
        body: [
          {
            errorCode: 'PROCESSING_HALTED',
            message: 'The transaction was rolled back since another operation in the same transaction failed.',
          },
        ],
        httpHeaders: {},
        httpStatusCode: 400,
      };
      // @{referenceId.field} in a subrequest's URL or body names a field of an earlier subrequest's answer.
      const resolve = (text: string): string =>
        text.replace(/@\{(\w+)\.(\w+)\}/g, (_m, ref: string, field: string) =>
          String((refs.get(ref) as Record<string, unknown> | undefined)?.[field] ?? ''),
        );
      const resolveBody = (v: unknown): unknown =>
        typeof v === 'string'
          ? resolve(v)
          : Array.isArray(v)
            ? v.map(resolveBody)
            : v !== null && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveBody(x)]))
              : v;
      const before = body.allOrNone === true ? state.snapshot() : undefined;
      let failed = false;
      for (const sub of subs) {
        if (failed && body.allOrNone === true) {
          responses.push({ ...halted, referenceId: sub.referenceId });
          continue;
        }
        const url = resolve(sub.url);
        const sm = VERSIONED.exec(url.split('?')[0] ?? '');
        const r =
          sm === null
            ? { status: 400, body: [{ errorCode: 'INVALID_URL', message: `bad url ${url}` }] }
            : handleRest(
                state,
                sub.method,
                sm[2] ?? '/',
                Object.fromEntries(new URL(url, base).searchParams),
                resolveBody(sub.body),
                origin,
                flows,
              );
        if (r.status >= 400) failed = true;
        refs.set(sub.referenceId, r.body);
        responses.push({ body: r.body, httpHeaders: {}, httpStatusCode: r.status, referenceId: sub.referenceId });
      }
      if (failed && before !== undefined) {
        // All or none: what succeeded is rolled back and answers PROCESSING_HALTED; the failure keeps its error.
        state.restore(before);
        for (const [i, r] of responses.entries()) if (r.httpStatusCode < 400) responses[i] = { ...halted, referenceId: r.referenceId };
      }
      result = { status: 200, body: { compositeResponse: responses } };
    } else {
      result = handleRest(state, req.method, path, query, req.body as unknown, origin, flows);
    }
    if (fault !== undefined) {
      res.status(fault.status).json(fault.body);
      return;
    }
    if (result.status === 204) res.status(204).end();
    else res.status(result.status).json(result.body);
  });

  // ---- Apex REST of the Baton package (the backend delivers the per-org signing secret) --------
  // A managed package's urlMapping is prefixed with its namespace: /services/apexrest/baton/secret/v1;
  // deployed without a namespace it is /services/apexrest/secret/v1.
  app.use('/services/apexrest', express.json(), (req, res) => {
    if (!authorised(req, res) || !counted(res)) return;
    const ns = state.packageNamespace;
    const expected = ns === null ? undefined : ns === '' ? '/secret/v1' : `/${ns}/secret/v1`;
    if (req.method !== 'POST' || req.path !== expected) {
      restError(res, 404, 'NOT_FOUND', `Could not find a match for URL ${req.path}`);
      return;
    }
    state.apexRest.push({ path: req.path, body: req.body as unknown });
    res.json({ ok: true });
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', (e?: Error) => (e === undefined ? resolve(s) : reject(e)));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    state,
    pubsub,
    async close() {
      await pubsub.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
