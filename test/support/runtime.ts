import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { parseConfig } from '../../server/config';
import { dropSchema } from '../../server/db/postgres';
import { startService, type Runtime, type RuntimeOptions } from '../../server/runtime';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName } from './services';

export type Mode = 'embedded' | 'postgres+redis';

export const modes: readonly { mode: Mode; needs: readonly ('postgres' | 'redis')[] }[] = [
  { mode: 'embedded', needs: [] },
  { mode: 'postgres+redis', needs: ['postgres', 'redis'] },
];

export const TEST_KEY = Buffer.alloc(32, 9).toString('base64');

export interface TestService {
  runtime: Runtime;
  url: string;
  schema: string | undefined;
  queueName: string | undefined;
  stop(): Promise<void>;
}

/** Starts the real service (HTTP on a random loopback port) in one of the two modes, isolated from other tests. */
export async function startTestService(mode: Mode, options: RuntimeOptions = {}, env: Record<string, string> = {}): Promise<TestService> {
  const schema = mode === 'postgres+redis' ? uniqueName('svc') : undefined;
  const queueName = mode === 'postgres+redis' ? uniqueName('q') : undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'baton-test-'));
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    BATON_ENCRYPTION_KEY: TEST_KEY,
    BATON_DATA_DIR: dataDir,
    ...(mode === 'postgres+redis' ? { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL } : {}),
    ...env,
  });
  const runtime = await startService(config, {
    host: '127.0.0.1',
    // Embedded tests run on a file-backed database seeded from the cached, migrated template (as a
    // fresh `npm start` does): ~5 s less per service than initdb of an in-memory one.
    sweepIntervalMs: 100,
    redispatchAfterMs: 500,
    ...(schema === undefined ? {} : { schema }),
    ...(queueName === undefined ? {} : { queueName }),
    ...options,
  });
  return {
    runtime,
    url: runtime.url ?? '',
    schema,
    queueName,
    async stop() {
      await runtime.shutdown('test');
      rmSync(dataDir, { recursive: true, force: true });
      if (schema !== undefined) await dropSchema(TEST_DATABASE_URL, schema);
      if (queueName !== undefined) await obliterateQueue(queueName);
    },
  };
}

export async function obliterateQueue(queueName: string): Promise<void> {
  const q = new Queue(queueName, { connection: { url: TEST_REDIS_URL } });
  try {
    await q.obliterate({ force: true });
  } finally {
    await q.close();
  }
}
