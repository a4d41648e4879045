import { definePlaybook, type ActionPort, type ActionRequest, type ActionResult } from '../../../app/orchestration';
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

  it('answers undeliverable, naming the systems, when a connected CRM has no record of the person', async () => {
    const calls: string[] = [];
    const registry = new ActionRegistry();
    registry.register('crm_update', recordingPort('hubspot', calls), {
      handles: async () => false,
      available: async () => true,
      name: 'HubSpot',
    });
    registry.register('crm_update', recordingPort('salesforce', calls), {
      handles: async () => false,
      available: async () => false,
      name: 'Salesforce',
    });
    const result = await registry.execute(request('ten_x'));
    expect(calls).toEqual([]);
    expect(result).toEqual({
      ok: false,
      error: {
        category: 'undeliverable',
        code: 'no_record_for_person',
        message: expect.stringContaining('HubSpot has no record of this person'),
      },
    });
  });

  it('answers undeliverable with the systems to connect when none is connected, and when no system can do the kind at all', async () => {
    const registry = new ActionRegistry();
    registry.register('ticket', recordingPort('zendesk', []), {
      handles: async () => false,
      available: async () => false,
      name: 'Zendesk',
    });
    const ticket = await registry.execute(request('ten_x', 'ticket'));
    expect(ticket.ok).toBe(false);
    if (!ticket.ok) {
      expect(ticket.error).toMatchObject({ category: 'undeliverable', code: 'no_connected_system' });
      expect(ticket.error.message).toContain('needs Zendesk, and this tenant has not connected it');
    }
    const note = await registry.execute(request('ten_x', 'note'));
    expect(note.ok).toBe(false);
    if (!note.ok) expect(note.error.message).toContain('no system Baton connects to can deliver a note');
  });

  it('tries the catch-all (tests only) after every guard declined', async () => {
    const calls: string[] = [];
    const registry = new ActionRegistry({ catchAll: recordingPort('recorder', calls) });
    registry.register('task', recordingPort('hubspot', calls), { handles: async (r) => r.tenantId === 'ten_hs' });
    await registry.execute(request('ten_hs', 'task'));
    await registry.execute(request('ten_other', 'task'));
    expect(calls).toEqual(['hubspot:ten_hs', 'recorder:ten_other']);
  });

  it('lists the action steps of a playbook the tenant cannot carry out, unless they name a fallback', async () => {
    const registry = new ActionRegistry();
    registry.register('email', recordingPort('hubspot', []), { available: async (t) => t === 'ten_hs', name: 'HubSpot' });
    registry.register('task', recordingPort('hubspot', []), { available: async (t) => t === 'ten_hs', name: 'HubSpot' });
    const playbook = definePlaybook({
      id: 'p',
      version: 1,
      name: 'P',
      steps: [
        {
          id: 'mail',
          kind: 'action',
          action: { type: 'email', params: { templateId: '1' } },
          onUndeliverable: { fallback: 'call' },
          next: 'ticket',
        },
        { id: 'call', kind: 'action', action: { type: 'task', params: { subject: 'Call' } } },
        { id: 'ticket', kind: 'action', action: { type: 'ticket', params: { subject: 'Help' } }, onUndeliverable: 'skip' },
      ],
    });
    const hs = await registry.unsupportedSteps('ten_hs', playbook);
    expect(hs.map((p) => p.stepId)).toEqual(['ticket']);
    expect(hs[0]?.reason).toContain('no system Baton connects to can deliver a ticket');
    const none = await registry.unsupportedSteps('ten_none', playbook);
    // "mail" names a fallback; its fallback "call" is checked on its own.
    expect(none.map((p) => [p.stepId, p.kind])).toEqual([
      ['call', 'task'],
      ['ticket', 'ticket'],
    ]);
    expect(none[0]?.reason).toContain('needs HubSpot, which this tenant has not connected');
  });
});
