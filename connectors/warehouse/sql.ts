/**
 * The SQL Baton wraps around a customer's query: page it in a total order, bound an incremental
 * window on the cursor column, find the window's upper bound. Identifiers are quoted; values are
 * always bound parameters, written in each engine's placeholder style.
 */
import type { PageRequest, WarehouseValue } from './types';

export type Placeholder = (index: number) => string;
export const dollar: Placeholder = (i) => `$${i}`;
export const question: Placeholder = () => '?';
export const at: Placeholder = (i) => `@p${i}`;

/** A column or table name as a quoted identifier (double quotes; BigQuery uses backticks). */
export function quoteIdent(name: string, quote: '"' | '`' = '"'): string {
  return name
    .split('.')
    .map((part) => `${quote}${part.split(quote).join(quote + quote)}${quote}`)
    .join('.');
}

/** The customer's query without a trailing semicolon, so it can sit in a subquery. */
export function innerQuery(query: string): string {
  return query.trim().replace(/;+\s*$/, '');
}

export function pageSql(request: PageRequest, ph: Placeholder, quote: '"' | '`' = '"'): { sql: string; params: WarehouseValue[] } {
  const params: WarehouseValue[] = [];
  const where: string[] = [];
  const c = request.cursor;
  if (c !== undefined) {
    const col = `baton_q.${quoteIdent(c.column, quote)}`;
    where.push(`${col} IS NOT NULL`);
    if (c.after !== null) {
      params.push(c.after);
      where.push(`${col} > ${ph(params.length)}`);
    }
    if (c.upTo !== null) {
      params.push(c.upTo);
      where.push(`${col} <= ${ph(params.length)}`);
    }
  }
  const order = request.orderBy.map((o) => `baton_q.${quoteIdent(o, quote)}`).join(', ');
  const sql =
    `SELECT * FROM (${innerQuery(request.query)}) AS baton_q` +
    (where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`) +
    (order === '' ? '' : ` ORDER BY ${order}`) +
    ` LIMIT ${Math.trunc(request.limit)} OFFSET ${Math.trunc(request.offset)}`;
  return { sql, params };
}

export function maxSql(query: string, column: string, quote: '"' | '`' = '"'): string {
  return `SELECT max(baton_q.${quoteIdent(column, quote)}) AS baton_max FROM (${innerQuery(query)}) AS baton_q`;
}

/** JSON scalars from whatever a driver returns (Date, bigint, Buffer, nested values). */
export function toWarehouseValue(v: unknown): WarehouseValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'object' && 'toISOString' in v && typeof (v as { toISOString: unknown }).toISOString === 'function')
    return (v as { toISOString(): string }).toISOString();
  return JSON.stringify(v);
}

export const EXPORT_COLUMNS = ['id', 'kind', 'tenant_id', 'profile_id', 'occurred_at', 'data', 'exported_at'] as const;
