/**
 * The run store's statements that every step sends (issue #16): loading a run by id is a key lookup
 * kept prepared on PostgreSQL, and the grouped run start runs with a generic plan (preparedGeneric);
 * both answer as before, on both backends.
 */
import { isGeneric, isPrepared, type Database } from '../../server/db/database';
import { SqlRunStore } from '../../server/runs';
import { pendingRun } from '../support/runs-fixtures';
import { backends, describeWith, type TestDb } from '../support/services';

jest.setTimeout(60_000);

/** `db`, with every statement sent outside a transaction recorded. */
function recording(db: Database, sent: string[]): Database {
  return {
    kind: db.kind,
    description: db.description,
    query: (sql, params) => (sent.push(sql), db.query(sql, params)),
    transaction: (fn) => db.transaction(fn),
    exec: (sql) => db.exec(sql),
    withAdvisoryLock: (key, fn) => db.withAdvisoryLock(key, fn),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

for (const backend of backends) {
  describeWith(backend.needs, `run store statements (${backend.name})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
      await t.db.query('INSERT INTO tenants (id, name) VALUES ($1, $1)', ['t']);
    });
    afterAll(async () => t.cleanup());

    it('starts runs with the generic-plan statement and loads a run by id with a prepared one, answering as before', async () => {
      const sent: string[] = [];
      const store = new SqlRunStore(recording(t.db, sent));
      const started = await Promise.all([1, 2, 3].map((i) => store.create(pendingRun('t', `run_p${i}`, null, { profileId: `p${i}` }))));
      expect(started.map((s) => s.created)).toEqual([true, true, true]);
      const starts = sent.filter((sql) => sql.includes('INSERT INTO runs'));
      expect(starts.length).toBeGreaterThan(0);
      expect(starts.every(isGeneric)).toBe(true);

      sent.length = 0;
      for (let i = 0; i < 7; i++) {
        const loaded = await store.load('t', 'run_p2');
        expect(loaded?.run).toMatchObject({ id: 'run_p2', profileId: 'p2', status: 'pending' });
      }
      expect(await store.load('t', 'run_missing')).toBeNull();
      expect(sent).toHaveLength(8);
      expect(sent.every((sql) => isPrepared(sql) && !isGeneric(sql))).toBe(true);
    });
  });
}
