/**
 * Migration 035 (issue #16): a person's open decisions (decisions_open, decisions_open_exists) are read
 * with one generic plan per session where the session says its tables get planner statistics (the
 * service's PostgreSQL sessions: `baton.generic_plans = on`), and planned per call elsewhere (PGlite,
 * other sessions) — the same rows either way. The plans are seen through auto_explain's nested
 * statements, sent to this test's own session as notices: a generic plan shows the parameters, a plan
 * made for the values shows the values.
 */
import { Client } from 'pg';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, TEST_DATABASE_URL, type TestDb } from '../support/services';

jest.setTimeout(60_000);

const AT = '2026-12-01T12:00:00Z';

async function seed(t: TestDb): Promise<string> {
  const { tenantId } = await createTenant(t.db, 'open-decisions');
  const row = (id: string, profile: string, minutesAgo: number, action: string | null) =>
    t.db.query(
      `INSERT INTO decisions (tenant_id, id, profile_id, decided_at, origin, action_id, holdout, mode, propensity, record, attribution_ends_at, status, status_at)
       VALUES ($1, $2, $3, $4::timestamptz - make_interval(mins => $5), 'pipeline', $6, false, 'greedy', 0.5, jsonb_build_object('id', $2::text),
               $4::timestamptz + interval '7 days', 'proposed', $4::timestamptz)`,
      [tenantId, id, profile, AT, minutesAgo, action],
    );
  await row('d1', 'p1', 30, 'call');
  await row('d2', 'p1', 10, 'email');
  await row('d3', 'p1', 5, null); // no action, not in the holdout: never open
  await row('d4', 'p2', 1, 'call'); // another person
  await t.db.query(
    `INSERT INTO decision_outcomes (tenant_id, decision_id, outcome, value, at, implicit, settlement) VALUES ($1, 'd1', 'positive', 1, $2, false, '{}')`,
    [tenantId, AT],
  );
  return tenantId;
}

for (const backend of backends) {
  describeWith(backend.needs, `open decisions' plans (${backend.name})`, () => {
    let t: TestDb;
    let tenantId: string;
    beforeAll(async () => {
      t = await backend.open();
      tenantId = await seed(t);
    });
    afterAll(async () => t.cleanup());

    it('answers the same rows as before: unsettled with an action, newest first, only the person asked for', async () => {
      for (let i = 0; i < 7; i++) {
        const r = await t.db.query<{ open: { id: string }[]; any: boolean; none: boolean }>(
          `SELECT decisions_open($1, ARRAY['p1'], $2::timestamptz) AS open, decisions_open_exists($1, ARRAY['p1'], $2::timestamptz) AS any,
                  decisions_open_exists($1, ARRAY['p3'], $2::timestamptz) AS none`,
          [tenantId, AT],
        );
        expect(r.rows[0]?.open.map((d) => d.id)).toEqual(['d2']);
        expect(r.rows[0]?.any).toBe(true);
        expect(r.rows[0]?.none).toBe(false);
      }
    });

    if (backend.name === 'postgres') {
      it("says on the service's sessions that their tables get statistics", async () => {
        const r = await t.db.query<{ v: string }>(`SELECT current_setting('baton.generic_plans', true) AS v`);
        expect(r.rows[0]?.v).toBe('on');
        const tx = await t.db.transaction((q) => q.query<{ v: string }>(`SELECT current_setting('baton.generic_plans', true) AS v`));
        expect(tx.rows[0]?.v).toBe('on');
      });

      /** The nested plans of the two functions' reads in a session of its own, with or without the switch. */
      async function nestedPlans(generic: boolean): Promise<string[]> {
        const client = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${t.schema}` });
        const notices: string[] = [];
        client.on('notice', (n) => notices.push(n.message ?? ''));
        await client.connect();
        try {
          if (generic) await client.query(`SET baton.generic_plans = 'on'`);
          await client.query(`LOAD 'auto_explain'`);
          await client.query(
            `SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = 'notice'; SET client_min_messages = 'notice'`,
          );
          for (let i = 0; i < 2; i++)
            await client.query(
              `SELECT decisions_open($1, ARRAY['p1'], $2::timestamptz), decisions_open_exists($1, ARRAY['p1'], $2::timestamptz)`,
              [tenantId, AT],
            );
          return notices.filter((n) => /FROM decisions d/.test(n));
        } finally {
          await client.end();
        }
      }

      it('reads with a generic plan where the session has the switch, and plans for the values where not', async () => {
        const generic = await nestedPlans(true);
        expect(generic).toHaveLength(4);
        for (const plan of generic) {
          expect(plan).toMatch(/tenant_id = \$1/);
          expect(plan).not.toContain(tenantId);
        }
        const custom = await nestedPlans(false);
        expect(custom).toHaveLength(4);
        for (const plan of custom) expect(plan).toContain(`'${tenantId}'::text`);
      });
    }
  });
}
