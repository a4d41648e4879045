/**
 * A warehouse sync survives `kill -9` (issue #21 item 2: a killed sync resumes and never half-applies
 * a row). Real service processes (test/support/warehouse-child.ts), really killed, on embedded
 * PostgreSQL (the data directory lock is free again after the kill) and on PostgreSQL + Redis:
 *
 *  1. A seed sync applies 30 people. The table then changes: 6 of them change, 24 do not, ROWS - 30
 *     people are new, and 2 rows have no usable email.
 *  2. The second sync (5 rows a page) is killed with SIGKILL while it holds between ingesting page 8
 *     and committing that page's checkpoint: page 8's rows are in the event log, the checkpoint is not.
 *  3. A restarted process resumes it and is killed again, this time wherever it happens to be.
 *  4. A third process finishes it. Every row is applied exactly once: one `trait.changed` per changed
 *     row, no duplicate event, one profile per person, traits equal to the data, and the sync record's
 *     counters equal to what the event log and identity graph hold.
 *
 * And an audience sync killed while members are leaving it: each `audience.left` is emitted and
 * counted once (the count moves with the member's removal; it used to be added after the batch, so a
 * kill mid-batch lost the count of members already removed).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '../../server/db/database';
import { openPglite } from '../../server/db/pglite';
import { dropSchema, openPostgres } from '../../server/db/postgres';
import { spawnTs, type Child } from '../support/child';
import { modes, obliterateQueue, TEST_KEY } from '../support/runtime';
import { describeWith, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName, waitFor } from '../support/services';
import { api } from './messaging/helpers';

const ROWS = 300;
const PAGE = 5;
const HOLD_PAGE = 8;
const SEED = 30;
const PLANS = ['free', 'team', 'pro'] as const;
const MEMBERS = 20;
const STAY = 5;
const HOLD_LEFT = 6;

interface Row {
  email: string | null;
  plan: string;
  seats: number;
}
const email = (i: number): string => `p${i}@kill.io`;
const seedRow = (i: number): Row => ({ email: email(i), plan: PLANS[i % 3] ?? 'free', seats: i });
/** Seed people whose index is a multiple of 5 change; everyone from SEED on is new. */
const isChanged = (i: number): boolean => i >= SEED || i % 5 === 0;
const secondRow = (i: number): Row => (i < SEED && i % 5 === 0 ? { email: email(i), plan: 'enterprise', seats: i + 1000 } : seedRow(i));
const secondRows: Row[] = [
  ...Array.from({ length: ROWS }, (_, i) => secondRow(i)),
  { email: 'zz-not-an-email', plan: 'team', seats: 1 },
  { email: null, plan: 'pro', seats: 2 },
];
const toCsv = (rows: readonly Row[]): string =>
  `email,plan,seats\n${rows.map((r) => `${r.email ?? ''},${r.plan},${r.seats}`).join('\n')}\n`;

type SyncJson = Record<string, unknown> & { status?: string; rowsRead?: number };

