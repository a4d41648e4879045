import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventStage } from '../../server/events/event-processor';
import { openPglite } from '../../server/db/pglite';
import { openPostgres } from '../../server/db/postgres';
import type { Database } from '../../server/db/database';
import { createTenant } from '../../server/tenants/tenants.repository';
import { modes, startTestService } from '../support/runtime';
import { TEST_DATABASE_URL, describeWith, waitFor } from '../support/services';

for (const { mode, needs } of modes) {
  describeWith(needs, `graceful shutdown (${mode})`, () => {
    it('stops taking new connections and finishes in-flight work before it exits', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      let started = 0;
      let finished = 0;
      const slow: EventStage = {
        name: 'slow-test-stage',
        async run() {
          started++;
          await gate;
          finished++;
          return {};
        },
      };
      const dataDir = mkdtempSync(path.join(tmpdir(), 'baton-shutdown-'));
      // The foundation only: no capability modules, so the slow stage is the only work in flight.
      const svc = await startTestService(
        mode,
        { modules: [], stages: [slow], inMemory: false },
        { BATON_DATA_DIR: dataDir, BATON_SHUTDOWN_TIMEOUT_MS: '20000' },
      );
      const schema = svc.schema;
      const { apiKey, tenantId } = await createTenant(svc.runtime.db, 'Shutdown');
      const res = await fetch(`${svc.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          source: 'api',
          type: 'note.added',
          occurredAt: '2026-11-23T10:00:00Z',
          subject: { identifiers: [{ type: 'email', value: 'drain@example.com' }] },
        }),
      });
      expect(res.status).toBe(202);
      const { eventId } = (await res.json()) as { eventId: string };
      await waitFor(async () => started > 0, 'the slow stage to start');

      const stopping = svc.runtime.shutdown('test');
      let stopped = false;
      void stopping.then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(stopped).toBe(false); // still draining: the stage holds the gate
      await expect(fetch(`${svc.url}/healthz`)).rejects.toThrow(); // the listener is closed to new connections
      release();
      await stopping;
      expect(finished).toBe(1);

      // The work was recorded as done, so a restart will not run it again.
      let db: Database;
      if (mode === 'embedded') db = await openPglite({ dataDir });
      else db = await openPostgres({ connectionString: TEST_DATABASE_URL, schema: schema ?? '', max: 1 });
      try {
        const ev = await db.query<{ processed_at: Date | null }>('SELECT processed_at FROM events WHERE tenant_id = $1 AND id = $2', [
          tenantId,
          eventId,
        ]);
        expect(ev.rows[0]?.processed_at).not.toBeNull();
        const pending = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status <> 'done'`);
        expect(pending.rows[0]?.n).toBe(0);
      } finally {
        await db.close();
        await svc.stop(); // drops the test schema and queue
      }
    }, 120_000);
  });
}
