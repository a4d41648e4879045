/**
 * The one JSON Merge Patch (RFC 7386): a patch object merges into the target key by key, recursively;
 * `null` removes a key; anything else (arrays, strings, numbers, booleans) replaces the value; a patch
 * that is not an object replaces the whole target. Run context changes (PATCH /runs/:id/context) and
 * connection config changes (PATCH /connections/:id) both apply it.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function mergePatch(target: Json, patch: Json): Json;
export function mergePatch(target: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>): Record<string, unknown>;
export function mergePatch(target: unknown, patch: unknown): unknown;
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    // Defined, not assigned: a "__proto__" key in a request body stays a plain key.
    else
      Object.defineProperty(out, key, { value: mergePatch(out[key] ?? null, value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
