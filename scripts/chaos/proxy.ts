/**
 * A fault-injecting HTTP proxy in front of a vendor sandbox (test/sandboxes/*). Baton is pointed at
 * the proxy; outside a storm every request is forwarded unchanged. During a storm:
 *   - `rate_limit`: every request is answered 429 with Retry-After (and the vendor's 429 body), never forwarded;
 *   - `server_error`: reads are answered 503; writes are alternately answered 503 without being forwarded, or
 *     forwarded (the sandbox applies the effect) and then answered 502: the effect happened, its answer was
 *     lost, which is the case an idempotency key exists for.
 * It counts the faults it served and remembers when a forwarded request last succeeded (recovery time).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StormKind = 'rate_limit' | 'server_error';

export interface ProxyStats {
  forwarded: number;
  /** Faults answered, by kind. */
  faults: Record<StormKind, number>;
  /** Writes forwarded whose answer was then replaced by a 502. */
  lostAnswers: number;
  /** Each storm: when it ran, the faults it served, and the first forwarded 2xx after it ended. */
  readonly storms: StormRecord[];
}

export interface StormRecord {
  readonly kind: StormKind;
  readonly startedAt: number;
  endedAt: number | undefined;
  faults: number;
  firstOkAt: number | undefined;
}

export interface FaultProxy {
  readonly url: string;
  readonly name: string;
  readonly stats: ProxyStats;
  /** Starts a storm now; `calm()` ends it. */
  storm(kind: StormKind, retryAfterSeconds: number): void;
  calm(): void;
  readonly storming: StormKind | undefined;
  close(): Promise<void>;
}

/** The vendor-shaped 429 body (HubSpot's ten-secondly limit, Twilio's 20429). */
export type RateLimitBody = (retryAfterSeconds: number) => unknown;

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function startFaultProxy(name: string, target: string, rateLimitBody: RateLimitBody): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const stats: ProxyStats = { forwarded: 0, faults: { rate_limit: 0, server_error: 0 }, lostAnswers: 0, storms: [] };
  let storming: StormKind | undefined;
  let retryAfter = 1;
  let flip = 0;
  const current = (): StormRecord | undefined => stats.storms[stats.storms.length - 1];
  const fault = (kind: StormKind): void => {
    stats.faults[kind]++;
    const storm = current();
    if (storm !== undefined && storm.endedAt === undefined) storm.faults++;
  };

  const answerJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text).toString(), ...headers });
    res.end(text);
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: targetUrl.host };
      const out = httpRequest(
        { hostname: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const mode = storming;
        if (mode === 'rate_limit') {
          fault('rate_limit');
          answerJson(res, 429, rateLimitBody(retryAfter), { 'retry-after': String(retryAfter) });
          return;
        }
        if (mode === 'server_error' && (!WRITE.has(req.method ?? 'GET') || flip++ % 2 === 0)) {
          fault('server_error');
          answerJson(res, 503, { status: 'error', message: 'Service Unavailable (chaos storm)' });
          return;
        }
        try {
          const answer = await forward(req, body);
          stats.forwarded++;
          if (mode === 'server_error') {
            // The sandbox applied the write; its answer is lost on the way back.
            fault('server_error');
            stats.lostAnswers++;
            answerJson(res, 502, { status: 'error', message: 'Bad Gateway (chaos storm, answer lost)' });
            return;
          }
          const last = current();
          if (answer.status < 300 && last !== undefined && last.endedAt !== undefined && last.firstOkAt === undefined)
            last.firstOkAt = Date.now();
          const headers = { ...answer.headers };
          delete headers['transfer-encoding'];
          delete headers['connection'];
          headers['content-length'] = String(answer.body.length);
          res.writeHead(answer.status, headers);
          res.end(answer.body);
        } catch (err) {
          answerJson(res, 502, { status: 'error', message: `chaos proxy could not reach the sandbox: ${String(err)}` });
        }
      })();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    name,
    stats,
    get storming() {
      return storming;
    },
    storm(kind, retryAfterSeconds) {
      storming = kind;
      retryAfter = retryAfterSeconds;
      stats.storms.push({ kind, startedAt: Date.now(), endedAt: undefined, faults: 0, firstOkAt: undefined });
    },
    calm() {
      storming = undefined;
      const storm = current();
      if (storm !== undefined && storm.endedAt === undefined) storm.endedAt = Date.now();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
