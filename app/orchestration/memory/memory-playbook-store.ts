import type { Playbook, PlaybookStatus } from '../playbook/playbook.schema';
import type { InsertPlaybookResult, PlaybookStore, SetPlaybookStatusResult, StoredPlaybook } from '../ports';

const key = (tenantId: string, id: string, version: number) => `${tenantId}\u0000${id}\u0000${version}`;

/** In-memory PlaybookStore with the contract of ports.ts (immutable versions, CAS on status). */
export class MemoryPlaybookStore implements PlaybookStore {
  private readonly rows = new Map<string, StoredPlaybook>();

  async insert(tenantId: string, playbook: Playbook, now: number): Promise<InsertPlaybookResult> {
    const k = key(tenantId, playbook.id, playbook.version);
    if (this.rows.has(k)) return { ok: false, reason: 'version_exists' };
    this.rows.set(k, structuredClone({ tenantId, playbook, createdAt: now, updatedAt: now }));
    return { ok: true };
  }

  async get(tenantId: string, playbookId: string, version: number): Promise<StoredPlaybook | null> {
    const stored = this.rows.get(key(tenantId, playbookId, version));
    return stored === undefined ? null : structuredClone(stored);
  }

  async latestPublished(tenantId: string, playbookId: string): Promise<StoredPlaybook | null> {
    const published = (await this.listVersions(tenantId, playbookId)).filter((s) => s.playbook.status === 'published');
    return published.at(-1) ?? null;
  }

  async listVersions(tenantId: string, playbookId: string): Promise<StoredPlaybook[]> {
    return [...this.rows.values()]
      .filter((s) => s.tenantId === tenantId && s.playbook.id === playbookId)
      .sort((a, b) => a.playbook.version - b.playbook.version)
      .map((s) => structuredClone(s));
  }

  async list(tenantId: string): Promise<StoredPlaybook[]> {
    return [...this.rows.values()]
      .filter((s) => s.tenantId === tenantId)
      .sort((a, b) => a.playbook.id.localeCompare(b.playbook.id) || a.playbook.version - b.playbook.version)
      .map((s) => structuredClone(s));
  }

  async setStatus(
    tenantId: string,
    playbookId: string,
    version: number,
    from: PlaybookStatus,
    to: PlaybookStatus,
    now: number,
  ): Promise<SetPlaybookStatusResult> {
    const k = key(tenantId, playbookId, version);
    const stored = this.rows.get(k);
    if (stored === undefined) return { ok: false, reason: 'not_found' };
    if (stored.playbook.status !== from) return { ok: false, reason: 'status_changed' };
    this.rows.set(k, { ...stored, playbook: { ...stored.playbook, status: to }, updatedAt: now });
    return { ok: true };
  }
}
