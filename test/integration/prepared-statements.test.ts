/**
 * Statements marked `prepared` (server/db/database.ts, issue #16): on PostgreSQL they are named, so the
 * server keeps them prepared per connection and parses them once; their answers are those of the
 * unmarked text. Embedded mode runs the text as it is.
 */
import { isGeneric, isPrepared, prepared, preparedGeneric } from '../../server/db/database';
import { backends, describeWith, type TestDb } from '../support/services';

jest.setTimeout(60_000);

const SQL = 'SELECT $1::int + 1 AS n, current_schema() AS schema';

describe('prepared', () => {
  it('marks a statement with a comment, so any PostgreSQL runs the same text', () => {
    expect(isPrepared(prepared(SQL))).toBe(true);
    expect(isPrepared(SQL)).toBe(false);
    expect(prepared(SQL).endsWith(SQL)).toBe(true);
    expect(prepared(SQL).startsWith('/*')).toBe(true);
  });

  it('marks a generic-plan statement as prepared too, and only that one as generic', () => {
    expect(isPrepared(preparedGeneric(SQL))).toBe(true);
    expect(isGeneric(preparedGeneric(SQL))).toBe(true);
    expect(isGeneric(prepared(SQL))).toBe(false);
    expect(preparedGeneric(SQL).endsWith(SQL)).toBe(true);
    expect(preparedGeneric(SQL).startsWith('/*')).toBe(true);
  });
});

/** A statement the plan cache keeps planning per call (its generic plan is costed dearer: unnest's length unknown). */
const KEYED = 'SELECT count(*)::int AS n FROM unnest($1::text[]) AS k(name) JOIN pg_class c ON c.relname = k.name';

for (const backend of backends) {
  describeWith(backend.needs, `prepared statements (${backend.name})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    it('answers as the unmarked statement does, in and out of transactions, with the schema of the connection', async () => {
      const plain = await t.db.query<{ n: number; schema: string }>(SQL, [41]);
      for (let i = 0; i < 8; i++) {
        const r = await t.db.query<{ n: number; schema: string }>(prepared(SQL), [i]);
        expect(r.rows).toEqual([{ n: i + 1, schema: plain.rows[0]?.schema }]);
      }
      const inTx = await t.db.transaction((tx) => tx.query<{ n: number }>(prepared(SQL), [7]));
      expect(inTx.rows[0]?.n).toBe(8);
    });

    it('answers a generic-plan statement as the unmarked one, in and out of transactions', async () => {
      for (let i = 0; i < 7; i++) {
        const r = await t.db.query<{ n: number }>(preparedGeneric(KEYED), [['pg_class', 'pg_proc', `missing_${i}`]]);
        expect(r.rows).toEqual([{ n: 2 }]);
      }
      const inTx = await t.db.transaction((tx) => tx.query<{ n: number }>(preparedGeneric(KEYED), [['pg_class']]));
      expect(inTx.rows).toEqual([{ n: 1 }]);
    });

    if (backend.name === 'postgres')
      it('executes a generic-plan statement with one generic plan, where the plan cache would plan it per call', async () => {
        const plans = `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE statement = $1`;
        // Precondition: marked `prepared`, the plan cache keeps planning it for the values.
        const asPrepared = await t.db.transaction(async (tx) => {
          for (let i = 0; i < 8; i++) await tx.query(prepared(KEYED), [['pg_class']]);
          return (await tx.query<{ generic: number; custom: number }>(plans, [prepared(KEYED)])).rows;
        });
        expect(asPrepared).toEqual([{ generic: 0, custom: 8 }]);
        // Marked preparedGeneric, one after another (so on one connection of the generic-plan sessions).
        for (let i = 0; i < 8; i++) await t.db.query(preparedGeneric(KEYED), [['pg_class']]);
        const asGeneric = await t.db.query<{ generic: number; custom: number; mode: string }>(
          preparedGeneric(`${plans.replace('FROM', ", current_setting('plan_cache_mode') AS mode FROM")}`),
          [preparedGeneric(KEYED)],
        );
        // (The earlier test's executions count too when they ran on this connection.)
        expect(asGeneric.rows).toHaveLength(1);
        expect(asGeneric.rows[0]).toMatchObject({ custom: 0, mode: 'force_generic_plan' });
        expect(asGeneric.rows[0]?.generic).toBeGreaterThanOrEqual(8);
        // Other statements keep the default plan cache mode.
        const mode = await t.db.query<{ mode: string }>(`SELECT current_setting('plan_cache_mode') AS mode`);
        expect(mode.rows[0]?.mode).toBe('auto');
      });

    if (backend.name === 'postgres')
      it('keeps a marked statement prepared on the connection, under a name every connection agrees on; an unmarked one not', async () => {
        const names = await t.db.transaction(async (tx) => {
          await tx.query(prepared(SQL), [1]);
          await tx.query('SELECT $1::int AS unmarked', [1]);
          return (
            await tx.query<{ name: string; statement: string }>(
              `SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%current_schema()%' OR statement LIKE '%unmarked%'`,
            )
          ).rows;
        });
        expect(names).toHaveLength(1);
        expect(names[0]?.statement).toBe(prepared(SQL));
        expect(names[0]?.name).toMatch(/^baton_[A-Za-z0-9_-]{24}$/);
        // Another connection (a second transaction at once) uses the same name.
        const [a, b] = await Promise.all(
          [0, 1].map(() =>
            t.db.transaction(async (tx) => {
              await tx.query(prepared(SQL), [2]);
              await new Promise((r) => setTimeout(r, 50));
              const r = await tx.query<{ name: string; pid: number }>(
                `SELECT p.name, pg_backend_pid() AS pid FROM pg_prepared_statements p WHERE p.statement = $1`,
                [prepared(SQL)],
              );
              return r.rows[0];
            }),
          ),
        );
        expect(a?.pid).not.toBe(b?.pid);
        expect(a?.name).toBe(names[0]?.name);
        expect(b?.name).toBe(names[0]?.name);
      });
  });
}