for (const { mode, needs } of modes) {
  describeWith(needs, `warehouse sync survives SIGKILL (${mode})`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'baton-whkill-'));
    const schema = uniqueName('whkill');
    const queue = uniqueName('q');
    const env: Record<string, string> = {
      PORT: '0',
      LOG_LEVEL: 'warn',
      BATON_DATA_DIR: dataDir,
      BATON_ENCRYPTION_KEY: TEST_KEY,
      WH_CHILD_PAGE_SIZE: String(PAGE),
      ...(mode === 'postgres+redis'
        ? { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, WH_CHILD_SCHEMA: schema, WH_CHILD_QUEUE: queue }
        : {}),
    };
    const children: Child[] = [];
    const start = async (
      extra: Record<string, string> = {},
    ): Promise<{ child: Child; url: string; tenantId?: string; apiKey?: string }> => {
      const child = spawnTs('test/support/warehouse-child.ts', { ...env, ...extra });
      children.push(child);
      const line = (await child.waitForLine(/^(\{.*\})$/, 120_000))[1] ?? '{}';
      const info = JSON.parse(line) as { url: string; tenantId?: string; apiKey?: string };
      return { child, ...info };
    };
    const kill = async (child: Child): Promise<void> => {
      child.proc.kill('SIGKILL');
      await child.exited;
    };
    /** Waits until the child reports, after line `mark`, that its outbox holds nothing pending. */
    const drained = async (child: Child, mark: number): Promise<void> => {
      await waitFor(async () => child.lines.slice(mark).includes('PENDING 0'), 'every event to be processed', 120_000, 100).catch(
        (err: unknown) => {
          throw new Error(`${String(err)}; last report: ${child.lines.filter((l) => l.startsWith('PENDING')).at(-1) ?? 'none'}`);
        },
      );
    };
    const openDb = async (): Promise<Database> =>
      mode === 'embedded' ? openPglite({ dataDir }) : openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 2 });

    // A test's processes never outlive it: a leftover one would take the next test's jobs.
    afterEach(async () => {
      for (const c of children) {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
        c.proc.kill('SIGKILL');
        await c.exited;
      }
    });
    afterAll(async () => {
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      if (mode === 'postgres+redis') {
        await dropSchema(TEST_DATABASE_URL, schema);
        await obliterateQueue(queue);
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('applies every row exactly once after kills mid-page and mid-sync', async () => {
      const first = await start({ WH_CHILD_TENANT: 'Kill', WH_CHILD_HOLD_PAGE: String(HOLD_PAGE) });
      const tenantId = first.tenantId ?? '';
      const apiKey = first.apiKey ?? '';
      const files = path.join(dataDir, 'warehouse');
      mkdirSync(files, { recursive: true });
      const csv = path.join(files, 'people.csv');
      writeFileSync(csv, toCsv(Array.from({ length: SEED }, (_, i) => seedRow(i))));

      let call = api(first.url, apiKey);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(files, 'wh.duckdb'),
          query: `SELECT * FROM read_csv('${csv}')`,
          identifiers: { email: 'email' },
          traits: ['plan', 'seats'],
        },
      });
      expect(created.status).toBe(201);
      const connectionId = created.json['connectionId'] as string;
      const syncOf = async (syncId: string): Promise<SyncJson> =>
        (await call('GET', `/connections/${connectionId}/syncs/${syncId}`)).json as SyncJson;
      const finished = async (syncId: string, timeoutMs: number): Promise<SyncJson> =>
        waitFor(
          async () => {
            const s = await syncOf(syncId);
            return s.status === 'succeeded' || s.status === 'failed' ? s : undefined;
          },
          `sync ${syncId} to finish`,
          timeoutMs,
          100,
        );

      // 1. The seed sync (fewer pages than HOLD_PAGE, so it is not held).
      const seedId = (await call('POST', `/connections/${connectionId}/sync`)).json['syncId'] as string;
      expect(await finished(seedId, 60_000)).toMatchObject({
        status: 'succeeded',
        rowsRead: SEED,
        profilesCreated: SEED,
        eventsEmitted: SEED,
      });

      // 2. The table changes; the second sync is killed between page HOLD_PAGE's rows and its checkpoint.
      writeFileSync(csv, toCsv(secondRows));
      const started = await call('POST', `/connections/${connectionId}/sync`);
      expect(started.status).toBe(202);
      const syncId = started.json['syncId'] as string;
      await waitFor(
        async () => {
          const s = await syncOf(syncId);
          return s.status === 'running' && (s.rowsRead ?? 0) > 0;
        },
        'the sync to be running with rows read',
        60_000,
        20,
      );
      await first.child.waitForLine(new RegExp(`^HELD ${syncId} ${HOLD_PAGE} `), 60_000);
      await kill(first.child);

      // What the kill left: HOLD_PAGE pages checkpointed, page HOLD_PAGE's rows ingested on top.
      const sorted = [...secondRows].sort((a, b) =>
        a.email === null ? 1 : b.email === null ? -1 : a.email < b.email ? -1 : a.email > b.email ? 1 : 0,
      );
      const changedIn = (rows: readonly Row[]): number =>
        rows.filter((r) => r.email !== null && r.email.startsWith('p') && isChanged(Number(r.email.slice(1, r.email.indexOf('@'))))).length;
      let db = await openDb();
      try {
        const midway = await db.query<{ status: string; offset_rows: number; rows_read: number; events: number }>(
          `SELECT s.status, s.offset_rows, s.rows_read,
             (SELECT count(*)::int FROM events e WHERE e.tenant_id = s.tenant_id AND e.source = 'warehouse' AND e.properties->>'syncId' = s.id) AS events
           FROM warehouse_syncs s WHERE s.tenant_id = $1 AND s.id = $2`,
          [tenantId, syncId],
        );
        expect(midway.rows[0]).toEqual({
          status: 'running',
          offset_rows: HOLD_PAGE * PAGE,
          rows_read: HOLD_PAGE * PAGE,
          events: changedIn(sorted.slice(0, (HOLD_PAGE + 1) * PAGE)),
        });
      } finally {
        await db.close();
      }

      // 3. A restarted process resumes the sync; it is killed again once it has made progress.
      const second = await start();
      call = api(second.url, apiKey);
      const atSecondKill = await waitFor(
        async () => {
          const s = await syncOf(syncId);
          if (s.status !== 'running') return s.status === 'queued' ? undefined : s;
          return (s.rowsRead ?? 0) > (HOLD_PAGE + 2) * PAGE ? s : undefined;
        },
        'the resumed sync to make progress',
        90_000,
        10,
      );
      expect(atSecondKill.status).toBe('running'); // killed mid-sync, not after it
      await kill(second.child);

      // 4. A third process finishes it.
      const third = await start();
      call = api(third.url, apiKey);
      const done = await finished(syncId, 120_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\nsecond: ${second.child.stderr().slice(-2000)}\nthird: ${third.child.stderr().slice(-2000)}`);
      });
      const newPeople = ROWS - SEED;
      const changedSeed = Array.from({ length: SEED }, (_, i) => i).filter((i) => i % 5 === 0).length;
      expect(done).toMatchObject({
        status: 'succeeded',
        rowsRead: ROWS + 2,
        rowsRejected: 2,
        rowsUnchanged: SEED - changedSeed,
        eventsEmitted: newPeople + changedSeed,
        profilesCreated: newPeople,
        profilesMatched: SEED,
      });
      expect((done['rejections'] as unknown[]).length).toBe(2);

      // Every event processed (its traits recorded) before the database is read directly: the service
      // reports its outbox rows not yet done; then it stops cleanly (releasing the embedded database).
      const mark = third.child.lines.length;
      await drained(third.child, mark);
      third.child.proc.kill('SIGTERM');
      expect(await third.child.exited).toBe(0);
      db = await openDb();
      const outboxDone = async (q: Database): Promise<boolean> =>
        ((await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND status <> 'done'`, [tenantId]))
          .rows[0]?.n ?? 1) === 0;
      try {
        expect(await outboxDone(db)).toBe(true);
        const events = await db.query<{
          source_event_id: string;
          id: string;
          type: string;
          subject: { identifiers: { type: string; value: string }[] };
          properties: Record<string, unknown>;
          profile_id: string | null;
        }>(
          `SELECT source_event_id, id, type, subject, properties, profile_id FROM events WHERE tenant_id = $1 AND source = 'warehouse' ORDER BY seq`,
          [tenantId],
        );
        expect(new Set(events.rows.map((e) => e.source_event_id)).size).toBe(events.rows.length);
        expect(new Set(events.rows.map((e) => e.id)).size).toBe(events.rows.length);
        const ofSync = (id: string) => events.rows.filter((e) => e.properties['syncId'] === id);
        expect(ofSync(seedId)).toHaveLength(SEED);
        const changedEvents = ofSync(syncId);
        // One trait.changed per changed row, and none for an unchanged one.
        const emails = changedEvents.map((e) => e.subject.identifiers.find((x) => x.type === 'email')?.value ?? '');
        const expectedChanged = secondRows.flatMap((r, i) => (i < ROWS && isChanged(i) && r.email !== null ? [r.email] : []));
        expect(changedEvents.every((e) => e.type === 'trait.changed')).toBe(true);
        expect(emails.sort()).toEqual(expectedChanged.sort());
        for (const e of changedEvents.filter((x) => Number((x.subject.identifiers[0]?.value ?? '').slice(1).split('@')[0]) < SEED)) {
          expect(Object.keys(e.properties['changes'] as Record<string, unknown>).sort()).toEqual(['plan', 'seats']);
        }
        expect(done['eventsEmitted']).toBe(changedEvents.length);

        // One profile per person, found by every event about them; traits equal to the data.
        const profileOf = new Map<string, Set<string>>();
        for (const e of events.rows) {
          const who = e.subject.identifiers.find((x) => x.type === 'email')?.value ?? '';
          expect(e.profile_id).not.toBeNull();
          profileOf.set(who, (profileOf.get(who) ?? new Set()).add(e.profile_id ?? ''));
        }
        expect(profileOf.size).toBe(ROWS);
        expect([...profileOf.values()].every((s) => s.size === 1)).toBe(true);
        expect(new Set([...profileOf.values()].flatMap((s) => [...s])).size).toBe(ROWS);
        const profiles = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM identity_profiles WHERE tenant_id = $1', [tenantId]);
        expect(profiles.rows[0]?.n).toBe(ROWS);
        expect((done['profilesCreated'] as number) + SEED).toBe(profiles.rows[0]?.n);

        const traits = await db.query<{ profile_id: string; name: string; value: unknown }>(
          `SELECT profile_id, name, value FROM profile_traits WHERE tenant_id = $1`,
          [tenantId],
        );
        const byProfile = new Map<string, Record<string, unknown>>();
        for (const t of traits.rows) byProfile.set(t.profile_id, { ...byProfile.get(t.profile_id), [t.name]: t.value });
        const mismatches = secondRows.slice(0, ROWS).flatMap((r) => {
          const profileId = [...(profileOf.get(r.email ?? '') ?? [])][0] ?? '';
          const got = byProfile.get(profileId);
          return got?.['plan'] === r.plan && Number(got['seats']) === r.seats
            ? []
            : [{ email: r.email, want: { plan: r.plan, seats: r.seats }, got }];
        });
        expect(mismatches).toEqual([]);
        expect(byProfile.size).toBe(ROWS);
      } finally {
        await db.close();
      }
    }, 360_000);

    it('counts each audience member who left exactly once after a kill mid-leave', async () => {
      const first = await start({ WH_CHILD_TENANT: 'Audience', WH_CHILD_HOLD_LEFT: String(HOLD_LEFT) });
      const tenantId = first.tenantId ?? '';
      const apiKey = first.apiKey ?? '';
      const files = path.join(dataDir, 'warehouse');
      mkdirSync(files, { recursive: true });
      const csv = path.join(files, 'vip.csv');
      const member = (i: number): string => `m${String(i).padStart(2, '0')}@kill.io`;
      const members = (n: number): string => `email,plan\n${Array.from({ length: n }, (_, i) => `${member(i)},pro`).join('\n')}\n`;
      writeFileSync(csv, members(MEMBERS));

      let call = api(first.url, apiKey);
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: {
          engine: 'duckdb',
          path: path.join(files, 'vip.duckdb'),
          query: `SELECT * FROM read_csv('${csv}')`,
          identifiers: { email: 'email' },
          traits: ['plan'],
          audience: 'vip',
        },
      });
      expect(created.status).toBe(201);
      const connectionId = created.json['connectionId'] as string;
      const finished = async (syncId: string): Promise<SyncJson> =>
        waitFor(
          async () => {
            const s = (await call('GET', `/connections/${connectionId}/syncs/${syncId}`)).json as SyncJson;
            return s.status === 'succeeded' || s.status === 'failed' ? s : undefined;
          },
          `sync ${syncId} to finish`,
          120_000,
          100,
        );
      const seedId = (await call('POST', `/connections/${connectionId}/sync`)).json['syncId'] as string;
      expect(await finished(seedId)).toMatchObject({
        status: 'succeeded',
        rowsRead: MEMBERS,
        eventsEmitted: MEMBERS,
        profilesCreated: MEMBERS,
      });

      // Only the first STAY members remain: the others leave, and the sync is killed after HOLD_LEFT of them.
      writeFileSync(csv, members(STAY));
      const syncId = (await call('POST', `/connections/${connectionId}/sync`)).json['syncId'] as string;
      await first.child.waitForLine(new RegExp(`^HELD-LEFT ${syncId} ${HOLD_LEFT}$`), 60_000);
      await kill(first.child);
      let db = await openDb();
      try {
        const midway = await db.query<{ status: string; events_emitted: number; left_events: number; rows: number }>(
          `SELECT s.status, s.events_emitted,
             (SELECT count(*)::int FROM events e WHERE e.tenant_id = s.tenant_id AND e.type = 'audience.left' AND e.properties->>'syncId' = s.id) AS left_events,
             (SELECT count(*)::int FROM warehouse_rows w WHERE w.tenant_id = s.tenant_id AND w.connection_id = s.connection_id) AS rows
           FROM warehouse_syncs s WHERE s.tenant_id = $1 AND s.id = $2`,
          [tenantId, syncId],
        );
        // Each member's leave was counted with its drop: the record agrees with the log at the kill.
        expect(midway.rows[0]).toEqual({ status: 'running', events_emitted: HOLD_LEFT, left_events: HOLD_LEFT, rows: MEMBERS - HOLD_LEFT });
      } finally {
        await db.close();
      }

      const second = await start();
      call = api(second.url, apiKey);
      const mark = second.child.lines.length;
      const done = await finished(syncId);
      expect(done).toMatchObject({
        status: 'succeeded',
        rowsRead: STAY,
        rowsUnchanged: STAY,
        profilesMatched: STAY,
        profilesCreated: 0,
        eventsEmitted: MEMBERS - STAY,
      });
      await drained(second.child, mark);
      second.child.proc.kill('SIGTERM');
      expect(await second.child.exited).toBe(0);

      db = await openDb();
      try {
        const left = await db.query<{ source_event_id: string; subject: { identifiers: { type: string; value: string }[] } }>(
          `SELECT source_event_id, subject FROM events WHERE tenant_id = $1 AND type = 'audience.left' AND properties->>'syncId' = $2`,
          [tenantId, syncId],
        );
        expect(new Set(left.rows.map((e) => e.source_event_id)).size).toBe(left.rows.length);
        expect(left.rows.map((e) => e.subject.identifiers[0]?.value ?? '').sort()).toEqual(
          Array.from({ length: MEMBERS - STAY }, (_, i) => member(STAY + i)),
        );
        const rows = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM warehouse_rows WHERE tenant_id = $1 AND connection_id = $2',
          [tenantId, connectionId],
        );
        expect(rows.rows[0]?.n).toBe(STAY);
        const flags = await db.query<{ value: unknown; n: number }>(
          `SELECT value, count(*)::int AS n FROM profile_traits WHERE tenant_id = $1 AND name = 'audience_vip' GROUP BY value ORDER BY n`,
          [tenantId],
        );
        expect(flags.rows).toEqual([
          { value: true, n: STAY },
          { value: false, n: MEMBERS - STAY },
        ]);
      } finally {
        await db.close();
      }
    }, 240_000);
  });
}
