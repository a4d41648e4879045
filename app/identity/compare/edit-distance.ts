/**
 * Bounded edit distances. Both return `max + 1` as soon as the distance is known to exceed `max`,
 * which keeps comparisons cheap for clearly different values (the common case under blocking).
 */

let prev2 = new Int32Array(64);
let prev = new Int32Array(64);
let curr = new Int32Array(64);

function ensure(size: number): void {
  if (prev.length < size) {
    prev2 = new Int32Array(size * 2);
    prev = new Int32Array(size * 2);
    curr = new Int32Array(size * 2);
  }
}

const counts = new Int32Array(128);

/**
 * Characters of a[a0..a1) without a partner in b[b0..b1) (multisets, positions ignored): a lower
 * bound of the edit distance, as one edit changes at most one character of each side. 0 (no bound)
 * for non-ASCII text.
 */
function differingCharacters(a: string, a0: number, a1: number, b: string, b0: number, b1: number): number {
  let ascii = true;
  for (let i = a0; i < a1; i++) {
    const c = a.charCodeAt(i);
    if (c >= 128) ascii = false;
    else counts[c] = (counts[c] as number) + 1;
  }
  let unmatched = a1 - a0;
  for (let j = b0; j < b1 && ascii; j++) {
    const c = b.charCodeAt(j);
    if (c >= 128) ascii = false;
    else if ((counts[c] as number) > 0) {
      counts[c] = (counts[c] as number) - 1;
      unmatched--;
    }
  }
  for (let i = a0; i < a1; i++) {
    const c = a.charCodeAt(i);
    if (c < 128) counts[c] = 0;
  }
  return ascii ? Math.max(unmatched, b1 - b0 - (a1 - a0 - unmatched)) : 0;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped at max + 1.
 * With `transpositions = false` it is plain Levenshtein.
 */
export function editDistance(a: string, b: string, max = Number.MAX_SAFE_INTEGER, transpositions = true): number {
  if (a === b) return 0;
  let la = a.length;
  let lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  // Trim common prefix and suffix: most typos are local.
  let start = 0;
  while (start < la && start < lb && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  while (la > start && lb > start && a.charCodeAt(la - 1) === b.charCodeAt(lb - 1)) {
    la--;
    lb--;
  }
  const n = la - start;
  const m = lb - start;
  if (n === 0) return m <= max ? m : max + 1;
  if (m === 0) return n <= max ? n : max + 1;
  if (max < n && max < m && differingCharacters(a, start, start + n, b, start, start + m) > max) return max + 1;
  ensure(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    curr[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(start + i - 1);
    for (let j = 1; j <= m; j++) {
      const cb = b.charCodeAt(start + j - 1);
      const cost = ca === cb ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (curr[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (transpositions && i > 1 && j > 1 && ca === b.charCodeAt(start + j - 2) && a.charCodeAt(start + i - 2) === cb) {
        v = Math.min(v, (prev2[j - 2] as number) + 1);
      }
      curr[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = curr;
    curr = t;
  }
  const d = prev[m] as number;
  return d <= max ? d : max + 1;
}

/** 1 - distance / longer length, in [0, 1]. */
export function editSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 0;
  return 1 - editDistance(a, b) / longest;
}
