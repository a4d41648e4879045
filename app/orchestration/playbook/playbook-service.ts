import type { Clock, PlaybookStore, StoredPlaybook } from '../ports';
import { canTransitionPlaybook } from '../runs/transitions';
import type { PlaybookStatus } from './playbook.schema';
import { parsePlaybook, type PlaybookIssue } from './playbook.validate';

export type PlaybookServiceResult =
  | { readonly ok: true; readonly stored: StoredPlaybook }
  | { readonly ok: false; readonly code: 'invalid_playbook'; readonly message: string; readonly issues: readonly PlaybookIssue[] }
  | { readonly ok: false; readonly code: 'version_exists' | 'playbook_not_found' | 'status_conflict'; readonly message: string };

/** A status change the lifecycle table does not allow is the caller's mistake here, so it is a value. */
function refuse(stored: StoredPlaybook, to: PlaybookStatus): PlaybookServiceResult | null {
  const { id, version, status } = stored.playbook;
  if (canTransitionPlaybook(status, to)) return null;
  return { ok: false, code: 'status_conflict', message: `playbook "${id}" v${version} is ${status} and cannot become ${to}` };
}

/**
 * Creates a new version as a draft. The version number is the next free one unless the definition
 * names one (then it must be free). Steps are immutable once stored: a change is a new version.
 */
export async function createPlaybookVersion(
  store: PlaybookStore,
  clock: Clock,
  tenantId: string,
  input: unknown,
): Promise<PlaybookServiceResult> {
  const withVersion = await defaultVersion(store, tenantId, input);
  const parsed = parsePlaybook(withVersion);
  if (!parsed.ok)
    return { ok: false, code: 'invalid_playbook', message: `the playbook has ${parsed.issues.length} problem(s)`, issues: parsed.issues };
  const playbook = { ...parsed.playbook, status: 'draft' as const };
  const now = clock.now();
  const inserted = await store.insert(tenantId, playbook, now);
  if (!inserted.ok) return { ok: false, code: 'version_exists', message: `playbook "${playbook.id}" v${playbook.version} already exists` };
  return { ok: true, stored: { tenantId, playbook, createdAt: now, updatedAt: now } };
}

async function defaultVersion(store: PlaybookStore, tenantId: string, input: unknown): Promise<unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  if (record['version'] !== undefined || typeof record['id'] !== 'string') return input;
  const versions = await store.listVersions(tenantId, record['id']);
  const highest = versions.reduce((max, v) => Math.max(max, v.playbook.version), 0);
  return { ...record, version: highest + 1 };
}

/**
 * Publishes a draft version: new runs start on it. Previously published versions are archived;
 * runs already in flight keep executing the version they pinned.
 */
export async function publishPlaybook(
  store: PlaybookStore,
  clock: Clock,
  tenantId: string,
  playbookId: string,
  version: number,
): Promise<PlaybookServiceResult> {
  const stored = await store.get(tenantId, playbookId, version);
  if (stored === null) return { ok: false, code: 'playbook_not_found', message: `no playbook "${playbookId}" v${version}` };
  const refused = refuse(stored, 'published');
  if (refused !== null) return refused;
  const now = clock.now();
  const set = await store.setStatus(tenantId, playbookId, version, stored.playbook.status, 'published', now);
  if (!set.ok) return { ok: false, code: 'status_conflict', message: `playbook "${playbookId}" v${version} changed status concurrently` };
  for (const other of await store.listVersions(tenantId, playbookId)) {
    if (other.playbook.version !== version && other.playbook.status === 'published') {
      await store.setStatus(tenantId, playbookId, other.playbook.version, 'published', 'archived', now);
    }
  }
  return { ok: true, stored: { ...stored, playbook: { ...stored.playbook, status: 'published' }, updatedAt: now } };
}

/** Archives a version: no new runs start on it; in-flight runs finish on it. */
export async function archivePlaybook(
  store: PlaybookStore,
  clock: Clock,
  tenantId: string,
  playbookId: string,
  version: number,
): Promise<PlaybookServiceResult> {
  const stored = await store.get(tenantId, playbookId, version);
  if (stored === null) return { ok: false, code: 'playbook_not_found', message: `no playbook "${playbookId}" v${version}` };
  const refused = refuse(stored, 'archived');
  if (refused !== null) return refused;
  const now = clock.now();
  const set = await store.setStatus(tenantId, playbookId, version, stored.playbook.status, 'archived', now);
  if (!set.ok) return { ok: false, code: 'status_conflict', message: `playbook "${playbookId}" v${version} changed status concurrently` };
  return { ok: true, stored: { ...stored, playbook: { ...stored.playbook, status: 'archived' }, updatedAt: now } };
}
