/**
 * A tenant's micro-batch that had to be decided again (another transaction created a node it read as
 * absent) makes the tenant's next batches take the locks of what they will read first, as a retry
 * does: they wait instead of deciding twice, and resolve the same. PostgreSQL only: the contention
 * needs two transactions at once.
 */
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { Queryable } from '../../server/db/database';
import { IdentityService } from '../../server/identity/identity.service';
import { createTenant } from '../../server/tenants/tenants.repository';
import { backends, describeWith, type TestDb } from '../support/services';

const AT = '2026-03-01T10:00:00.000Z';

const message = (source: string, email: string, phone: string): CanonicalEvent =>
  ({
    source,
    type: 'message.received',
    occurredAt: AT,
    subject: {
      identifiers: [
        { type: 'email', value: email },
        { type: 'phone', value: phone },
      ],
    },
  }) as CanonicalEvent;

/** The transaction's identity statements in order, and a hook run once before its first identity_apply. */
function watched(tx: Queryable, seen: string[], beforeApply?: () => Promise<void>): Queryable {
  let hook = beforeApply;
  return {
    query: async (sql, params) => {
      const words = sql.trim().replace(/\s+/g, ' ');
      const kind = /identity_read\(/.test(words)
        ? 'read'
        : /identity_apply\(/.test(words)
          ? 'apply'
          : /identity_lock\(/.test(words)
            ? 'lock'
            : words.split(' ').slice(0, 2).join(' ');
      if (/^(read|apply|lock|SAVEPOINT|RELEASE|ROLLBACK)/.test(kind)) seen.push(kind);
      if (hook !== undefined && /identity_apply\(/.test(words)) {
        const run = hook;
        hook = undefined;
        await run();
      }
      return tx.query(sql, params);
    },
  };
}

for (const backend of backends.filter((b) => b.name === 'postgres')) {
  describeWith(backend.needs, `identity batches after contention on ${backend.name}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
    });
    afterAll(async () => t.cleanup());

    it('a batch decided again makes the next batches lock first; profiles as without contention', async () => {
      const service = new IdentityService();
      const { tenantId } = await createTenant(t.db, 'Contention');
      const profileOf = async (key: string): Promise<string | null> =>
        (
          await t.db.query<{ p: string | null }>('SELECT profile_id AS p FROM identity_nodes WHERE tenant_id = $1 AND key = $2', [
            tenantId,
            key,
          ])
        ).rows[0]?.p ?? null;

      // A decides its batch; before it applies, B links the same new email and commits.
      const first: string[] = [];
      const a = await t.db.transaction((tx) =>
        service.linkMany(
          watched(tx, first, async () => {
            await t.db.transaction((other) =>
              service.linkMany(other, tenantId, [{ eventId: 'evt_b', event: message('form', 'ada@acme.io', '+1 415 555 0101') }]),
            );
          }),
          tenantId,
          [
            { eventId: 'evt_a0', event: message('chat', 'ada@acme.io', '+1 415 555 0102') },
            { eventId: 'evt_a1', event: message('chat', 'bo@acme.io', '+1 415 555 0103') },
          ],
        ),
      );
      // Optimistic first: read, apply ('stale'), then again holding the locks.
      expect(first.slice(0, 2)).toEqual(['read', 'apply']);
      expect(first.slice(2, 4)).toEqual(['SAVEPOINT identity_retry', 'lock']);
      expect(a[0]).toBe(await profileOf('email::ada@acme.io'));
      expect(await profileOf('phone::+14155550101')).toBe(a[0]);

      // The tenant's next batch locks before it reads, and still links to the same person.
      const next: string[] = [];
      const c = await t.db.transaction((tx) =>
        service.linkMany(watched(tx, next), tenantId, [
          { eventId: 'evt_c0', event: message('sms', 'ada@acme.io', '+1 415 555 0104') },
          { eventId: 'evt_c1', event: message('sms', 'cy@acme.io', '+1 415 555 0105') },
        ]),
      );
      expect(next.slice(0, 4)).toEqual(['SAVEPOINT identity_retry', 'lock', 'read', 'apply']);
      expect(next).toContain('RELEASE SAVEPOINT');
      expect(c[0]).toBe(a[0]);
      expect(c[1]).not.toBe(a[0]);
      expect(c[1]).toBe(await profileOf('email::cy@acme.io'));

      // Another tenant is not affected: optimistic as before.
      const other = await createTenant(t.db, 'Quiet');
      const quiet: string[] = [];
      await t.db.transaction((tx) =>
        service.linkMany(watched(tx, quiet), other.tenantId, [
          { eventId: 'evt_q', event: message('sms', 'ada@acme.io', '+1 415 555 0101') },
        ]),
      );
      expect(quiet.slice(0, 2)).toEqual(['read', 'apply']);
    }, 60_000);
  });
}
