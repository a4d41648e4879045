/**
 * A person's reads by their one id (issue #16): the decision's snapshot (state, recent signals, open
 * tickets, consent, posteriors, contacts) reads a person with one id by equality and is kept prepared
 * (parsed and planned once per connection); a merged person's several ids take `= ANY`, planned per
 * call. Both forms answer the same. On PostgreSQL the one-id statement's generic plan (what
 * PostgreSQL keeps after five calls) finds every row through the person's key, even when made on
 * nearly empty tables (the `= ANY` form's generic plan read the tenant's states and contacts,
 * measured on the sustained bench's data: why that form is planned per call). Not so the open
 * decisions of an outcome (decisions by person and time, newest first): made on an empty table its
 * generic plan walked the tenant's decisions even by equality, so that read is planned per call (a
 * subquery of the transaction's apply; a function, decisions_open_exists, in the one-statement apply,
 * which stays prepared: decisioning-optimistic-apply.test.ts).
 */
import type { Signals } from '../../app/signals';
import { isPrepared, type Queryable } from '../../server/db/database';
import { isInHoldout } from '../../app/decisioning';
import { createDecisioning } from '../../server/decisioning/decisioning';
import { interpretEvent } from '../../server/decisioning/event-interpretation';
import { applyEventToProfile, loadSnapshot } from '../../server/decisioning/profile-state.repository';
import { SqlContactHistory, SqlPosteriorStore } from '../../server/decisioning/stores.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

