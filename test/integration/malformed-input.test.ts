/**
 * Malformed input never gets a 5xx (issue "Truthful execution", point 7). Random bodies, content
 * types, encodings, query strings, path parameters and headers are thrown at EVERY route the running
 * app has mounted (walked from its router stack, so a route added later is covered without touching
 * this test): API, webhooks, OAuth, card and workflow-action endpoints, the console. Each answer must
 * be below 500, and a refusal must carry the error envelope (the Salesforce Outbound Message endpoint
 * answers a SOAP fault instead, which is what Salesforce reads; the console's static files answer
 * plain text). Run once with no vendor configured (every vendor route then answers 404
 * `not_configured`) and once with every vendor configured, where part of the requests carry a VALID
 * signature so the parsing behind the signature checks is exercised too. Afterwards the service is
 * still ready and still ingests a well-formed event.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import nodePath from 'node:path';
import type { Express } from 'express';
import fc from 'fast-check';
import { signedHeaders } from '../../connectors/hubspot/client/signature';
import { twilioSignature } from '../../connectors/twilio/client/signature';
import { whatsappSignature } from '../../connectors/whatsapp/client/signature';
import { zendeskSignature } from '../../connectors/zendesk/client/signature';
import { formParams } from '../../connectors/twilio/twilio.routes';
import { createTenant } from '../../server/tenants/tenants.repository';
import { startTestService, type TestService } from '../support/runtime';

const RUNS = 300;
const PUBLIC_URL = 'https://baton.fuzz.test';
const HUBSPOT_SECRET = 'fuzz-hubspot-client-secret';
const VENDORS = {
  HUBSPOT_CLIENT_ID: 'fuzz-hubspot-client',
  HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
  HUBSPOT_APP_ID: '4242',
  SALESFORCE_CLIENT_ID: 'fuzz-salesforce-client',
  SALESFORCE_CLIENT_SECRET: 'fuzz-salesforce-secret',
  // Nothing listens there: a call that reaches "the vendor" fails at once.
  HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9',
  SALESFORCE_LOGIN_URL: 'http://127.0.0.1:9',
};
const ZENDESK_SECRET = 'fuzz-zendesk-webhook-secret';
const TWILIO_TOKEN = 'fuzz-twilio-auth-token-0123456789';
const TWILIO_SID = `AC${'0'.repeat(32)}`;
const WHATSAPP_SECRET = 'fuzz-whatsapp-app-secret';

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

interface RouteInfo {
  method: string;
  path: string;
}

/** Every (method, path) the app serves, following nested routers and their mount paths. */
function routesOf(stack: readonly Layer[], prefix = ''): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of stack) {
    if (layer.route !== undefined) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths)
        for (const method of Object.keys(layer.route.methods))
          if (method !== '_all') out.push({ method: method.toUpperCase(), path: prefix + String(p) });
    } else if (layer.handle?.stack !== undefined) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...routesOf(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

const appRoutes = (app: Express): RouteInfo[] => routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack);

type Vendor = 'hubspot' | 'zendesk' | 'twilio' | 'whatsapp' | undefined;

const vendorOf = (path: string): Vendor =>
  path.startsWith('/webhooks/hubspot') || path.startsWith('/hubspot/')
    ? 'hubspot'
    : path.startsWith('/webhooks/zendesk')
      ? 'zendesk'
      : path.startsWith('/webhooks/twilio')
        ? 'twilio'
        : path.startsWith('/webhooks/whatsapp')
          ? 'whatsapp'
          : undefined;

interface Case {
  route: RouteInfo;
  method: string | null;
  params: string[];
  query: string;
  contentType: string | null;
  encoding: string | null;
  body: Buffer | undefined;
  headers: Record<string, string>;
  auth: 'valid' | 'none' | 'other';
  sign: boolean;
}

const ascii = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });

