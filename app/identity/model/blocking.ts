/**
 * Blocking: only pairs that agree on at least one rule's key are compared, so matching scales with
 * block sizes instead of n². Oversized blocks (very common values) are skipped: they are evidence of
 * nothing and would dominate the cost.
 */
import type { Columns } from '../compare/comparisons';

export interface BlockingRule {
  readonly name: string;
  /** Columns the rule needs; a rule is dropped when one is absent from the data. */
  readonly fields: readonly string[];
  /** The (field, prefix length or 0) parts the key is made of. */
  readonly parts: readonly (readonly [string, number])[];
  key(columns: Columns, i: number): string | undefined;
}

/** Block on equality of all the given fields (each may be truncated to a prefix length). */
export function blockOn(...parts: readonly (string | readonly [string, number])[]): BlockingRule {
  const specs = parts.map((p) => (typeof p === 'string' ? ([p, 0] as const) : p));
  return {
    name: specs.map(([f, n]) => (n > 0 ? `${f}[:${n}]` : f)).join('+'),
    fields: specs.map(([f]) => f),
    parts: specs,
    key(columns, i) {
      let key = '';
      for (const [field, prefix] of specs) {
        const value = columns[field]?.[i] ?? '';
        if (value.length === 0) return undefined;
        key += (prefix > 0 ? value.slice(0, prefix) : value) + '\u0001';
      }
      return key;
    },
  };
}

export interface CandidatePairs {
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Bit r set when blocking rule r produced the pair (rules beyond 32 share bit 31). */
  readonly rules: Uint32Array;
  readonly count: number;
}

/** Dense ids of each record's value (or value prefix) in one column; 0 when missing. */
function encode(columns: Columns, n: number, field: string, prefix: number): { ids: Int32Array; distinct: number } {
  const col = columns[field] ?? [];
  const index = new Map<string, number>();
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const value = col[i] ?? '';
    if (value.length === 0) continue;
    const part = prefix > 0 ? value.slice(0, prefix) : value;
    let id = index.get(part);
    if (id === undefined) index.set(part, (id = index.size + 1));
    ids[i] = id;
  }
  return { ids, distinct: index.size + 1 };
}

/**
 * Record i's key id under one rule (ids dense, in order of first appearance), -1 when it has no key
 * or its block is too small or too large to use. Keys are built from per-column value ids, so no
 * string is made per record.
 */
function keyIds(
  n: number,
  parts: readonly { ids: Int32Array; distinct: number }[],
  maxBlockSize: number,
): { ids: Int32Array; sizes: number[] } {
  const index = new Map<number | string, number>();
  const ids = new Int32Array(n);
  const sizes: number[] = [];
  // A mixed-radix number is exact below 2^53; beyond that (huge inputs) the key is a string.
  const numeric = parts.reduce((product, part) => product * part.distinct, 1) < 2 ** 53;
  for (let i = 0; i < n; i++) {
    let key: number | string = numeric ? 0 : '';
    for (const part of parts) {
      const v = part.ids[i] as number;
      if (v === 0) {
        key = -1;
        break;
      }
      key = numeric ? (key as number) * part.distinct + v : `${key as string}${v},`;
    }
    if (key === -1) {
      ids[i] = -1;
      continue;
    }
    let id = index.get(key);
    if (id === undefined) {
      id = sizes.length;
      index.set(key, id);
      sizes.push(0);
    }
    ids[i] = id;
    sizes[id] = (sizes[id] as number) + 1;
  }
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (id >= 0) {
      const size = sizes[id] as number;
      if (size < 2 || size > maxBlockSize) ids[i] = -1;
    }
  }
  return { ids, sizes };
}

/**
 * Distinct pairs (i < j) sharing a key under any rule. A pair is emitted by the first rule that
 * produces it (no earlier rule gives i and j one key), so no set of seen pairs is needed.
 */
export function candidatePairs(columns: Columns, n: number, rules: readonly BlockingRule[], maxBlockSize: number): CandidatePairs {
  const R = rules.length;
  const encoded = new Map<string, { ids: Int32Array; distinct: number }>();
  const partIds = (field: string, prefix: number): { ids: Int32Array; distinct: number } => {
    const name = `${field}[:${prefix}]`;
    let e = encoded.get(name);
    if (e === undefined) encoded.set(name, (e = encode(columns, n, field, prefix)));
    return e;
  };
  const keys = rules.map((rule) =>
    keyIds(
      n,
      rule.parts.map(([f, p]) => partIds(f, p)),
      maxBlockSize,
    ),
  );
  let left = new Int32Array(1024);
  let right = new Int32Array(1024);
  let mask = new Uint32Array(1024);
  let count = 0;
  for (let r = 0; r < R; r++) {
    const { ids, sizes } = keys[r] as { ids: Int32Array; sizes: number[] };
    // Members of each usable block, ascending (counting sort by key id).
    const start = new Int32Array(sizes.length + 1);
    for (let i = 0; i < n; i++) {
      const id = ids[i] as number;
      if (id >= 0) start[id + 1] = (start[id + 1] as number) + 1;
    }
    for (let k = 0; k < sizes.length; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
    const fill = start.slice(0, sizes.length);
    const members = new Int32Array(start[sizes.length] as number);
    for (let i = 0; i < n; i++) {
      const id = ids[i] as number;
      if (id >= 0) members[(fill[id] as number)++] = i;
    }
    for (let k = 0; k < sizes.length; k++) {
      const from = start[k] as number;
      const to = start[k + 1] as number;
      for (let x = from; x < to; x++) {
        const i = members[x] as number;
        for (let y = x + 1; y < to; y++) {
          const j = members[y] as number;
          let bits = 0;
          let earlier = false;
          for (let s = 0; s < R; s++) {
            if (s === r) {
              bits |= 1 << Math.min(s, 31);
              continue;
            }
            const other = (keys[s] as { ids: Int32Array }).ids;
            const ki = other[i] as number;
            if (ki >= 0 && ki === other[j]) {
              if (s < r) {
                earlier = true;
                break;
              }
              bits |= 1 << Math.min(s, 31);
            }
          }
          if (earlier) continue;
          if (count === left.length) {
            const grownL = new Int32Array(count * 2);
            const grownR = new Int32Array(count * 2);
            const grownM = new Uint32Array(count * 2);
            grownL.set(left);
            grownR.set(right);
            grownM.set(mask);
            left = grownL;
            right = grownR;
            mask = grownM;
          }
          left[count] = i;
          right[count] = j;
          mask[count] = bits;
          count++;
        }
      }
    }
  }
  return { left, right, rules: mask, count };
}
