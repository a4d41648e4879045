/** Playbook versions → one on/off row per playbook (pure; tested in test/unit/console). */
import type { Playbook } from '../../../../app/contracts';

export interface PlaybookRow {
  readonly id: string;
  /** The version a person reads about: the published one when on, otherwise the newest. */
  readonly shown: Playbook;
  readonly newest: Playbook;
  readonly on: boolean;
  readonly versions: number;
}

/** One row per playbook id, sorted by name; "on" means a version is published (new runs can start). */
export function playbookRows(list: readonly Playbook[]): PlaybookRow[] {
  const byId = new Map<string, Playbook[]>();
  for (const p of list) byId.set(p.id, [...(byId.get(p.id) ?? []), p]);
  return [...byId.entries()]
    .map(([id, versions]) => {
      const sorted = [...versions].sort((a, b) => b.version - a.version);
      const newest = sorted[0] as Playbook;
      const published = sorted.find((v) => v.status === 'published');
      return { id, shown: published ?? newest, newest, on: published !== undefined, versions: sorted.length };
    })
    .sort((a, b) => a.shown.name.localeCompare(b.shown.name) || a.id.localeCompare(b.id));
}

/**
 * How to turn a playbook on: publish its newest draft, or (the lifecycle never un-archives) create a
 * new version from the newest archived definition and publish that.
 */
export function enablePlan(row: PlaybookRow): { kind: 'publish' } | { kind: 'republish'; definition: Record<string, unknown> } {
  if (row.newest.status === 'draft') return { kind: 'publish' };
  const {
    version: _version,
    status: _status,
    createdAt: _created,
    updatedAt: _updated,
    ...definition
  } = row.newest as Playbook & { createdAt?: unknown; updatedAt?: unknown };
  return { kind: 'republish', definition };
}
