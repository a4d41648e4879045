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
  key(columns: Columns, i: number): string | undefined;
}

/** Block on equality of all the given fields (each may be truncated to a prefix length). */
export function blockOn(...parts: readonly (string | readonly [string, number])[]): BlockingRule {
  const specs = parts.map((p) => (typeof p === 'string' ? ([p, 0] as const) : p));
  return {
    name: specs.map(([f, n]) => (n > 0 ? `${f}[:${n}]` : f)).join('+'),
    fields: specs.map(([f]) => f),
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

/** Distinct pairs (i < j) sharing a key under any rule. */
export function candidatePairs(columns: Columns, n: number, rules: readonly BlockingRule[], maxBlockSize: number): CandidatePairs {
  const seen = new Map<number, number>();
  let left = new Int32Array(1024);
  let right = new Int32Array(1024);
  let mask = new Uint32Array(1024);
  let count = 0;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r] as BlockingRule;
    const bit = 1 << Math.min(r, 31);
    const blocks = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = rule.key(columns, i);
      if (key === undefined) continue;
      const block = blocks.get(key);
      if (block === undefined) blocks.set(key, [i]);
      else block.push(i);
    }
    for (const block of blocks.values()) {
      if (block.length < 2 || block.length > maxBlockSize) continue;
      for (let x = 0; x < block.length; x++) {
        const i = block[x] as number;
        for (let y = x + 1; y < block.length; y++) {
          const j = block[y] as number;
          const id = i < j ? i * n + j : j * n + i;
          const known = seen.get(id);
          if (known !== undefined) {
            mask[known] = (mask[known] as number) | bit;
            continue;
          }
          seen.set(id, count);
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
          left[count] = Math.min(i, j);
          right[count] = Math.max(i, j);
          mask[count] = bit;
          count++;
        }
      }
    }
  }
  return { left, right, rules: mask, count };
}
