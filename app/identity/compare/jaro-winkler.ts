/**
 * Jaro and Jaro-Winkler similarity on UTF-16 code units, allocation-free: the match flags live in
 * module-level scratch buffers that grow on demand (single-threaded, never shared across calls).
 */

let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);

function ensure(size: number): void {
  if (flagsA.length < size) {
    flagsA = new Uint8Array(size * 2);
    flagsB = new Uint8Array(size * 2);
  }
}

export function jaro(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  ensure(Math.max(la, lb));
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const ch = a.charCodeAt(i);
    const lo = i > window ? i - window : 0;
    const hi = Math.min(i + window + 1, lb);
    for (let j = lo; j < hi; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === ch) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[k] === 0) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions++;
    k++;
  }
  const m = matches;
  return (m / la + m / lb + (m - transpositions / 2) / m) / 3;
}

/** Jaro-Winkler with the usual prefix scale 0.1 over at most 4 characters. */
export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  if (j <= 0.7) return j;
  const limit = Math.min(4, a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * 0.1 * (1 - j);
}

const counts = new Int32Array(128);

/**
 * An upper bound of jaroWinkler(a, b) from the characters the strings share, positions ignored (the
 * matching characters Jaro counts are a subset of them). Linear time; 1 for non-ASCII text.
 */
export function jaroWinklerUpperBound(a: string, b: string): number {
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  let ascii = true;
  for (let i = 0; i < la; i++) {
    const c = a.charCodeAt(i);
    if (c >= 128) ascii = false;
    else counts[c] = (counts[c] as number) + 1;
  }
  let common = 0;
  for (let j = 0; j < lb && ascii; j++) {
    const c = b.charCodeAt(j);
    if (c >= 128) ascii = false;
    else if ((counts[c] as number) > 0) {
      counts[c] = (counts[c] as number) - 1;
      common++;
    }
  }
  for (let i = 0; i < la; i++) {
    const c = a.charCodeAt(i);
    if (c < 128) counts[c] = 0;
  }
  if (!ascii) return 1;
  if (common === 0) return 0;
  const j = (common / la + common / lb + 1) / 3;
  if (j <= 0.7) return j;
  const limit = Math.min(4, la, lb);
  let prefix = 0;
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * 0.1 * (1 - j);
}

/**
 * jaroWinkler(a, b) when it may reach `min`; otherwise some value below `min` (the cheap upper bound).
 * Callers that only compare the result with thresholds of at least `min` get the same answers.
 */
export function jaroWinklerAtLeast(a: string, b: string, min: number): number {
  const bound = jaroWinklerUpperBound(a, b);
  return bound < min ? bound : jaroWinkler(a, b);
}