const soap = (inner: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;

const bodies = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.object({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc
    .constantFrom(
      '{',
      '{"a":',
      '[1,2',
      'null',
      '""',
      '0',
      'true',
      '[]',
      '{}',
      '{"__proto__":{"x":1}}',
      '\u0000',
      '{"text":"a\\u0000b"}',
      '{"source":"api","type":"message.received","occurredAt":"2026-11-23T10:00:00Z","subject":{"identifiers":[{"type":"email","value":"a@b.example"}]},"text":"nul \\u0000 here"}',
      '\ufeff{}',
      'a=1&a=2&b[c]=3',
    )
    .map((s) => Buffer.from(s)),
  fc.dictionary(ascii(12), ascii(30), { maxKeys: 6 }).map((d) => Buffer.from(new URLSearchParams(d).toString())),
  fc
    .oneof(
      fc.constant(soap('')),
      fc.constant(
        soap(
          '<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>00D000000000001</OrganizationId></notifications>',
        ),
      ),
      fc.constant(
        soap(
          '<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>00D000000000001EAA</OrganizationId><Notification><Id>04l</Id><sObject xsi:type="sf:Contact" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>003</sf:Id></sObject></Notification></notifications>',
        ),
      ),
      fc.constant('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><x>&b;&b;&b;</x>'),
      fc.constant('<a><b></a>'),
      fc.constant('<'),
      ascii(100).map((s) => soap(`<notifications>${s}</notifications>`)),
    )
    .map((s) => Buffer.from(s)),
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=bogus',
  'text/xml',
  'text/xml; charset=utf-8',
  'application/soap+xml',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  'garbage',
  ';;;',
  'application/vnd.api+json',
];

function caseArb(routes: readonly RouteInfo[], ids: readonly string[]): fc.Arbitrary<Case> {
  const param = fc.oneof(
    ...(ids.length > 0 ? [fc.constantFrom(...ids)] : []),
    fc.string({ maxLength: 30 }).map(encodeURIComponent),
    fc.constantFrom('%E0%A4%A', '%zz', '..', '%2e%2e', '0', '-1', '99999999999999999999', 'null', 'undefined', '%00', 'a'.repeat(300)),
  );
  return fc.record({
    route: fc.constantFrom(...routes),
    method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), { freq: 5 }),
    params: fc.array(param, { minLength: 4, maxLength: 4 }),
    query: fc.oneof(
      fc.constant(''),
      fc.dictionary(ascii(10), ascii(40), { maxKeys: 5 }).map((d) => `?${new URLSearchParams(d).toString()}`),
      fc.constantFrom(
        '?a[b][c]=1&a=2',
        '?%zz=1',
        '?userId=1&portalId=abc&objectId=x&objectTypeId=0-1',
        '?cursor=%E0%A4%A',
        '?limit=-1&cursor=zzz',
        '?code=x&state=y',
        '?error=access_denied',
        '?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1',
        '?recordId=003000000000001',
      ),
    ),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 6 }),
    encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'), { freq: 8 }),
    body: bodies,
    headers: fc.record(
      {
        'x-hubspot-signature-v3': ascii(60),
        'x-hubspot-request-timestamp': fc.oneof(ascii(15), fc.constant(String(Date.now()))),
        'x-hubspot-signature': ascii(60),
        'x-hubspot-signature-version': fc.constantFrom('v1', 'v2', 'v3', 'v9'),
        'x-twilio-signature': ascii(40),
        'x-zendesk-webhook-signature': ascii(40),
        'x-zendesk-webhook-signature-timestamp': ascii(30),
        'x-hub-signature-256': fc.oneof(ascii(70), fc.constant('sha256=')),
        'x-baton-org': ascii(20),
        'x-baton-timestamp': ascii(12),
        'x-baton-signature': ascii(50),
        'x-baton-user': ascii(20),
        'x-request-id': ascii(40),
        accept: fc.constantFrom('application/json', 'text/html', '*/*', 'garbage'),
      },
      { requiredKeys: [] },
    ),
    auth: fc.constantFrom('valid', 'valid', 'none', 'other'),
    sign: fc.boolean(),
  });
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

function send(base: string, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    // Node's client sends a DELETE or OPTIONS body without a length (the server would read it as the
    // next request): the length is always given.
    if (method !== 'GET' && method !== 'HEAD' && body !== undefined) req.setHeader('content-length', body.length);
    req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
  });
}

