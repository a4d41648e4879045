import type { ActionPort, ActionRequest, ActionResult } from '../../../app/orchestration';
import { ActionRegistry } from '../../../server/runs/action-registry.adapter';

const request = (tenantId: string, kind: ActionRequest['kind'] = 'crm_update'): ActionRequest => ({
  tenantId,
  runId: 'run_1',
  stepId: 'update',
  profileId: 'prof_1',
  kind,
  params: { properties: {} },
  idempotencyKey: `key-${tenantId}`,
  attempt: 1,
});

function recordingPort(name: string, calls: string[]): ActionPort {
  return {
    execute: async (r): Promise<ActionResult> => {
      calls.push(`${name}:${r.tenantId}`);
      return { ok: true, output: { by: name } };
    },
  };
}

describe('ActionRegistry', () => {
  it('routes a kind to the first port whose guard accepts the tenant', async () => {
    const calls: string[] = [];
    const registry = new ActionRegistry();
    registry.register('crm_update', recordingPort('hubspot', calls), { handles: async (r) => r.tenantId === 'ten_hs' });
    registry.register('crm_update', recordingPort('salesforce', calls), { handles: async (r) => r.tenantId === 'ten_sf' });
    await expect(registry.execute(request('ten_sf'))).resolves.toEqual({ ok: true, output: { by: 'salesforce' } });
    await expect(registry.execute(request('ten_hs'))).resolves.toEqual({ ok: true, output: { by: 'hubspot' } });
    expect(calls).toEqual(['salesforce:ten_sf', 'hubspot:ten_hs']);
  });

  it('answers a permanent, named error when nobody handles the kind for this tenant', async () => {
    const registry = new ActionRegistry();
    registry.register('crm_update', recordingPort('hubspot', []), { handles: async () => false });
    const result = await registry.execute(request('ten_x'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('action_kind_not_connected');
      expect(result.error.message).toContain('"crm_update"');
    }
  });

  it('uses the fallback port only when no guard accepts', async () => {
    const calls: string[] = [];
    const registry = new ActionRegistry({ fallback: recordingPort('log', calls) });
    registry.register('task', recordingPort('hubspot', calls), { handles: async (r) => r.tenantId === 'ten_hs' });
    await registry.execute(request('ten_hs', 'task'));
    await registry.execute(request('ten_other', 'task'));
    expect(calls).toEqual(['hubspot:ten_hs', 'log:ten_other']);
  });
});
