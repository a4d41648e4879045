/**
 * Found by `npm run chaos`: terminating the service's database connections (pg_terminate_backend, as a
 * failover or a proxy restart does) crashed web and worker processes with an unhandled 'error' event,
 * because pg-pool listens for errors on idle clients only and a connection checked out for a
 * transaction between two statements had no listener. Now the transaction fails, the broken
 * connection is discarded, and the next one works.
 */
import type { Database } from '../../server/db/database';
import { describeWith, openTestPostgres, type TestDb } from '../support/services';

describeWith(['postgres'], 'a database connection terminated while checked out', () => {
  let t: TestDb;
  let db: Database;

  beforeAll(async () => {
    t = await openTestPostgres();
    db = t.db;
  });
  afterAll(async () => t.cleanup());

  /** Terminates the backend `pid` from another connection and waits until its FATAL has reached the client. */
  const terminate = async (pid: number): Promise<void> => {
    const r = await db.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
    expect(r.rows[0]?.ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
  };

  it('fails the transaction instead of crashing the process, and the pool recovers', async () => {
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): void => {
      crashes.push(err);
    };
    process.on('uncaughtException', onCrash);
    try {
      await expect(
        db.transaction(async (tx) => {
          const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
          await terminate(pid); // the client is idle between two statements of its transaction
          await tx.query('SELECT 1');
        }),
      ).rejects.toThrow();
      await expect(
        db.withAdvisoryLock(42, async (conn) => {
          const pid = (await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
          await terminate(pid);
          await conn.query('SELECT 1');
        }),
      ).rejects.toThrow();
    } finally {
      process.off('uncaughtException', onCrash);
    }
    expect(crashes).toEqual([]);
    // The broken connections were discarded: every pooled connection works.
    const results = await Promise.all(
      Array.from({ length: 8 }, () => db.transaction(async (tx) => (await tx.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one)),
    );
    expect(results).toEqual(Array(8).fill(1));
    expect(await db.withAdvisoryLock(42, async (conn) => (await conn.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one)).toBe(1);
  });
});
