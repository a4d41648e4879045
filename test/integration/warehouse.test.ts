/**
 * Warehouse connections end to end on the real service: a DuckDB file with a CSV beside it (both
 * storage modes) and a PostgreSQL schema on the test server. Syncs put traits on resolved profiles
 * through the event path (trait.changed triggers a playbook, policies read profile.traits), reject bad
 * rows with reasons, read only new rows by cursor, resume after a crash between pages without applying
 * a row twice, run on a cron schedule, maintain an audience (entered/left), and export decisions,
 * outcomes and runs back incrementally.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { decisioningModule } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { messagingModule } from '../../server/messaging/messaging.module';
import { twilioModule } from '../../connectors/twilio';
import { whatsappModule } from '../../connectors/whatsapp';
import { zendeskModule } from '../../connectors/zendesk';
import { runsModule } from '../../server/runs/runs.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { warehouseModuleWith } from '../../server/warehouse/warehouse.module';
import { modes, startTestService, type TestService } from '../support/runtime';
import { describeWith, TEST_DATABASE_URL, uniqueName, waitFor } from '../support/services';
import { spawnTs } from '../support/child';
import { api, type Json } from './messaging/helpers';

interface SyncJson extends Json {
  status: string;
  rowsRead: number;
  rowsRejected: number;
  rowsUnchanged: number;
  profilesMatched: number;
  profilesCreated: number;
  eventsEmitted: number;
  rejections: { row: number; reason: string }[];
  trigger: string;
}

const CSV_HEAD = 'email,phone,plan,seats,updated_at';

async function duckRows(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

for (const { mode, needs } of modes) {
  describeWith(needs, `warehouse traits, audiences and export (${mode})`, () => {
    let svc: TestService;
    let call: ReturnType<typeof api>;
    let apiKey: string;
    let tenantId: string;
    let dir: string;
    let clock = Date.now();
    const crashes = new Set<string>();
    const crashed: string[] = [];

    const csv = (name: string, lines: string[]): string => {
      const file = path.join(dir, name);
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    };
    const syncAndWait = async (connectionId: string): Promise<SyncJson> => {
      const started = await call('POST', `/connections/${connectionId}/sync`);
      expect(started.status).toBe(202);
      const syncId = started.json['syncId'] as string;
      return waitFor(
        async () => {
          const s = (await call('GET', `/connections/${connectionId}/syncs/${syncId}`)).json as SyncJson;
          return s.status === 'succeeded' || s.status === 'failed' ? s : undefined;
        },
        `sync ${syncId}`,
        60_000,
        100,
      );
    };
    const profileOf = async (email: string): Promise<string> => {
      const r = await svc.runtime.db.query<{ profile_id: string }>(
        `SELECT profile_id FROM identity_nodes WHERE tenant_id = $1 AND kind = 'identifier' AND key = $2`,
        [tenantId, `email::${email}`],
      );
      const id = r.rows[0]?.profile_id;
      if (id === undefined) throw new Error(`no profile for ${email}`);
      return id;
    };
    const profile = async (email: string): Promise<Json> => (await call('GET', `/profiles/${await profileOf(email)}`)).json;
    const processed = async (): Promise<void> => {
      await waitFor(
        async () => {
          const r = await svc.runtime.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NULL`,
            [tenantId],
          );
          return (r.rows[0]?.n ?? 1) === 0;
        },
        'every event processed',
        30_000,
        100,
      );
    };
    const warehouseEvents = async (): Promise<{ type: string; n: number }[]> =>
      (
        await svc.runtime.db.query<{ type: string; n: number }>(
          `SELECT type, count(*)::int AS n FROM events WHERE tenant_id = $1 AND source = 'warehouse' GROUP BY type ORDER BY type`,
          [tenantId],
        )
      ).rows;

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [
          identityModule,
          decisioningModule,
          automationModule,
          cardsModule,
          runsModule({ stuckSweepIntervalMs: 0 }),
          warehouseModuleWith({
            pageSize: 2,
            now: () => clock,
            scheduleTickMs: 100,
            exportHorizonMs: 0,
            beforeCheckpoint: (sync, page) => {
              if (crashes.has(sync.connectionId) && page === 1 && !crashed.includes(sync.id)) {
                crashed.push(sync.id);
                throw new Error('simulated crash between ingesting a page and its checkpoint');
              }
            },
          }),
          messagingModule,
          zendeskModule,
          twilioModule,
          whatsappModule,
        ],
      });
      // DuckDB files live in the service's warehouse directory (<BATON_DATA_DIR>/warehouse).
      dir = path.join(svc.runtime.config.dataDir, 'warehouse');
      mkdirSync(dir, { recursive: true });
      const t = await createTenant(svc.runtime.db, 'Warehouse');
      tenantId = t.tenantId;
      apiKey = t.apiKey;
      call = api(svc.url, t.apiKey);
    }, 180_000);
    afterAll(async () => {
      await svc?.stop();
    });

    it('validates warehouse configs with 400s naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ engine: 'postgres', query: 'SELECT 1', identifiers: { email: 'email' }, traits: ['plan'] }, 'url'],
        [{ engine: 'duckdb', path: 'relative.duckdb', query: 'SELECT 1', identifiers: { email: 'email' }, traits: ['plan'] }, 'path'],
        [
          { engine: 'duckdb', path: '/tmp/x.duckdb', query: 'DELETE FROM customers', identifiers: { email: 'email' }, traits: ['plan'] },
          'query',
        ],
        [
          { engine: 'duckdb', path: '/tmp/x.duckdb', query: 'SELECT 1; DROP TABLE x', identifiers: { email: 'email' }, traits: ['plan'] },
          'query',
        ],
        [{ engine: 'duckdb', path: '/tmp/x.duckdb', query: 'SELECT 1', identifiers: {}, traits: ['plan'] }, 'identifiers'],
        [{ engine: 'duckdb', path: '/tmp/x.duckdb', query: 'SELECT 1', identifiers: { fax: 'fax' }, traits: ['plan'] }, 'identifiers'],
        [{ engine: 'duckdb', path: '/tmp/x.duckdb', query: 'SELECT 1', identifiers: { email: 'email' }, traits: [] }, 'traits'],
        [{ engine: 'duckdb', path: '/tmp/x.duckdb', query: 'SELECT 1', identifiers: { email: 'email' }, traits: ['email'] }, 'traits.0'],
        [
          {
            engine: 'duckdb',
            path: '/tmp/x.duckdb',
            query: 'SELECT 1',
            identifiers: { email: 'email' },
            traits: ['plan'],
            schedule: 'every hour',
          },
          'schedule',
        ],
        [{ engine: 'oracle', query: 'SELECT 1', identifiers: { email: 'email' }, traits: ['plan'] }, 'engine'],
        // A DuckDB file outside the service's warehouse directory: its neighbours would be readable.
        [
          {
            engine: 'duckdb',
            path: '/etc/baton.duckdb',
            query: "SELECT * FROM read_csv('/etc/passwd')",
            identifiers: { email: 'email' },
            traits: ['plan'],
          },
          'path',
        ],
      ];
      for (const [config, field] of cases) {
        const r = await call('POST', '/connections', { type: 'warehouse', config });
        expect(r.status).toBe(400);
        expect((r.json.error?.details as { path: string }[]).map((d) => d.path)).toContain(field);
      }
    });

    it('PATCH /connections/:id applies the config change as a JSON merge patch: nested settings merge, null removes', async () => {
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(dir, 'wh.duckdb'),
          query: 'SELECT 1 AS email',
          identifiers: { email: 'email', phone: 'mobile' },
          traits: ['plan'],
          schedule: '0 * * * *',
        },
      });
      expect(created.status).toBe(201);
      const id = created.json['connectionId'] as string;
      const patched = await call('PATCH', `/connections/${id}`, {
        config: { identifiers: { phone: null, externalId: 'customer_id' }, traits: ['plan', 'seats'], schedule: null },
      });
      expect(patched.status).toBe(200);
      const config = (await call('GET', `/connections/${id}`)).json['config'] as Record<string, unknown>;
      expect(config['identifiers']).toEqual({ email: 'email', externalId: 'customer_id' });
      expect(config['traits']).toEqual(['plan', 'seats']);
      expect(config).not.toHaveProperty('schedule');
      expect((await call('DELETE', `/connections/${id}`)).status).toBe(204);
    });

    it('syncs a DuckDB file: traits on resolved profiles with their source, bad rows rejected with reasons, only new rows by cursor, trait.changed starts a playbook and policies read the traits', async () => {
      // A person Baton already knows from another source: the warehouse row must land on them.
      const known = await call('POST', '/events', {
        source: 'api',
        type: 'contact.created',
        occurredAt: '2026-11-01T10:00:00Z',
        subject: { identifiers: [{ type: 'email', value: 'ana@acme.io' }], traits: { firstName: 'Ana' } },
      });
      const anaProfile = known.json['profileId'] as string;
      const file = csv('customers.csv', [
        CSV_HEAD,
        'ana@acme.io,,pro,5,2026-11-01T00:00:00Z',
        'bo@acme.io,+14155550101,free,1,2026-11-02T00:00:00Z',
        'not-an-email,,free,1,2026-11-03T00:00:00Z',
        ',,enterprise,50,2026-11-04T00:00:00Z',
        'cy@acme.io,,enterprise,40,2026-11-05T00:00:00Z',
      ]);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(dir, 'wh.duckdb'),
          query: `SELECT * FROM read_csv('${file}')`,
          identifiers: { email: 'email', phone: 'phone' },
          traits: ['plan', 'seats'],
          cursor: 'updated_at',
        },
      });
      expect(created.status).toBe(201);
      const id = created.json['connectionId'] as string;
      expect(created.json).toMatchObject({ type: 'warehouse', status: 'active', config: { engine: 'duckdb', cursor: 'updated_at' } });
      expect((await call('POST', `/connections/${id}/test`)).json).toMatchObject({
        ok: true,
        details: { columns: ['email', 'phone', 'plan', 'seats', 'updated_at'] },
      });
      expect((await call('GET', '/connections')).json['connections']).toEqual(
        expect.arrayContaining([expect.objectContaining({ id, type: 'warehouse' })]),
      );

      const first = await syncAndWait(id);
      expect(first).toMatchObject({
        status: 'succeeded',
        rowsRead: 5,
        rowsRejected: 2,
        profilesMatched: 1,
        profilesCreated: 2,
        eventsEmitted: 3,
        trigger: 'api',
      });
      expect(first.rejections).toEqual([
        { row: 3, reason: expect.stringMatching(/^no usable identifier: email is not valid/) },
        { row: 4, reason: expect.stringMatching(/^no identifier: email \(column email\), phone \(column phone\) empty/) },
      ]);
      await processed();
      expect(await profileOf('ana@acme.io')).toBe(anaProfile);
      const ana = await profile('ana@acme.io');
      expect(ana['traits']).toMatchObject({ plan: 'pro', seats: 5, firstName: 'Ana' });
      expect((ana['traitSources'] as Record<string, { source: string }>)['plan']?.source).toBe(`warehouse:${id}`);
      expect((ana['traitSources'] as Record<string, { source: string }>)['firstName']?.source).toBe('api');

      // A second sync with nothing new reads nothing (the cursor stands at the last row).
      expect(await syncAndWait(id)).toMatchObject({ status: 'succeeded', rowsRead: 0, eventsEmitted: 0 });

      // Policies and triggers see the traits: a playbook on trait.changed when the plan becomes enterprise,
      // and an action only enterprise accounts are eligible for.
      expect((await call('PUT', '/policies', { holdout: { share: 0 }, randomControlShare: 0, reach: { initial: 1 } })).status).toBe(200);
      expect(
        (
          await call('PUT', '/actions', {
            actions: [
              {
                id: 'exec-call',
                label: 'Executive call',
                channel: 'task',
                value: 100,
                eligibility: { '==': [{ var: 'profile.traits.plan' }, 'enterprise'] },
              },
              {
                id: 'upgrade-nudge',
                label: 'Upgrade nudge',
                channel: 'task',
                value: 1,
                eligibility: { '!=': [{ var: 'profile.traits.plan' }, 'enterprise'] },
              },
            ],
          })
        ).status,
      ).toBe(200);
      const playbook = {
        id: 'enterprise-welcome',
        version: 1,
        name: 'Enterprise welcome',
        concurrency: 'unlimited',
        trigger: { events: ['trait.changed'], when: { '==': [{ var: 'profile.traits.plan' }, 'enterprise'] } },
        steps: [
          { id: 'hold', kind: 'wait', wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'never.happens'] }, timeout: '1d' } },
        ],
      };
      expect((await call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await call('POST', '/playbooks/enterprise-welcome/publish', {})).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2_100)); // the pipeline's 2 s trigger cache
      const before = await call('POST', '/decisions', { profileId: anaProfile });
      expect((before.json['action'] as { id: string } | null)?.id).toBe('upgrade-nudge');

      // Ana upgrades; Di is new. The third sync reads only these two rows.
      csv(
        'customers.csv',
        [
          CSV_HEAD,
          'ana@acme.io,,pro,5,2026-11-01T00:00:00Z',
          'bo@acme.io,+14155550101,free,1,2026-11-02T00:00:00Z',
          'not-an-email,,free,1,2026-11-03T00:00:00Z',
          ',,enterprise,50,2026-11-04T00:00:00Z',
          'cy@acme.io,,enterprise,40,2026-11-05T00:00:00Z',
          'ana@acme.io,,enterprise,60,2026-11-06T00:00:00Z',
          'di@acme.io,,free,1,2026-11-07T00:00:00Z',
        ].filter((l, i) => i !== 1),
      );
      const third = await syncAndWait(id);
      expect(third).toMatchObject({
        status: 'succeeded',
        rowsRead: 2,
        rowsRejected: 0,
        profilesMatched: 1,
        profilesCreated: 1,
        eventsEmitted: 2,
      });
      await processed();
      expect((await profile('ana@acme.io'))['traits']).toMatchObject({ plan: 'enterprise', seats: 60 });
      const change = await svc.runtime.db.query<{ properties: { changes: unknown } }>(
        `SELECT properties FROM events WHERE tenant_id = $1 AND type = 'trait.changed' AND profile_id = $2 ORDER BY seq DESC LIMIT 1`,
        [tenantId, anaProfile],
      );
      expect(change.rows[0]?.properties.changes).toEqual({ plan: { from: 'pro', to: 'enterprise' }, seats: { from: 5, to: 60 } });
      const runs = await waitFor(async () => {
        const r = await svc.runtime.db.query<{ profile_id: string }>(
          `SELECT profile_id FROM runs WHERE tenant_id = $1 AND playbook_id = 'enterprise-welcome'`,
          [tenantId],
        );
        return r.rows.length > 0 ? r.rows : undefined;
      }, 'the playbook started by trait.changed');
      expect(runs.map((r) => r.profile_id)).toEqual([anaProfile]);
      const after = await call('POST', '/decisions', { profileId: anaProfile });
      expect((after.json['action'] as { id: string } | null)?.id).toBe('exec-call');
    }, 120_000);

    it('resumes a sync whose page failed between ingesting its rows and its checkpoint, without applying any row twice', async () => {
      const lines = [CSV_HEAD];
      for (let i = 0; i < 7; i++) lines.push(`crash${i}@acme.io,,team,${i},2026-11-0${i + 1}T00:00:00Z`);
      const file = csv('crash.csv', lines);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(dir, 'wh.duckdb'),
          query: `SELECT * FROM read_csv('${file}')`,
          identifiers: { email: 'email' },
          traits: ['plan', 'seats'],
          cursor: 'updated_at',
        },
      });
      const id = created.json['connectionId'] as string;
      crashes.add(id);
      const before = await svc.runtime.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND source = 'warehouse'`,
        [tenantId],
      );
      const done = await syncAndWait(id);
      expect(crashed.length).toBe(1);
      expect(done).toMatchObject({
        status: 'succeeded',
        rowsRead: 7,
        rowsRejected: 0,
        eventsEmitted: 7,
        profilesCreated: 7,
        profilesMatched: 0,
      });
      const events = await svc.runtime.db.query<{ n: number; people: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT profile_id)::int AS people FROM events WHERE tenant_id = $1 AND source = 'warehouse' AND properties->>'connectionId' = $2`,
        [tenantId, id],
      );
      expect(events.rows[0]).toEqual({ n: 7, people: 7 });
      const all = await svc.runtime.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND source = 'warehouse'`,
        [tenantId],
      );
      expect((all.rows[0]?.n ?? 0) - (before.rows[0]?.n ?? 0)).toBe(7);
    }, 60_000);

    it('starts a sync when its cron slot comes (one per slot) and shows the next one', async () => {
      const file = csv('scheduled.csv', [CSV_HEAD, 'sched@acme.io,,pro,3,2026-11-01T00:00:00Z']);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(dir, 'wh.duckdb'),
          query: `SELECT * FROM read_csv('${file}')`,
          identifiers: { email: 'email' },
          traits: ['plan'],
          schedule: '*/10 * * * *',
        },
      });
      const id = created.json['connectionId'] as string;
      const nextAt = Date.parse(created.json['nextSyncAt'] as string);
      expect(nextAt).toBeGreaterThan(Date.now() - 1000);
      expect(nextAt - Date.now()).toBeLessThanOrEqual(10 * 60_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(((await call('GET', `/connections/${id}/syncs`)).json['syncs'] as unknown[]).length).toBe(0);
      clock = nextAt + 1_000;
      const syncs = await waitFor(
        async () => {
          const list = (await call('GET', `/connections/${id}/syncs`)).json['syncs'] as SyncJson[];
          return list.length > 0 && list.every((s) => s.status === 'succeeded') ? list : undefined;
        },
        'the scheduled sync',
        30_000,
        100,
      );
      expect(syncs.map((s) => [s.trigger, s.rowsRead])).toEqual([['schedule', 1]]);
      await new Promise((r) => setTimeout(r, 600)); // several ticks inside the same slot start nothing more
      expect(((await call('GET', `/connections/${id}/syncs`)).json['syncs'] as unknown[]).length).toBe(1);
      clock = nextAt + 10 * 60_000 + 1_000;
      await waitFor(
        async () => (((await call('GET', `/connections/${id}/syncs`)).json['syncs'] as unknown[]).length === 2 ? true : undefined),
        'the next slot',
        30_000,
        100,
      );
    }, 60_000);

    it('keeps an audience: members enter and leave (events), and a policy reads the membership', async () => {
      const file = csv('trial.csv', ['email,started', 'tina@acme.io,2026-11-01', 'tom@acme.io,2026-11-02']);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(dir, 'wh.duckdb'),
          query: `SELECT email FROM read_csv('${file}')`,
          identifiers: { email: 'email' },
          audience: 'trial',
        },
      });
      expect(created.status).toBe(201);
      const id = created.json['connectionId'] as string;
      expect(await syncAndWait(id)).toMatchObject({ status: 'succeeded', rowsRead: 2, eventsEmitted: 2 });
      await processed();
      expect((await profile('tom@acme.io'))['traits']).toMatchObject({ audience_trial: true });
      expect(
        (
          await call('PUT', '/actions', {
            actions: [
              {
                id: 'trial-tips',
                label: 'Trial tips',
                channel: 'task',
                value: 10,
                eligibility: { '==': [{ var: 'profile.traits.audience_trial' }, true] },
              },
              {
                id: 'newsletter',
                label: 'Newsletter',
                channel: 'task',
                value: 1,
                eligibility: { '!=': [{ var: 'profile.traits.audience_trial' }, true] },
              },
            ],
          })
        ).status,
      ).toBe(200);
      const tom = await profileOf('tom@acme.io');
      expect(((await call('POST', '/decisions', { profileId: tom })).json['action'] as { id: string }).id).toBe('trial-tips');

      csv('trial.csv', ['email,started', 'tina@acme.io,2026-11-01']);
      expect(await syncAndWait(id)).toMatchObject({ status: 'succeeded', rowsRead: 1, rowsUnchanged: 1, eventsEmitted: 1 });
      await processed();
      expect((await profile('tom@acme.io'))['traits']).toMatchObject({ audience_trial: false });
      expect((await profile('tina@acme.io'))['traits']).toMatchObject({ audience_trial: true });
      expect(((await call('POST', '/decisions', { profileId: tom })).json['action'] as { id: string }).id).toBe('newsletter');
      expect(await warehouseEvents()).toEqual(
        expect.arrayContaining([
          { type: 'audience.entered', n: 2 },
          { type: 'audience.left', n: 1 },
        ]),
      );
    }, 60_000);

    it('reads Parquet files beside the DuckDB database (read_parquet)', async () => {
      const parquet = path.join(dir, 'usage.parquet');
      await duckRows(
        path.join(dir, 'parquet-writer.duckdb'),
        `COPY (SELECT * FROM (VALUES ('pq1@acme.io', 'pro', 14), ('pq2@acme.io', 'enterprise', 230)) t(email, plan, weekly_active_users)) TO '${parquet}' (FORMAT PARQUET)`,
      );
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(dir, 'wh.duckdb'),
          query: `SELECT * FROM read_parquet('${parquet}')`,
          identifiers: { email: 'email' },
          traits: ['plan', 'weekly_active_users'],
        },
      });
      expect(created.status).toBe(201);
      expect(await syncAndWait(created.json['connectionId'] as string)).toMatchObject({
        status: 'succeeded',
        rowsRead: 2,
        profilesCreated: 2,
      });
      await processed();
      expect((await profile('pq2@acme.io'))['traits']).toMatchObject({ plan: 'enterprise', weekly_active_users: 230 });
    }, 60_000);

    it('`baton sync <connectionId>` starts a sync, prints its progress and the final counts', async () => {
      const lines = [CSV_HEAD];
      for (let i = 0; i < 5; i++) lines.push(`cli${i}@acme.io,,pro,${i},2026-11-0${i + 1}T00:00:00Z`);
      lines.push('bad-address,,pro,9,2026-11-09T00:00:00Z');
      const file = csv('cli.csv', lines);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(dir, 'wh.duckdb'),
          query: `SELECT * FROM read_csv('${file}')`,
          identifiers: { email: 'email' },
          traits: ['plan'],
          cursor: 'updated_at',
        },
      });
      const id = created.json['connectionId'] as string;
      const child = spawnTs('server/cli/main.ts', { LOG_LEVEL: 'warn' }, [
        'sync',
        id,
        '--api-key',
        apiKey,
        '--url',
        svc.url,
        '--interval-ms',
        '20',
      ]);
      expect(await child.exited).toBe(0);
      const final = JSON.parse(child.lines.join('')) as SyncJson;
      expect(final).toMatchObject({ status: 'succeeded', rowsRead: 6, rowsRejected: 1, profilesCreated: 5, trigger: 'cli' });
      const progress = child.stderr().trim().split('\n');
      expect(progress[progress.length - 1]).toBe('succeeded: 6 rows read, 0 matched, 5 created, 1 rejected');
      // Usage errors exit 2 and say what is missing.
      const bad = spawnTs('server/cli/main.ts', { LOG_LEVEL: 'warn' }, ['sync', id]);
      expect(await bad.exited).toBe(2);
      expect(bad.stderr()).toMatch(/--api-key is required/);
    }, 60_000);

    it('exports decisions and finished runs to a DuckDB table, incrementally', async () => {
      const target = path.join(dir, 'export.duckdb');
      const file = csv('export-source.csv', [CSV_HEAD, 'ex@acme.io,,pro,1,2026-11-01T00:00:00Z']);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: target,
          query: `SELECT * FROM read_csv('${file}')`,
          identifiers: { email: 'email' },
          traits: ['plan'],
          exportTable: 'baton_export',
        },
      });
      const id = created.json['connectionId'] as string;
      const exportAndWait = async (): Promise<Json> => {
        const r = await call('POST', `/connections/${id}/export`);
        expect(r.status).toBe(202);
        return waitFor(
          async () => {
            const e = (await call('GET', `/connections/${id}/exports/${r.json['exportId'] as string}`)).json;
            return e['status'] === 'succeeded' || e['status'] === 'failed' ? e : undefined;
          },
          'the export',
          30_000,
          100,
        );
      };
      await processed(); // pipeline decisions of earlier syncs are made before the counts below
      // The enterprise-welcome run (started by trait.changed) ends: a run result to export.
      const run = await svc.runtime.db.query<{ id: string }>(
        `SELECT id FROM runs WHERE tenant_id = $1 AND playbook_id = 'enterprise-welcome'`,
        [tenantId],
      );
      const runId = run.rows[0]?.id ?? '';
      expect((await call('POST', `/runs/${runId}/cancel`, {})).status).toBe(200);
      await waitFor(
        async () =>
          (await svc.runtime.db.query(`SELECT 1 FROM runs WHERE tenant_id = $1 AND id = $2 AND ended_at IS NOT NULL`, [tenantId, runId]))
            .rows.length === 1
            ? true
            : undefined,
        'the cancelled run',
      );
      const decisions = await svc.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decisions WHERE tenant_id = $1', [
        tenantId,
      ]);
      const first = await exportAndWait();
      expect(first).toMatchObject({ status: 'succeeded', table: 'baton_export' });
      expect(first['counts']).toEqual({ decision: decisions.rows[0]?.n, run: 1 });
      expect(
        await duckRows(
          target,
          `SELECT data->>'playbookId' AS playbook, data->>'status' AS status FROM baton_export WHERE id = 'run:${runId}'`,
        ),
      ).toEqual([{ playbook: 'enterprise-welcome', status: 'cancelled' }]);
      const rows = await duckRows(target, `SELECT kind, count(*)::INTEGER AS n FROM baton_export GROUP BY kind ORDER BY kind`);
      expect(rows.find((r) => r['kind'] === 'decision')?.['n']).toBe(decisions.rows[0]?.n);
      expect((await exportAndWait())['rowsWritten']).toBe(0);
      const more = await call('POST', '/decisions', { profileId: await profileOf('tina@acme.io') });
      const third = await exportAndWait();
      expect(third['counts']).toEqual({ decision: 1 });
      const one = await duckRows(
        target,
        `SELECT profile_id, data->>'actionId' AS action FROM baton_export WHERE id = 'decision:${more.json['decisionId'] as string}'`,
      );
      expect(one).toEqual([{ profile_id: await profileOf('tina@acme.io'), action: 'trial-tips' }]);
    }, 60_000);
  });
}

