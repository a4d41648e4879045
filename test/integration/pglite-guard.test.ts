import { openPglite } from '../../server/db/pglite';
import type { Database } from '../../server/db/database';

/**
 * PGlite has one connection: the database used (instead of the transaction) inside a transaction
 * would wait for itself forever. The adapter refuses such calls at once, and only while the
 * transaction is open.
 */
describe('embedded database: no silent self-deadlock', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite({ dataDir: undefined });
    await db.exec('CREATE TABLE t (v int)');
  });
  afterAll(async () => db.close());

  it('refuses a query on the database inside one of its transactions, naming the mistake', async () => {
    await expect(db.transaction(async () => db.query('SELECT 1'))).rejects.toThrow(/inside one of its transactions would deadlock/);
    await expect(db.transaction(async () => db.exec('SELECT 1'))).rejects.toThrow(/deadlock/);
  });

  it('refuses a nested transaction and rolls the outer one back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (1)');
        return db.transaction(async (inner) => inner.query('INSERT INTO t VALUES (2)'));
      }),
    ).rejects.toThrow(/nested transaction/);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]?.n).toBe(0);
  });

  it('lets work started inside a transaction use the database once the transaction has ended', async () => {
    let later: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (3)');
      later = new Promise((resolve, reject) =>
        setTimeout(() => {
          db.query<{ n: number }>('SELECT count(*)::int AS n FROM t').then(resolve, reject);
        }, 10),
      );
    });
    await expect(later).resolves.toMatchObject({ rows: [{ n: 1 }] });
  });

  it('still runs transactions one after another and in parallel', async () => {
    await Promise.all([1, 2, 3].map((v) => db.transaction((tx) => tx.query('INSERT INTO t VALUES ($1)', [10 + v]))));
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE v > 10')).rows[0]?.n).toBe(3);
  });
});

describe('embedded database: statements leave room for I/O', () => {
  it('lets a timer (or an arriving request) run while a long chain of statements is in progress', async () => {
    const db = await openPglite({ dataDir: undefined });
    try {
      let finished = false;
      const chain = (async () => {
        for (let i = 0; i < 300; i++) await db.query('SELECT 1');
        finished = true;
      })();
      // PGlite resolves each statement in a microtask; without a yield per statement this timer (like a
      // socket read) would only run after all 300.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(finished).toBe(false);
      await chain;
      expect(finished).toBe(true);
    } finally {
      await db.close();
    }
  });
});
