import type { Playbook } from '../../../app/contracts';
import { enablePlan, playbookRows } from '../../../extensions/console/src/lib/playbooks';

const version = (id: string, v: number, status: string, name = id): Playbook => ({
  id,
  name,
  version: v,
  status,
  steps: [{ id: 's', kind: 'action' }],
});

describe('console playbooks on/off', () => {
  it('shows one row per playbook, on when a version is published, sorted by name', () => {
    const rows = playbookRows([
      version('b', 1, 'archived', 'Beta'),
      version('b', 2, 'published', 'Beta'),
      version('b', 3, 'draft', 'Beta'),
      version('a', 1, 'archived', 'Alpha'),
    ]);
    expect(rows.map((r) => [r.id, r.on, r.shown.version, r.newest.version, r.versions])).toEqual([
      ['a', false, 1, 1, 1],
      ['b', true, 2, 3, 3],
    ]);
  });

  it('turns on by publishing the newest draft, or by republishing the newest archived definition as a new version', () => {
    const [draft] = playbookRows([version('a', 1, 'archived'), version('a', 2, 'draft')]);
    expect(draft === undefined ? null : enablePlan(draft)).toEqual({ kind: 'publish' });
    const stored = {
      ...version('a', 3, 'archived'),
      createdAt: '2026-11-30T00:00:00Z',
      updatedAt: '2026-11-30T00:00:00Z',
      concurrency: 'unlimited',
    };
    const [archived] = playbookRows([version('a', 1, 'archived'), stored]);
    expect(archived === undefined ? null : enablePlan(archived)).toEqual({
      kind: 'republish',
      definition: { id: 'a', name: 'a', steps: [{ id: 's', kind: 'action' }], concurrency: 'unlimited' },
    });
  });
});
