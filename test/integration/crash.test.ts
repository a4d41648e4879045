import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readLock } from '../../server/db/data-dir-lock';
import type { Database } from '../../server/db/database';
import { openPglite } from '../../server/db/pglite';
import { dropSchema, openPostgres } from '../../server/db/postgres';
import { createTenant } from '../../server/tenants/tenants.repository';
import { spawnTs, type Child } from '../support/child';
import { obliterateQueue, TEST_KEY } from '../support/runtime';
import { TEST_DATABASE_URL, TEST_REDIS_URL, describeWith, uniqueName, waitFor } from '../support/services';

const event = (i: number) => ({
  id: `crash-${i}`,
  source: 'api',
  type: 'message.received',
  occurredAt: '2026-11-23T10:00:00Z',
  subject: { identifiers: [{ type: 'email', value: `p${i}@example.com` }] },
  text: `message ${i}`,
});

async function post(url: string, apiKey: string, body: unknown): Promise<{ eventId: string }> {
  const res = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { eventId: string };
}

async function processed(url: string, apiKey: string, eventId: string): Promise<boolean> {
  const res = await fetch(`${url}/api/v1/events/${eventId}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return res.ok && ((await res.json()) as { processedAt: string | null }).processedAt !== null;
}

for (const mode of ['embedded', 'postgres+redis'] as const) {
  describeWith(mode === 'embedded' ? [] : ['postgres', 'redis'], `kill -9 mid-dispatch (${mode})`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'baton-crash-'));
    const schema = uniqueName('crash');
    const queue = uniqueName('crashq');
    const env: Record<string, string> = {
      PORT: '0',
      LOG_LEVEL: 'warn',
      BATON_DATA_DIR: dataDir,
      BATON_ENCRYPTION_KEY: TEST_KEY,
      CHILD_HANG_FIRST: '1',
      ...(mode === 'postgres+redis'
        ? { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, CHILD_SCHEMA: schema, CHILD_QUEUE: queue }
        : {}),
    };
    const children: Child[] = [];
    afterAll(async () => {
      for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
      if (mode === 'postgres+redis') {
        await dropSchema(TEST_DATABASE_URL, schema);
        await obliterateQueue(queue);
      }
    });

    it('processes every acknowledged event exactly once after the worker is killed and restarted', async () => {
      const first = spawnTs('test/support/service-child.ts', env);
      children.push(first);
      const url1 = (await first.waitForLine(/^READY (\S+)/))[1] ?? '';

      let tenant: { tenantId: string; apiKey: string };
      if (mode === 'embedded') {
        // The service holds the embedded database: tenants are created through it, as the CLI does.
        const lock = readLock(dataDir);
        const res = await fetch(`${lock?.url}/internal/admin/tenants`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-baton-admin-token': lock?.adminToken ?? '' },
          body: JSON.stringify({ name: 'Crash' }),
        });
        tenant = (await res.json()) as { tenantId: string; apiKey: string };
      } else {
        const db = await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 1 });
        tenant = await createTenant(db, 'Crash');
        await db.close();
      }

      const hanging = await post(url1, tenant.apiKey, event(0));
      await first.waitForLine(new RegExp(`^STARTED ${hanging.eventId} 1$`));
      const others: string[] = [];
      for (let i = 1; i <= 10; i++) others.push((await post(url1, tenant.apiKey, event(i))).eventId);

      first.proc.kill('SIGKILL');
      await first.exited;

      // The restarted service must not hang: events the first never started are on their first attempt there.
      const second = spawnTs('test/support/service-child.ts', { ...env, CHILD_HANG_FIRST: '0' });
      children.push(second);
      const url2 = (await second.waitForLine(/^READY (\S+)/))[1] ?? '';
      for (const id of [hanging.eventId, ...others]) {
        await waitFor(async () => processed(url2, tenant.apiKey, id), `event ${id} processed after restart`, 45_000, 100).catch(
          (err: unknown) => {
            throw new Error(
              `${String(err)}\nfirst: ${first.lines.join('\n')}\nsecond: ${second.lines.join('\n')}\n${second.stderr().slice(-3000)}`,
            );
          },
        );
      }
      expect(second.lines).toContain(`STARTED ${hanging.eventId} 2`);

      let db: Database;
      if (mode === 'embedded') {
        second.proc.kill('SIGTERM');
        expect(await second.exited).toBe(0); // graceful shutdown releases the data dir
        db = await openPglite({ dataDir });
      } else {
        db = await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 1 });
      }
      try {
        const effects = await db.query<{ event_id: string; n: number }>('SELECT event_id, n FROM test_effects WHERE tenant_id = $1', [
          tenant.tenantId,
        ]);
        expect(effects.rows).toHaveLength(11);
        expect(effects.rows.every((r) => r.n === 1)).toBe(true);
        const attempts = await db.query<{ attempts: number }>('SELECT attempts FROM test_attempts WHERE tenant_id = $1 AND event_id = $2', [
          tenant.tenantId,
          hanging.eventId,
        ]);
        expect(attempts.rows[0]?.attempts).toBe(2);
        const pending = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status <> 'done'`);
        expect(pending.rows[0]?.n).toBe(0);
      } finally {
        await db.close();
      }
    }, 120_000);
  });
}
