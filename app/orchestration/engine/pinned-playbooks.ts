import type { Playbook } from '../playbook/playbook.schema';
import type { PlaybookStore } from '../ports';
import type { Run } from '../runs/run.types';
import { PinnedPlaybookMissingError } from './engine-deps';

/** Pinned definitions kept per store (each process has one); the oldest is dropped past this. */
const MAX_CACHED = 1_000;

const caches = new WeakMap<PlaybookStore, Map<string, Promise<Playbook>>>();

/**
 * The playbook version a run is pinned to. A version's steps never change once inserted (the
 * PlaybookStore contract), so a definition read once is kept for the life of the store, by
 * (tenant, playbook, version): an advance does not re-read it for every run and every step. Only
 * the definition is used here; a version's status (which does change) is never read from this cache.
 * A failed read is not kept, so a missing version is asked for again next time.
 */
export function pinnedPlaybook(
  store: PlaybookStore,
  run: Pick<Run, 'id' | 'tenantId' | 'playbookId' | 'playbookVersion'>,
): Promise<Playbook> {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new Map();
    caches.set(store, cache);
  }
  const key = `${run.tenantId}\u0000${run.playbookId}\u0000${run.playbookVersion}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const loading = store.get(run.tenantId, run.playbookId, run.playbookVersion).then((stored) => {
    if (stored === null) throw new PinnedPlaybookMissingError(run.id, run.playbookId, run.playbookVersion);
    return stored.playbook;
  });
  if (cache.size >= MAX_CACHED) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, loading);
  const owner = cache;
  loading.catch(() => owner.delete(key));
  return loading;
}
