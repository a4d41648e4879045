import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Database } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { openPglite } from '../../server/db/pglite';
import { openPostgres } from '../../server/db/postgres';
import { outbox } from '../../server/dispatch/outbox.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { spawnTs, type Child } from '../support/child';
import { TEST_KEY } from '../support/runtime';
import { describeWith, TEST_DATABASE_URL, uniqueName, waitFor } from '../support/services';

interface Listed {
  deadLetters: { id: string; tenantId: string; kind: string; error: string | null; attempts: number; redrives: number; diedAt: string }[];
  nextCursor: string | null;
}

/** Runs `baton <args>` as a user would (a separate process) and collects its output. */
async function baton(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnTs('server/cli/main.ts', env, args);
  const code = await child.exited;
  return { code, stdout: child.lines.join('\n'), stderr: child.stderr() };
}

/** A row of `kind` that used up its attempts with `error`, as the work runner leaves it. */
async function deadRow(
  db: Database,
  tenantId: string,
  kind: string,
  payload: Record<string, unknown>,
  error: string,
  maxAttempts: number,
): Promise<string> {
  const ref = await outbox.insert(db, { tenantId, kind, payload, maxAttempts });
  await db.query(
    `UPDATE outbox SET status = 'dead', attempts = max_attempts, deliveries = max_attempts, last_error = $3, dead_at = date_trunc('milliseconds', now())
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, ref.id, error],
  );
  return ref.id;
}

describe('baton dead-letters (embedded storage)', () => {
  const children: Child[] = [];
  afterAll(() => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  });
  const envFor = (dataDir: string): Record<string, string> => ({
    BATON_DATA_DIR: dataDir,
    BATON_ENCRYPTION_KEY: TEST_KEY,
    LOG_LEVEL: 'warn',
    PORT: '0',
  });

  it('lists and redrives on the data directory, then through the running service that holds it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'baton-dl-'));
    const env = envFor(dataDir);
    let db = await openPglite({ dataDir });
    await migrate(db);
    const t1 = (await createTenant(db, 'CLI one')).tenantId;
    const t2 = (await createTenant(db, 'CLI two')).tenantId;
    // An event job whose event is gone: redriven, it finishes (nothing left to do).
    const gone = await deadRow(db, t1, 'event.process', { eventId: 'evt_gone' }, 'Error: boom\nat somewhere', 3);
    // No handler for this kind: redriven, it dies again with a new error.
    const orphan = await deadRow(db, t2, 'test.no-handler', {}, 'Error: first failure', 1);
    await db.close();

    const all = await baton(['dead-letters', 'list', '--json'], env);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    expect((JSON.parse(all.stdout) as Listed).deadLetters.map((d) => d.id).sort()).toEqual([gone, orphan].sort());

    const one = await baton(['dead-letters', 'list', '--tenant', t1, '--json'], env);
    expect((JSON.parse(one.stdout) as Listed).deadLetters).toEqual([
      expect.objectContaining({ id: gone, tenantId: t1, kind: 'event.process', error: 'Error: boom\nat somewhere', attempts: 3 }),
    ]);

    const table = await baton(['dead-letters', 'list', '--kind', 'event.process'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+TENANT\s+KIND\s+ATTEMPTS\s+DIED AT\s+ERROR$/m);
    expect(table.stdout).toContain(gone);
    expect(table.stdout).toContain('Error: boom at somewhere');
    expect(table.stdout).not.toContain(orphan);

    const redriven = await baton(['dead-letters', 'redrive', gone], env);
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toEqual({ redriven: 1, ids: [gone], remaining: 0 });
    const again = await baton(['dead-letters', 'redrive', gone], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`not redriven \\(unknown, or not dead\\): ${gone}`));

    const service = spawnTs('test/support/service-child.ts', env);
    children.push(service);
    const url = (await service.waitForLine(/^READY (\S+)/))[1] ?? '';
    // The operator routes answer only the CLI (the lock file's token), like the tenants one.
    expect((await fetch(`${url}/internal/admin/dead-letters`)).status).toBe(403);
    expect(
      (await fetch(`${url}/internal/admin/dead-letters/redrive`, { method: 'POST', headers: { 'x-baton-admin-token': 'guess' } })).status,
    ).toBe(403);

    const through = await baton(['dead-letters', 'redrive', '--all', '--tenant', t2], env);
    expect(through.stderr).toBe('');
    expect(JSON.parse(through.stdout)).toEqual({ redriven: 1, ids: [orphan], remaining: 0 });
    const diedAgain = await waitFor(
      async () => {
        const listed = await baton(['dead-letters', 'list', '--json'], env);
        const found = (JSON.parse(listed.stdout) as Listed).deadLetters;
        return found.find((d) => d.id === orphan && d.redrives === 1) !== undefined ? found : undefined;
      },
      'the redriven orphan to die again in the service',
      60_000,
      500,
    );
    expect(diedAgain.map((d) => d.id)).toEqual([orphan]); // the redriven event job is no longer dead
    expect(diedAgain[0]?.error).toMatch(/no handler registered for job kind "test.no-handler"/);

    service.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    db = await openPglite({ dataDir });
    try {
      expect(await outbox.get(db, t1, gone)).toMatchObject({ status: 'done', attempts: 1 });
    } finally {
      await db.close();
    }
  }, 240_000);

  it.each([
    [['dead-letters'], /usage: baton dead-letters list/],
    [['dead-letters', 'purge'], /unknown dead-letters command "purge"/],
    [['dead-letters', 'redrive'], /name the dead letters to redrive, or pass --all/],
    [['dead-letters', 'redrive', 'job_1', '--all'], /not both/],
    [['dead-letters', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 200/],
    [['dead-letters', 'list', '--limit', 'ten'], /--limit must be a whole number/],
    [['dead-letters', 'list', '--tenant'], /argument missing/],
    [['dead-letters', 'list', 'extra'], /Unexpected argument 'extra'/],
    [['dead-letters', 'list', '--tenat', 'x'], /Unknown option '--tenat'/],
  ])(
    'rejects %j with exit code 2 and a usage message',
    async (args, message) => {
      const out = await baton(args, envFor(mkdtempSync(path.join(tmpdir(), 'baton-dl-'))));
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(message);
      expect(out.stdout).toBe('');
    },
    60_000,
  );
});

describeWith(['postgres'], 'baton dead-letters (PostgreSQL)', () => {
  const database = uniqueName('baton_cli');
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => admin(`CREATE DATABASE ${database}`));
  afterAll(async () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

  it('lists and redrives on the database; the rows are left for the sweeper to dispatch', async () => {
    const db = await openPostgres({ connectionString: url.toString(), max: 2 });
    try {
      await migrate(db);
      const t = (await createTenant(db, 'CLI pg')).tenantId;
      const id = await deadRow(db, t, 'hubspot.webhook-batch', { batchId: 'b1' }, 'Error: HubSpot 500', 5);
      const env = { DATABASE_URL: url.toString(), BATON_ENCRYPTION_KEY: TEST_KEY, LOG_LEVEL: 'warn', PORT: '0' };

      const listed = await baton(['dead-letters', 'list', '--json', '--limit', '5'], env);
      expect(listed.stderr).toBe('');
      expect(JSON.parse(listed.stdout)).toEqual({
        deadLetters: [
          expect.objectContaining({ id, tenantId: t, kind: 'hubspot.webhook-batch', error: 'Error: HubSpot 500', attempts: 5 }),
        ],
        nextCursor: null,
      });

      const out = await baton(['dead-letters', 'redrive', '--all', '--kind', 'hubspot.webhook-batch'], env);
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({ redriven: 1, ids: [id], remaining: 0 });
      const row = await db.query<{ status: string; attempts: number; dispatched_at: Date | null; redrives: number }>(
        'SELECT status, attempts, dispatched_at, redrives FROM outbox WHERE tenant_id = $1 AND id = $2',
        [t, id],
      );
      expect(row.rows[0]).toEqual({ status: 'pending', attempts: 0, dispatched_at: null, redrives: 1 });
      // Due now and never dispatched: exactly what the sweeper picks up next.
      expect((await outbox.takeDue(db, 0, 30_000, 10)).map((r) => r.id)).toEqual([id]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
