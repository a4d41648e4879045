import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Database } from '../db/database';
import type { Dispatcher } from '../dispatch/dispatcher';
import type { WorkQueue } from '../dispatch/work-queue';
import type { ServiceModule } from '../module';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { adminRoutes } from './admin.routes';
import { requireApiKey } from './auth';
import { deadLetterAdminRoutes, deadLetterRoutes } from './dead-letters.routes';
import { assertNoNul, errorHandler, HttpError, notFound } from './errors';
import { eventRoutes } from './events.routes';
import { healthRoutes } from './health.routes';

declare module 'node:http' {
  interface IncomingMessage {
    /** The exact bytes received, kept for webhook signature checks. */
    rawBody?: Buffer;
  }
}

export interface AppDeps {
  db: Database;
  dispatcher: Dispatcher;
  work: WorkQueue;
  logger: Logger;
  metrics: Metrics;
  /** Capability modules whose routes are mounted. */
  modules?: readonly ServiceModule[];
  /** Token for the loopback admin routes; undefined disables them. */
  adminToken?: string;
  isShuttingDown?: () => boolean;
  /** Largest JSON body accepted by the public API. */
  jsonLimit?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const keepRawBody = (req: IncomingMessage, _res: ServerResponse, buf: Buffer): void => {
  assertNoNul(buf);
  req.rawBody = buf;
};

/** `%00` anywhere in the path or query: PostgreSQL stores no NUL, so no parameter can carry one. */
const NUL_IN_URL = /%00/i;

/** Builds the HTTP app from its dependencies; nothing here reads configuration or opens connections. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
      serializers: {
        // Method and path only: query strings and headers may carry tokens or personal data.
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
      },
    }),
  );
  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = req.route === undefined ? 'unmatched' : `${req.baseUrl}${String((req.route as { path: unknown }).path)}`;
      end({ route, status: String(res.statusCode) });
    });
    next();
  });
  app.use((req, _res, next) => {
    if (NUL_IN_URL.test(req.url))
      throw new HttpError(400, 'invalid_request', 'the URL contains a NUL character (%00), which no parameter accepts');
    next();
  });
  const json = express.json({ limit: deps.jsonLimit ?? '1mb', verify: keepRawBody });
  const api = express.Router();
  api.use(requireApiKey(deps.db));
  const identifier = (deps.modules ?? []).find((m) => m.identify !== undefined);
  api.use(
    eventRoutes({
      db: deps.db,
      work: deps.work,
      metrics: deps.metrics,
      ...(identifier?.identify === undefined ? {} : { identify: identifier.identify }),
      ...(identifier?.identifyMany === undefined ? {} : { identifyMany: identifier.identifyMany }),
    }),
  );
  api.use(deadLetterRoutes({ db: deps.db, work: deps.work }));
  for (const m of deps.modules ?? []) if (m.api !== undefined) api.use(m.api);
  // The public API first: its requests (the bulk of the traffic) skip the module routers below, none
  // of which serves a path under /api/v1.
  app.use('/api/v1', json, api);

  // Module routes (webhooks, OAuth) parse their own bodies: signatures need the exact bytes.
  for (const m of deps.modules ?? []) if (m.routes !== undefined) app.use(m.routes);
  app.use(json);

  app.use(
    healthRoutes({ db: deps.db, dispatcher: deps.dispatcher, metrics: deps.metrics, isShuttingDown: deps.isShuttingDown ?? (() => false) }),
  );
  // adminRoutes' guard (loopback + token) runs first for every /internal/admin path, the dead-letter ones included.
  if (deps.adminToken !== undefined)
    app.use(
      '/internal/admin',
      adminRoutes({ db: deps.db, adminToken: deps.adminToken }),
      deadLetterAdminRoutes({ db: deps.db, work: deps.work }),
    );

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
