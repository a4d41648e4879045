/**
 * One warehouse row → what Baton applies: the person's identifiers (normalised by the tenant's
 * identity rules), the traits, a row key (hash of the identifiers: the same person's row in the next
 * sync has the same key) and a content hash; or a rejection with a reason a person can act on.
 */
import { createHash } from 'node:crypto';
import type { IdentifierNormalizer } from '../../app/identity/normalize/identifier';
import type { WarehouseRow, WarehouseValue } from '../../connectors/warehouse';
import type { WarehouseConfig } from '../connections/connection-config';

export interface AcceptedRow {
  readonly ok: true;
  readonly identifiers: readonly { type: string; value: string }[];
  readonly traits: Readonly<Record<string, WarehouseValue>>;
  readonly rowKey: string;
  readonly traitsHash: string;
}
export type ReadRow = AcceptedRow | { readonly ok: false; readonly reason: string };

const MAX_TRAIT_TEXT = 1000;

/** Stable JSON (sorted keys), so equal traits always hash equal. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Columns the config names that the query's rows do not have (a config error, not a bad row). */
export function missingColumns(config: WarehouseConfig, row: WarehouseRow): string[] {
  const wanted = [...Object.values(config.identifiers), ...config.traits, ...(config.cursor === undefined ? [] : [config.cursor])];
  return [...new Set(wanted)].filter((c) => !(c in row));
}

export function readRow(config: WarehouseConfig, normalizer: IdentifierNormalizer, row: WarehouseRow): ReadRow {
  const raws: { type: string; value: string }[] = [];
  for (const [type, column] of Object.entries(config.identifiers)) {
    const v = row[column];
    if (v === null || v === undefined) continue;
    const value = String(v).trim();
    if (value === '') continue;
    if (value.length > 320) return { ok: false, reason: `${type} (column ${column}) is longer than 320 characters` };
    raws.push({ type, value });
  }
  if (raws.length === 0)
    return {
      ok: false,
      reason: `no identifier: ${Object.entries(config.identifiers)
        .map(([t, c]) => `${t} (column ${c})`)
        .join(', ')} empty`,
    };
  const normalized = normalizer.normalize(raws);
  if (normalized.identifiers.length === 0) {
    const why = normalized.rejected.map((r) => `${r.raw.type} ${reasonText(r.reason)}`).join('; ');
    return { ok: false, reason: `no usable identifier: ${why}` };
  }
  const traits: Record<string, WarehouseValue> = {};
  for (const column of config.traits) {
    const v = row[column] ?? null;
    if (typeof v === 'string' && v.length > MAX_TRAIT_TEXT)
      return { ok: false, reason: `trait ${column} is longer than ${MAX_TRAIT_TEXT} characters` };
    traits[column] = v;
  }
  const keys = normalized.identifiers.map((i) => i.key).sort();
  const identifiers = raws.filter((r) => !normalized.rejected.some((x) => x.raw.type === r.type && x.raw.value === r.value));
  return {
    ok: true,
    identifiers,
    traits,
    rowKey: sha256(keys.join('|')).slice(0, 40),
    traitsHash: sha256(stableJson(traits)).slice(0, 40),
  };
}

function reasonText(reason: string): string {
  switch (reason) {
    case 'invalid':
      return 'is not valid';
    case 'junk':
      return 'is a placeholder address';
    case 'role':
      return 'is a role mailbox (info@, support@…), which never identifies one person';
    case 'own':
      return "is one of the tenant's own addresses";
    default:
      return `was refused (${reason})`;
  }
}

/** The traits that differ: name → { from, to }. */
export function traitChanges(
  before: Readonly<Record<string, WarehouseValue>>,
  after: Readonly<Record<string, WarehouseValue>>,
): Record<string, { from: WarehouseValue; to: WarehouseValue }> {
  const out: Record<string, { from: WarehouseValue; to: WarehouseValue }> = {};
  for (const [k, v] of Object.entries(after)) {
    const was = before[k] ?? null;
    if (stableJson(was) !== stableJson(v)) out[k] = { from: was, to: v };
  }
  return out;
}