jest.setTimeout(120_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every statement `q` is asked to run, with whether it was marked prepared. */
function recording(q: Queryable): { q: Queryable; seen: { sql: string; prepared: boolean }[] } {
  const seen: { sql: string; prepared: boolean }[] = [];
  return {
    seen,
    q: {
      query<Row>(sql: string, params?: readonly unknown[]) {
        seen.push({ sql, prepared: isPrepared(sql) });
        return q.query<Row>(sql, params);
      },
    },
  };
}

for (const backend of backends) {
  describeWith(backend.needs, `a person's reads by their one id (${backend.name})`, () => {
    let t: TestDb;
    let tenantId: string;
    const now = Date.parse('2026-12-01T10:00:00Z');
    const signals: Signals = {
      intent: 'purchase_intent',
      intentConfidence: 0.9,
      sentiment: 0.5,
      sentimentLabel: 'positive',
      urgency: 'medium',
      language: 'en',
    };

    beforeAll(async () => {
      t = await backend.open();
      tenantId = (await createTenant(t.db, 'Keyed reads')).tenantId;
      const other = (await createTenant(t.db, 'Keyed reads, other')).tenantId;
      // Two people, so a read that is not by the person's key would pick up the other one's rows.
      for (const [tenant, profileId] of [
        [tenantId, 'prof_one'],
        [tenantId, 'prof_two'],
        [other, 'prof_one'],
      ] as const) {
        for (const [i, hoursAgo] of [3, 1].entries()) {
          const at = now - hoursAgo * HOUR;
          const eventId = `evt_${profileId}_${i}`;
          await t.db.query(
            `INSERT INTO events (tenant_id, id, source, source_event_id, type, occurred_at, subject, text, properties)
             VALUES ($1, $2, 'api', $2, 'message.received', $3, '{}'::jsonb, 'I want to buy', '{}'::jsonb)`,
            [tenant, eventId, new Date(at).toISOString()],
          );
          const facts = {
            type: 'message.received',
            source: 'api',
            at,
            text: 'I want to buy',
            properties: {},
            traits: { tz: 'Europe/Berlin' },
          };
          await t.db.transaction((tx) =>
            applyEventToProfile(tx, {
              tenantId: tenant,
              profileId,
              eventId,
              at,
              traits: facts.traits,
              signals,
              meaning: interpretEvent(facts, signals),
              storeSignals: {
                tenantId: tenant,
                eventId,
                profileId,
                occurredAt: at,
                signals,
                legalThreat: false,
                channel: 'chat',
                extractor: 'offline',
              },
            }),
          );
        }
        await t.db.query(
          `INSERT INTO profile_tickets (tenant_id, profile_id, ticket_id, priority, status, opened_at, updated_at)
           VALUES ($1, $2, 'tk_1', 'high', 'open', $3, $3), ($1, $2, 'tk_2', 'low', 'solved', $3, $3)`,
          [tenant, profileId, new Date(now - DAY).toISOString()],
        );
        await t.db.query(
          `INSERT INTO profile_consent (tenant_id, profile_id, channel, status, source, updated_at) VALUES ($1, $2, 'email', $3, 'test', $4)`,
          [tenant, profileId, profileId === 'prof_one' ? 'opted_in' : 'opted_out', new Date(now - DAY).toISOString()],
        );
        const contacts = new SqlContactHistory(t.db, tenant, [profileId]);
        await contacts.recordDelivery(profileId, `dec_${profileId}_1`, { actionId: 'nudge', channel: 'email', at: now - 2 * DAY });
        await contacts.recordDelivery(profileId, `dec_${profileId}_2`, { actionId: 'call', channel: 'task', at: now - 9 * DAY });
      }
      await new SqlPosteriorStore(t.db, tenantId).apply({ actionId: 'nudge', segment: 'lead', positive: true });
    });
    afterAll(async () => t.cleanup());

    it('answers the same for one id as the `= ANY` form does for the same person, and marks only the one-id read prepared', async () => {
      const ahead = { actionIds: ['nudge', 'call'], contactsSince: now - 7 * DAY };
      const one = recording(t.db);
      const single = await loadSnapshot(one.q, tenantId, ['prof_one'], now, ahead);
      const many = recording(t.db);
      // The same person under an id nobody has as well: the array form, nothing else added.
      const viaArray = await loadSnapshot(many.q, tenantId, ['prof_one', 'prof_nobody'], now, ahead);
      expect(single).toEqual(viaArray);
      expect(one.seen.map((s) => s.prepared)).toEqual([true]);
      expect(many.seen.map((s) => s.prepared)).toEqual([false]);

      // What was read is this person's, in this tenant.
      expect(single.state?.stage).toBeDefined();
      expect(single.snapshot.recentSignals).toHaveLength(2);
      expect((single.snapshot.openTickets ?? []).map((k) => k.id)).toEqual(['tk_1']);
      expect(single.snapshot.consent).toEqual({ email: 'opted_in' });
      expect((single.contacts ?? []).map((c) => c.action_id)).toEqual(['nudge']);
      expect((single.posteriors ?? []).map((p) => p.action_id)).toEqual(['nudge']);
      // Without the ask the one-id statement reads neither (another prepared text).
      const plain = await loadSnapshot(t.db, tenantId, ['prof_two'], now);
      expect(plain.posteriors).toBeUndefined();
      expect(plain.snapshot.consent).toEqual({ email: 'opted_out' });
    });

    it("draws a person's holdout assignment in the snapshot statement, once: the first draw stays", async () => {
      const ahead = { actionIds: ['nudge'], contactsSince: now - 7 * DAY };
      const assignment = async (profileId: string): Promise<unknown> =>
        (
          await t.db.query('SELECT in_holdout, share, salt FROM holdout_assignments WHERE tenant_id = $1 AND profile_id = $2', [
            tenantId,
            profileId,
          ])
        ).rows;
      const first = recording(t.db);
      const drawn = await loadSnapshot(first.q, tenantId, ['prof_one'], now, {
        ...ahead,
        holdout: { profileId: 'prof_one', drawn: true, share: 0.1, salt: 's1' },
      });
      expect(drawn.inHoldout).toBe(true);
      expect(first.seen.map((x) => x.prepared)).toEqual([true]);
      expect(await assignment('prof_one')).toEqual([{ in_holdout: true, share: 0.1, salt: 's1' }]);
      // The same read as without the draw.
      expect({ ...drawn, inHoldout: undefined }).toEqual({
        ...(await loadSnapshot(t.db, tenantId, ['prof_one'], now, ahead)),
        inHoldout: undefined,
      });
      // Drawn again (another process, new settings): the stored assignment is answered and kept.
      const again = await loadSnapshot(t.db, tenantId, ['prof_one'], now, {
        ...ahead,
        holdout: { profileId: 'prof_one', drawn: false, share: 0.5, salt: 's2' },
      });
      expect(again.inHoldout).toBe(true);
      expect(await assignment('prof_one')).toEqual([{ in_holdout: true, share: 0.1, salt: 's1' }]);
      // A merged person's read (the `= ANY` form) draws for the live id given.
      const merged = await loadSnapshot(t.db, tenantId, ['prof_two', 'prof_nobody'], now, {
        ...ahead,
        holdout: { profileId: 'prof_two', drawn: false, share: 0.1, salt: 's1' },
      });
      expect(merged.inHoldout).toBe(false);
      expect(await assignment('prof_two')).toEqual([{ in_holdout: false, share: 0.1, salt: 's1' }]);
      expect(await assignment('prof_nobody')).toEqual([]);
    });

    it("decides for a new person without a statement of its own for the holdout draw; the next decision reads it from the snapshot's", async () => {
      const sent: string[] = [];
      const db = Object.create(t.db) as typeof t.db;
      db.query = (sql, params) => (sent.push(sql), t.db.query(sql, params));
      const fresh = createDecisioning(db);
      const first = await fresh.decide.decide(tenantId, 'prof_new', { trigger: 'test' }, { origin: 'api' });
      const expected = isInHoldout('prof_new', (await fresh.settings.settings(tenantId)).config.holdout);
      expect(first.record.holdout).toBe(expected);
      expect(sent.filter((q) => q.includes('holdout_assignments'))).toHaveLength(1);
      expect(sent.find((q) => q.includes('holdout_assignments'))).toContain('journey_states');
      // Another process (nothing cached): the stored assignment, read in its snapshot statement too.
      sent.length = 0;
      const other = createDecisioning(db);
      const second = await other.decide.decide(tenantId, 'prof_new', { trigger: 'test' }, { origin: 'api' });
      expect(second.record.holdout).toBe(expected);
      expect(sent.filter((q) => q.includes('holdout_assignments'))).toHaveLength(1);
      // This one now knows it: no draw in its next snapshot.
      sent.length = 0;
      await other.decide.decide(tenantId, 'prof_new', { trigger: 'test' }, { origin: 'api' });
      expect(sent.filter((q) => q.includes('holdout_assignments'))).toHaveLength(0);
    });

    if (backend.name === 'postgres')
      it('plans the one-id reads as key lookups even without the values (the generic plan)', async () => {
        const plans = await t.db.transaction(async (tx) => {
          // The plan PostgreSQL keeps; sequential and bitmap scans off, so a tiny test table shows which
          // index and which conditions the plan would use on a large one.
          await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
          await tx.query('SET LOCAL enable_seqscan = off');
          await tx.query('SET LOCAL enable_bitmapscan = off');
          const explain = async (name: string, sql: string, types: string, args: string): Promise<string> => {
            await tx.query(`PREPARE ${name} (${types}) AS ${sql}`);
            const r = await tx.query<{ 'QUERY PLAN': string }>(
              `EXPLAIN (COSTS OFF) EXECUTE ${name} (${args.replace('$1', `'${tenantId}'`)})`,
            );
            await tx.query(`DEALLOCATE ${name}`);
            return r.rows.map((row) => row['QUERY PLAN']).join('\n');
          };
          const recorded = recording(tx);
          await loadSnapshot(recorded.q, tenantId, ['prof_one'], now, { actionIds: ['nudge'], contactsSince: now - 7 * DAY });
          const snapshotSql = recorded.seen[0]?.sql ?? '';
          return {
            snapshot: await explain(
              'keyed_snapshot',
              snapshotSql,
              'text, text, timestamptz, text[], timestamptz',
              `$1, 'prof_one', now(), '{nudge}', now()`,
            ),
          };
        });
        // Every read of a person's rows names the person in its index condition, with the tenant.
        for (const table of ['journey_states', 'event_signals', 'profile_tickets', 'profile_consent', 'contact_history'])
          expect(plans.snapshot).toMatch(
            new RegExp(
              `Index (Only )?Scan using \\w+ on ${table}[^\\n]*\\n\\s+Index Cond: \\(\\(tenant_id = \\$1\\) AND \\(profile_id = \\$2\\)`,
            ),
          );
        expect(plans.snapshot).not.toMatch(/Seq Scan|Bitmap/);
      });
  });
}