describeWith(['postgres'], 'warehouse on PostgreSQL (a schema on the test server)', () => {
  let svc: TestService;
  let call: ReturnType<typeof api>;
  let admin: pg.Client;
  const schema = uniqueName('wh');

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(
      `CREATE TABLE ${schema}.accounts (id serial PRIMARY KEY, contact_email text, plan text, mrr numeric, changed_at timestamptz NOT NULL)`,
    );
    await admin.query(
      `INSERT INTO ${schema}.accounts (contact_email, plan, mrr, changed_at) VALUES ('pat@pg.io', 'pro', 99.5, '2026-11-01T00:00:00Z'), ('quinn@pg.io', 'free', 0, '2026-11-02T00:00:00Z'), (NULL, 'pro', 10, '2026-11-03T00:00:00Z')`,
    );
    svc = await startTestService('embedded', {
      modules: [
        identityModule,
        decisioningModule,
        automationModule,
        cardsModule,
        runsModule({ stuckSweepIntervalMs: 0 }),
        warehouseModuleWith({ pageSize: 2, exportHorizonMs: 0 }),
      ],
    });
    const t = await createTenant(svc.runtime.db, 'PG warehouse');
    call = api(svc.url, t.apiKey);
  }, 180_000);
  afterAll(async () => {
    await svc?.stop();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  const waitDone = async (url: string): Promise<Json> =>
    waitFor(
      async () => {
        const s = (await call('GET', url)).json;
        return s['status'] === 'succeeded' || s['status'] === 'failed' ? s : undefined;
      },
      url,
      30_000,
      100,
    );

  it('syncs traits from a query, incrementally by cursor, seals the URL, and exports incrementally to a table', async () => {
    const url = TEST_DATABASE_URL;
    const created = await call('POST', '/connections', {
      type: 'warehouse',
      config: {
        engine: 'postgres',
        url,
        query: `SELECT contact_email, plan, mrr, changed_at FROM ${schema}.accounts`,
        identifiers: { email: 'contact_email' },
        traits: ['plan', 'mrr'],
        cursor: 'changed_at',
        exportTable: `${schema}.baton_export`,
      },
    });
    expect(created.status).toBe(201);
    const id = created.json['connectionId'] as string;
    expect(created.json['secrets']).toEqual(['url']);
    expect(JSON.stringify((await call('GET', `/connections/${id}`)).json)).not.toContain(url);
    const stored = await svc.runtime.db.query<{ config: unknown; secret_ciphertext: string }>(
      'SELECT config, secret_ciphertext FROM connections WHERE id = $1',
      [id],
    );
    expect(JSON.stringify(stored.rows[0]?.config)).not.toContain(url);
    expect(stored.rows[0]?.secret_ciphertext).not.toContain(url);

    const s1 = (await call('POST', `/connections/${id}/sync`)).json;
    const first = await waitDone(`/connections/${id}/syncs/${s1['syncId'] as string}`);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: 3, rowsRejected: 1, profilesCreated: 2, eventsEmitted: 2 });
    await admin.query(
      `INSERT INTO ${schema}.accounts (contact_email, plan, mrr, changed_at) VALUES ('pat@pg.io', 'enterprise', 500, '2026-11-04T00:00:00Z')`,
    );
    const s2 = (await call('POST', `/connections/${id}/sync`)).json;
    expect(await waitDone(`/connections/${id}/syncs/${s2['syncId'] as string}`)).toMatchObject({
      status: 'succeeded',
      rowsRead: 1,
      profilesMatched: 1,
      eventsEmitted: 1,
    });
    const pat = await waitFor(async () => {
      const p = await svc.runtime.db.query<{ profile_id: string }>(
        `SELECT profile_id FROM profile_traits WHERE name = 'plan' AND value = '"enterprise"'::jsonb`,
      );
      return p.rows[0]?.profile_id;
    }, 'the enterprise trait');
    expect(((await call('GET', `/profiles/${pat}`)).json['traits'] as Record<string, unknown>)['mrr']).toBe(500);

    await call('PUT', '/actions', { actions: [{ id: 'call', label: 'Call', channel: 'task', value: 1 }] });
    await call('POST', '/decisions', { profileId: pat });
    const e1 = (await call('POST', `/connections/${id}/export`)).json;
    expect(await waitDone(`/connections/${id}/exports/${e1['exportId'] as string}`)).toMatchObject({
      status: 'succeeded',
      counts: { decision: 1 },
    });
    const second = (await call('POST', '/decisions', { profileId: pat })).json;
    expect((await call('POST', `/decisions/${second['decisionId'] as string}/outcome`, { outcome: 'positive', value: 40 })).status).toBe(
      200,
    );
    const e2 = (await call('POST', `/connections/${id}/export`)).json;
    expect(await waitDone(`/connections/${id}/exports/${e2['exportId'] as string}`)).toMatchObject({
      status: 'succeeded',
      rowsWritten: 2,
      counts: { decision: 1, outcome: 1 },
    });
    const exported = await admin.query<{ id: string; kind: string; profile_id: string; action: string; outcome: string | null }>(
      `SELECT id, kind, profile_id, data->>'actionId' AS action, data->>'outcome' AS outcome FROM ${schema}.baton_export ORDER BY occurred_at, kind`,
    );
    expect(exported.rows.map((r) => [r.kind, r.profile_id, r.action, r.outcome])).toEqual([
      ['decision', pat, 'call', null],
      ['decision', pat, 'call', null],
      ['outcome', pat, 'call', 'positive'],
    ]);
    expect(exported.rows[2]?.id).toBe(`outcome:${second['decisionId'] as string}`);
    // A third export has nothing new to write.
    const e3 = (await call('POST', `/connections/${id}/export`)).json;
    expect(await waitDone(`/connections/${id}/exports/${e3['exportId'] as string}`)).toMatchObject({ status: 'succeeded', rowsWritten: 0 });
  }, 90_000);
});
