/**
 * Traits on the record card (issue #21 item 3, "the card shows them"), on both storage modes: a DuckDB
 * warehouse sync's traits and an audience membership appear on GET /profiles/:id/card with the
 * connection as their source and the sync's time, next to traits other sources set, over merged
 * profiles, newest first, with long values clipped.
 */
import { cardsModule } from '../../server/cards/cards.module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cardViewSchema, type CardTrait } from '../../app/cards/card-view';
import { decisioningModule } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { warehouseModuleWith } from '../../server/warehouse/warehouse.module';
import { modes, startTestService, type TestService } from '../support/runtime';
import { describeWith, waitFor } from '../support/services';
import { api, type Json } from './messaging/helpers';

for (const { mode, needs } of modes) {
  describeWith(needs, `record card traits (${mode})`, () => {
    let svc: TestService;
    let call: ReturnType<typeof api>;
    let tenantId: string;
    let dir: string;

    const syncAndWait = async (connectionId: string): Promise<Json> => {
      const started = await call('POST', `/connections/${connectionId}/sync`);
      expect(started.status).toBe(202);
      const syncId = started.json['syncId'] as string;
      return waitFor(
        async () => {
          const s = (await call('GET', `/connections/${connectionId}/syncs/${syncId}`)).json;
          return s['status'] === 'succeeded' || s['status'] === 'failed' ? s : undefined;
        },
        `sync ${syncId}`,
        60_000,
        100,
      );
    };
    /** A sync's traits carry the time the sync started (every row of one sync the same). */
    const startedAt = (sync: Json): string => new Date(String(sync['startedAt'])).toISOString();
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
    const connect = async (config: Record<string, unknown>): Promise<string> => {
      const created = await call('POST', '/connections', {
        type: 'warehouse',
        config: { engine: 'duckdb', path: path.join(dir, 'wh.duckdb'), ...config },
      });
      expect(created.status).toBe(201);
      return created.json['connectionId'] as string;
    };
    const cardTraits = async (profileId: string): Promise<CardTrait[]> => {
      const r = await call('GET', `/profiles/${profileId}/card`);
      expect(r.status).toBe(200);
      const card = cardViewSchema.parse(r.json);
      expect(card.traits).toBeDefined();
      return card.traits ?? [];
    };

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [identityModule, decisioningModule, cardsModule, warehouseModuleWith({ scheduleTickMs: 60_000 })],
      });
      dir = path.join(svc.runtime.config.dataDir, 'warehouse');
      mkdirSync(dir, { recursive: true });
      const t = await createTenant(svc.runtime.db, 'Card traits');
      tenantId = t.tenantId;
      call = api(svc.url, t.apiKey);
    }, 180_000);
    afterAll(async () => {
      await svc?.stop();
    });

    it("shows a warehouse sync's traits and audience on the card with the connection and the sync time, beside other sources' traits, over merged profiles", async () => {
      // Ana is known from the API (first name) and, as another profile, from a phone (VIP flag).
      const known = await call('POST', '/events', {
        source: 'api',
        type: 'contact.created',
        occurredAt: '2026-11-01T10:00:00Z',
        subject: { identifiers: [{ type: 'email', value: 'ana@acme.io' }], traits: { firstName: 'Ana' } },
      });
      expect(known.status).toBeLessThan(300);
      const ana = known.json['profileId'] as string;
      const other = await call('POST', '/events', {
        source: 'api',
        type: 'contact.created',
        occurredAt: '2026-11-02T10:00:00Z',
        subject: { identifiers: [{ type: 'phone', value: '+14155550199' }], traits: { vip: true } },
      });
      const phoneProfile = other.json['profileId'] as string;
      expect(phoneProfile).not.toBe(ana);

      const note = `Renewal call ${'x'.repeat(300)}`;
      writeFileSync(path.join(dir, 'accounts.csv'), `email,plan,seats,note\nana@acme.io,enterprise,60,${note}\nbo@acme.io,free,1,\n`);
      writeFileSync(path.join(dir, 'trial.csv'), 'email\nana@acme.io\n');
      const accounts = await connect({
        query: `SELECT * FROM read_csv('${path.join(dir, 'accounts.csv')}')`,
        identifiers: { email: 'email' },
        traits: ['plan', 'seats', 'note'],
      });
      const trial = await connect({
        query: `SELECT email FROM read_csv('${path.join(dir, 'trial.csv')}')`,
        identifiers: { email: 'email' },
        audience: 'trial',
      });

      const accountsSync = await syncAndWait(accounts);
      expect(accountsSync).toMatchObject({ status: 'succeeded', rowsRead: 2, profilesMatched: 1 });
      const trialSync = await syncAndWait(trial);
      expect(trialSync).toMatchObject({ status: 'succeeded', rowsRead: 1, profilesMatched: 1 });
      await processed();

      const merged = await call('POST', '/profiles/merge', { profileIds: [ana, phoneProfile] });
      expect(merged.status).toBe(200);
      const survivor = merged.json['profileId'] as string;

      const traits = await cardTraits(survivor);
      expect(traits.map((t) => t.name)).toEqual(['audience_trial', 'note', 'plan', 'seats', 'vip', 'firstName']);
      const byName = new Map(traits.map((t) => [t.name, t]));
      expect(byName.get('audience_trial')).toEqual({
        name: 'audience_trial',
        value: true,
        source: `warehouse:${trial}`,
        at: startedAt(trialSync),
        audience: 'trial',
      });
      expect(byName.get('plan')).toEqual({
        name: 'plan',
        value: 'enterprise',
        source: `warehouse:${accounts}`,
        at: startedAt(accountsSync),
      });
      expect(byName.get('seats')).toMatchObject({ value: 60, source: `warehouse:${accounts}` });
      expect(byName.get('vip')).toEqual({ name: 'vip', value: true, source: 'api', at: '2026-11-02T10:00:00.000Z' });
      expect(byName.get('firstName')).toEqual({ name: 'firstName', value: 'Ana', source: 'api', at: '2026-11-01T10:00:00.000Z' });
      const clipped = byName.get('note')?.value;
      expect(typeof clipped).toBe('string');
      expect(Array.from(String(clipped))).toHaveLength(200);
      expect(String(clipped).startsWith('Renewal call xxx')).toBe(true);
      expect(String(clipped).endsWith('x…')).toBe(true);

      // The card and the profile API agree on every trait's source and time.
      const profile = (await call('GET', `/profiles/${survivor}`)).json;
      const sources = profile['traitSources'] as Record<string, { source: string; at: string }>;
      for (const t of traits) expect({ source: t.source, at: t.at }).toEqual({ source: sources[t.name]?.source, at: sources[t.name]?.at });

      // Leaving the audience shows as a membership that ended, with the later sync's time.
      writeFileSync(path.join(dir, 'trial.csv'), 'email\nsomeone@acme.io\n');
      const leftSync = await syncAndWait(trial);
      expect(leftSync).toMatchObject({ status: 'succeeded' });
      await processed();
      const after = await cardTraits(survivor);
      expect(after[0]).toEqual({
        name: 'audience_trial',
        value: false,
        source: `warehouse:${trial}`,
        at: startedAt(leftSync),
        audience: 'trial',
      });

      // A person without traits gets an empty list, not a missing one.
      const bare = await call('POST', '/events', {
        source: 'api',
        type: 'contact.created',
        occurredAt: '2026-11-03T10:00:00Z',
        subject: { identifiers: [{ type: 'email', value: 'cy@acme.io' }] },
      });
      await processed();
      expect(await cardTraits(bare.json['profileId'] as string)).toEqual([]);
    }, 120_000);
  });
}