const hasEnvelope = (a: Answer): boolean => {
  try {
    const e = (JSON.parse(a.text) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof e?.code === 'string' && typeof e.message === 'string';
  } catch {
    return false;
  }
};

describe.each([
  { label: 'no vendor configured', configured: false },
  { label: 'every vendor configured', configured: true },
])('malformed input on every mounted route, $label', ({ configured }) => {
  let svc: TestService;
  let apiKey = '';
  let adminToken = '';
  const ids: string[] = [];

  beforeAll(async () => {
    // File-backed (a fresh data dir, seeded from the template): the loopback admin routes are mounted too.
    svc = await startTestService('embedded', { inMemory: false }, { PUBLIC_URL, ...(configured ? VENDORS : {}) });
    // The loopback admin token is in the data dir's lock file (server/db/data-dir-lock.ts), as the CLI reads it.
    adminToken =
      (JSON.parse(readFileSync(nodePath.join(svc.runtime.config.dataDir, 'baton.lock'), 'utf8')) as { adminToken?: string }).adminToken ??
      '';
    expect(adminToken).not.toBe('');
    const tenant = await createTenant(svc.runtime.db, 'Fuzz');
    apiKey = tenant.apiKey;
    if (configured) {
      const configs = [
        {
          type: 'zendesk',
          config: {
            subdomain: 'fuzz',
            email: 'agent@fuzz.example',
            apiToken: 'fuzz-api-token',
            webhookSecret: ZENDESK_SECRET,
            baseUrl: 'http://127.0.0.1:9',
          },
        },
        { type: 'twilio', config: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, baseUrl: 'http://127.0.0.1:9' } },
        {
          type: 'whatsapp',
          config: {
            phoneNumberId: '1234567',
            accessToken: 'fuzz-access-token',
            appSecret: WHATSAPP_SECRET,
            verifyToken: 'fuzz-verify-token',
            baseUrl: 'http://127.0.0.1:9',
          },
        },
      ];
      for (const c of configs) {
        const r = await send(
          svc.url,
          'POST',
          '/api/v1/connections',
          { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          Buffer.from(JSON.stringify(c)),
        );
        expect(r.status).toBe(201);
        const id = (JSON.parse(r.text) as { id: string }).id;
        ids.push(id);
      }
    }
  }, 180_000);
  afterAll(async () => svc?.stop());

  /** Valid vendor signature headers for this request (only meaningful when the vendor is configured). */
  function signature(vendor: Vendor, method: string, pathAndQuery: string, body: Buffer): Record<string, string> {
    const text = body.toString('utf8');
    switch (vendor) {
      case 'hubspot':
        return signedHeaders({
          clientSecret: HUBSPOT_SECRET,
          method,
          uri: `${PUBLIC_URL}${pathAndQuery}`,
          body: text,
          timestampMs: Date.now(),
        });
      case 'zendesk': {
        const timestamp = new Date().toISOString();
        return {
          'x-zendesk-webhook-signature': zendeskSignature(ZENDESK_SECRET, timestamp, body),
          'x-zendesk-webhook-signature-timestamp': timestamp,
        };
      }
      case 'whatsapp':
        return { 'x-hub-signature-256': whatsappSignature(WHATSAPP_SECRET, body) };
      case 'twilio':
        return { 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}${pathAndQuery}`, formParams(text)) };
      default:
        return {};
    }
  }

  it('answers every route below 500, with the error envelope on refusals, and stays live', async () => {
    const app = svc.runtime.app;
    if (app === undefined) throw new Error('the service serves no HTTP');
    const routes = appRoutes(app);
    // The walk finds the API (under /api/v1), the webhooks, OAuth, cards and the console.
    for (const expected of [
      '/api/v1/events',
      '/internal/admin/tenants',
      '/webhooks/salesforce/outbound',
      '/webhooks/salesforce/outbound/:token',
      '/webhooks/hubspot',
      '/oauth/hubspot/callback',
      '/hubspot/cards/record',
      '/webhooks/twilio/:connectionId',
      '/readyz',
    ]) {
      expect(routes.map((r) => r.path)).toContain(expected);
    }
    const failures: string[] = [];
    await fc
      .assert(
        fc.asyncProperty(caseArb(routes, ids), async (c) => {
          const method = c.method ?? c.route.method;
          let n = 0;
          const path = c.route.path
            .replace(/\*(\w+)/g, () => `${c.params[n++ % 4] ?? 'x'}/${c.params[n++ % 4] ?? 'y'}`)
            .replace(/[{}]/g, '')
            .replace(/:(\w+)/g, () => c.params[n++ % 4] ?? 'x');
          const pathAndQuery = path + c.query;
          const body = c.body ?? Buffer.alloc(0);
          const headers: Record<string, string> = { ...c.headers };
          if (c.contentType !== null) headers['content-type'] = c.contentType;
          if (c.encoding !== null) headers['content-encoding'] = c.encoding;
          if (c.auth === 'valid') headers['authorization'] = `Bearer ${apiKey}`;
          if (c.auth === 'valid' && path.startsWith('/internal/admin')) headers['x-baton-admin-token'] = adminToken;
          else if (c.auth === 'other') headers['authorization'] = `Bearer bk_${'x'.repeat(40)}`;
          const vendor = vendorOf(path);
          if (configured && c.sign && vendor !== undefined)
            Object.assign(headers, signature(vendor, method, pathAndQuery, method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : body));
          const answer = await send(svc.url, method, pathAndQuery, headers, c.body);
          const where = `${method} ${pathAndQuery} ${JSON.stringify(headers)} ${JSON.stringify(body.toString('utf8').slice(0, 120))}`;
          if (answer.status >= 500) failures.push(`${where} → ${answer.status} ${answer.text.slice(0, 300)}`);
          else if (answer.status >= 400 && method !== 'HEAD') {
            const soapFault = path.startsWith('/webhooks/salesforce/outbound') && answer.text.includes('<soapenv:Fault>');
            const consoleAsset = path.startsWith('/console') && answer.contentType.startsWith('text/plain');
            if (!hasEnvelope(answer) && !soapFault && !consoleAsset)
              failures.push(`${where} → ${answer.status} without the error envelope: ${answer.text.slice(0, 200)}`);
          }
          return answer.status < 500;
        }),
        { numRuns: RUNS, endOnFailure: true },
      )
      .catch((err: unknown) => failures.push(`fast-check: ${String(err).split('\n').slice(0, 6).join(' | ')}`));
    expect(failures).toEqual([]);

    const ready = await send(svc.url, 'GET', '/readyz', {}, undefined);
    expect(ready.status).toBe(200);
    const event = {
      source: 'api',
      type: 'message.received',
      occurredAt: '2026-11-23T10:00:00Z',
      subject: { identifiers: [{ type: 'email', value: 'still.alive@fuzz.example' }] },
      text: 'still here?',
    };
    const ingest = await send(
      svc.url,
      'POST',
      '/api/v1/events',
      { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      Buffer.from(JSON.stringify(event)),
    );
    expect(ingest.status).toBe(202);
  }, 240_000);

  if (configured) {
    it('answers a body larger than a route accepts with 413 and the error envelope', async () => {
      const big = Buffer.alloc(6 * 1024 * 1024, 'a');
      for (const path of [
        '/api/v1/events',
        '/webhooks/hubspot',
        '/webhooks/salesforce/outbound',
        `/webhooks/salesforce/outbound/${'t'.repeat(43)}`,
        `/webhooks/zendesk/${ids[0] ?? 'x'}`,
      ]) {
        const a = await send(svc.url, 'POST', path, { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, big);
        expect({
          path,
          status: a.status,
          code: hasEnvelope(a) ? (JSON.parse(a.text) as { error: { code: string } }).error.code : a.text.slice(0, 80),
        }).toEqual({ path, status: 413, code: 'payload_too_large' });
      }
    });
  }

  if (!configured) {
    it('answers bytes that are not HTTP with 400 and the error envelope', async () => {
      const url = new URL(svc.url);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => socket.end('$,{not http\r\n\r\n'));
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(JSON.parse(raw.split('\r\n\r\n')[1] ?? '')).toEqual({
        error: { code: 'bad_request', message: 'the request is not valid HTTP' },
      });
    });

    it('answers every vendor route with one status and code: 404 not_configured', async () => {
      const vendorPaths: [string, string][] = [
        ['POST', '/webhooks/hubspot'],
        ['GET', '/oauth/hubspot/install'],
        ['GET', '/oauth/hubspot/callback?code=a&state=b'],
        ['GET', '/hubspot/cards/record?objectId=1&objectTypeId=0-1'],
        ['POST', '/hubspot/workflow-actions/record-outcome'],
        ['GET', '/hubspot/settings'],
        ['POST', '/webhooks/salesforce/outbound'],
        ['POST', `/webhooks/salesforce/outbound/${'t'.repeat(43)}`],
        ['GET', '/oauth/salesforce/install'],
        ['GET', '/oauth/salesforce/callback?code=a&state=b'],
        ['GET', '/salesforce/cards/record?recordId=003000000000001'],
        ['POST', '/salesforce/flow/next-best-action'],
        ['POST', '/api/v1/hubspot/install-links'],
        ['POST', '/api/v1/salesforce/install-links'],
      ];
      const answers = [];
      for (const [method, path] of vendorPaths) {
        const a = await send(
          svc.url,
          method,
          path,
          { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          Buffer.from('{}'),
        );
        answers.push({
          route: `${method} ${path}`,
          status: a.status,
          code: hasEnvelope(a) ? (JSON.parse(a.text) as { error: { code: string } }).error.code : a.text.slice(0, 80),
        });
      }
      expect(answers).toEqual(vendorPaths.map(([method, path]) => ({ route: `${method} ${path}`, status: 404, code: 'not_configured' })));
    });
  }
});
