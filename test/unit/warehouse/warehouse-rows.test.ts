import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import { pageSql, maxSql, question, at, dollar, toWarehouseValue } from '../../../connectors/warehouse/sql';
import { warehouseConfigSchema } from '../../../server/connections/connection-config';
import { duckdbPathProblem, postgresUrlProblem } from '../../../connectors/warehouse/clients';
import { dueSlot, nextSlot } from '../../../server/warehouse/schedule';
import { missingColumns, readRow, traitChanges } from '../../../server/warehouse/rows';

const config = warehouseConfigSchema.parse({
  engine: 'duckdb',
  path: '/tmp/w.duckdb',
  query: 'SELECT * FROM t',
  identifiers: { email: 'email', phone: 'mobile' },
  traits: ['plan', 'seats'],
  cursor: 'updated_at',
});
const normalizer = new IdentifierNormalizer({ defaultRegion: 'US' });

describe('warehouse rows', () => {
  it('keys a row by its normalised identifiers, so the same person in another spelling is the same row', () => {
    const a = readRow(config, normalizer, { email: 'Ana@Acme.io ', mobile: '(415) 555-0101', plan: 'pro', seats: 3, updated_at: 'x' });
    const b = readRow(config, normalizer, { email: 'ana@acme.io', mobile: '+1 415 555 0101', plan: 'pro', seats: 3, updated_at: 'y' });
    const c = readRow(config, normalizer, {
      email: 'ana@acme.io',
      mobile: '+1 415 555 0101',
      plan: 'enterprise',
      seats: 3,
      updated_at: 'y',
    });
    if (!a.ok || !b.ok || !c.ok) throw new Error('rows should be accepted');
    expect(a.rowKey).toBe(b.rowKey);
    expect(a.traitsHash).toBe(b.traitsHash);
    expect(c.rowKey).toBe(a.rowKey);
    expect(c.traitsHash).not.toBe(a.traitsHash);
    expect(a.traits).toEqual({ plan: 'pro', seats: 3 });
  });

  it('rejects rows without a usable identifier or with an oversized trait, saying why', () => {
    expect(readRow(config, normalizer, { email: null, mobile: '', plan: 'pro', seats: 1, updated_at: 'x' })).toEqual({
      ok: false,
      reason: 'no identifier: email (column email), phone (column mobile) empty',
    });
    expect(readRow(config, normalizer, { email: 'nope', mobile: null, plan: 'pro', seats: 1, updated_at: 'x' })).toEqual({
      ok: false,
      reason: 'no usable identifier: email is not valid',
    });
    expect(readRow(config, normalizer, { email: 'info@acme.io', mobile: null, plan: 'pro', seats: 1, updated_at: 'x' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/role mailbox/),
    });
    expect(readRow(config, normalizer, { email: 'ana@acme.io', mobile: null, plan: 'x'.repeat(1001), seats: 1, updated_at: 'x' })).toEqual({
      ok: false,
      reason: 'trait plan is longer than 1000 characters',
    });
    // One bad identifier beside a good one: the row stands on the good one.
    const mixed = readRow(config, normalizer, { email: 'nope', mobile: '+14155550101', plan: 'pro', seats: 1, updated_at: 'x' });
    expect(mixed).toMatchObject({ ok: true, identifiers: [{ type: 'phone', value: '+14155550101' }] });
  });

  it('names the configured columns the query does not return, and the traits that changed', () => {
    expect(missingColumns(config, { email: 'a', plan: 'p', updated_at: 'x' })).toEqual(['mobile', 'seats']);
    expect(traitChanges({ plan: 'pro', seats: 3 }, { plan: 'enterprise', seats: 3 })).toEqual({ plan: { from: 'pro', to: 'enterprise' } });
    expect(traitChanges({}, { plan: 'pro' })).toEqual({ plan: { from: null, to: 'pro' } });
  });
});

describe('warehouse SQL', () => {
  it('wraps the query with the window, a total order and a page, binding every value', () => {
    const req = {
      query: 'SELECT * FROM t;',
      orderBy: ['updated_at', 'email'],
      cursor: { column: 'updated_at', after: '2026-01-01', upTo: '2026-02-01' },
      offset: 20,
      limit: 10,
    };
    expect(pageSql(req, dollar)).toEqual({
      sql: 'SELECT * FROM (SELECT * FROM t) AS baton_q WHERE baton_q."updated_at" IS NOT NULL AND baton_q."updated_at" > $1 AND baton_q."updated_at" <= $2 ORDER BY baton_q."updated_at", baton_q."email" LIMIT 10 OFFSET 20',
      params: ['2026-01-01', '2026-02-01'],
    });
    expect(pageSql({ ...req, cursor: { column: 'updated_at', after: null, upTo: 5 } }, question).sql).toContain(
      'baton_q."updated_at" <= ?',
    );
    expect(pageSql(req, at, '`').sql).toContain('baton_q.`updated_at` > @p1 AND baton_q.`updated_at` <= @p2');
    expect(pageSql({ query: 'SELECT 1', orderBy: ['we"ird'], offset: 0, limit: 1 }, dollar).sql).toBe(
      'SELECT * FROM (SELECT 1) AS baton_q ORDER BY baton_q."we""ird" LIMIT 1 OFFSET 0',
    );
    expect(maxSql('SELECT * FROM t', 'seq')).toBe('SELECT max(baton_q."seq") AS baton_max FROM (SELECT * FROM t) AS baton_q');
  });

  it('turns driver values into JSON scalars', () => {
    expect(toWarehouseValue(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(toWarehouseValue(12n)).toBe(12);
    expect(toWarehouseValue(2n ** 70n)).toBe('1180591620717411303424');
    expect(toWarehouseValue(Number.NaN)).toBeNull();
    expect(toWarehouseValue(undefined)).toBeNull();
  });
});

describe('warehouse schedules', () => {
  it('finds the latest due slot after the last one, collapsing missed slots', () => {
    const after = new Date('2026-01-01T00:00:00Z');
    expect(nextSlot('*/15 * * * *', after)?.toISOString()).toBe('2026-01-01T00:15:00.000Z');
    expect(dueSlot('*/15 * * * *', after, new Date('2026-01-01T00:14:59Z'))).toBeNull();
    expect(dueSlot('*/15 * * * *', after, new Date('2026-01-01T01:07:00Z'))?.toISOString()).toBe('2026-01-01T01:00:00.000Z');
  });
});

describe('warehouse fences', () => {
  it("keeps DuckDB files inside the warehouse directory and PostgreSQL warehouses off Baton's own database", () => {
    expect(duckdbPathProblem('/data/baton/warehouse', '/data/baton/warehouse/acme.duckdb')).toBeUndefined();
    expect(duckdbPathProblem('/data/baton/warehouse', '/data/baton/warehouse/../secret/x.duckdb')).toMatch(
      /inside \/data\/baton\/warehouse/,
    );
    expect(duckdbPathProblem('/data/baton/warehouse', '/data/baton/warehouse')).toBeDefined();
    const own = 'postgresql://baton:pw@127.0.0.1:5432/baton';
    expect(postgresUrlProblem(own, 'postgres://reader:x@localhost/baton')).toMatch(/own database/);
    expect(postgresUrlProblem(own, 'postgres://reader:x@localhost:5432/analytics')).toBeUndefined();
    expect(postgresUrlProblem(own, 'postgres://reader:x@warehouse.internal:5432/baton')).toBeUndefined();
    expect(postgresUrlProblem(undefined, 'postgres://x@localhost/baton')).toBeUndefined();
  });
});
