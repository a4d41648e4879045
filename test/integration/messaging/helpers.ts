import { createServer } from 'node:net';
import type { ActionRequest } from '../../../app/orchestration';
import type { ModuleFactory } from '../../../server/module';
import type { ServiceRegistry } from '../../../server/services';

export type Json = Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };

/** A free loopback port, so PUBLIC_URL (signed by Twilio) can name the port before the service starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A module that only remembers the service registry (to reach the action registry the engine uses). */
export function registryProbe(): { factory: ModuleFactory; services: () => ServiceRegistry } {
  let services: ServiceRegistry | undefined;
  return {
    factory: (ctx) => {
      services = ctx.services;
      return { name: 'probe' };
    },
    services: () => {
      if (services === undefined) throw new Error('probe not started');
      return services;
    },
  };
}

let n = 0;
export function actionRequest(
  tenantId: string,
  profileId: string,
  kind: ActionRequest['kind'],
  params: ActionRequest['params'],
  key = `key-${Date.now()}-${++n}`,
): ActionRequest {
  return { tenantId, runId: `run_test${n}`, stepId: 'send', profileId, kind, params, idempotencyKey: key, attempt: 1 };
}

export function api(baseUrl: string, apiKey: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Json };
  };
}
