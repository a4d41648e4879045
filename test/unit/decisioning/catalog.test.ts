import { parseCatalog } from '../../../app/decisioning/catalog';
import { defaultDecisioningConfig, parseDecisioningConfig } from '../../../app/decisioning/config';

describe('action catalog (PUT /api/v1/actions body)', () => {
  it('accepts the documented shape with every optional field', () => {
    const result = parseCatalog({
      actions: [
        {
          id: 'upsell',
          label: 'Upgrade offer',
          channel: 'email',
          value: 100,
          cost: 1,
          eligibility: { '==': [{ var: 'profile.stage' }, 'active'] },
          requiresApproval: true,
          template: 'tpl_1',
        },
        { id: 'call', label: 'Call', channel: 'task', value: 0 },
        { id: 'wa', label: 'WhatsApp', channel: 'whatsapp', value: 5, template: { name: 'renewal', language: 'en' } },
      ],
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.catalog.actions.map((a) => a.id)).toEqual(['upsell', 'call', 'wa']);
  });

  it.each([
    ['an unknown channel', { actions: [{ id: 'a', label: 'A', channel: 'fax', value: 1 }] }, 'actions.0.channel'],
    ['a negative value', { actions: [{ id: 'a', label: 'A', channel: 'email', value: -1 }] }, 'actions.0.value'],
    ['a missing label', { actions: [{ id: 'a', channel: 'email', value: 1 }] }, 'actions.0.label'],
    ['a misspelt key', { actions: [{ id: 'a', label: 'A', channel: 'email', value: 1, eligibilty: true }] }, 'actions.0'],
    ['an id with spaces', { actions: [{ id: 'a b', label: 'A', channel: 'email', value: 1 }] }, 'actions.0.id'],
    [
      'an unknown JSON-logic operator',
      { actions: [{ id: 'a', label: 'A', channel: 'email', value: 1, eligibility: { frobnicate: [1] } }] },
      'actions.0.eligibility',
    ],
    [
      'a non-rule eligibility',
      { actions: [{ id: 'a', label: 'A', channel: 'email', value: 1, eligibility: { a: 1, b: 2 } }] },
      'actions.0.eligibility',
    ],
    [
      'duplicate ids',
      {
        actions: [
          { id: 'a', label: 'A', channel: 'email', value: 1 },
          { id: 'a', label: 'B', channel: 'sms', value: 1 },
        ],
      },
      'actions.1.id',
    ],
    ['no actions array', { items: [] }, ''],
  ])('refuses %s and names the field', (_what, body, path) => {
    const result = parseCatalog(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });
});

describe('decisioning config', () => {
  it('fills documented defaults', () => {
    const config = defaultDecisioningConfig();
    expect(config.holdout.share).toBe(0.05);
    expect(config.randomControlShare).toBe(0.02);
    expect(config.reach).toEqual({ initial: 0.02, fullAtPositives: 200 });
    expect(config.consent).toMatchObject({ email: 'opt_out', sms: 'opt_in', whatsapp: 'opt_in' });
    expect(config.quietHours).toMatchObject({ enabled: true, start: '21:00', end: '08:00' });
    expect(config.whatsapp.sessionWindowHours).toBe(24);
  });

  it('refuses a malformed quiet-hours time and an out-of-range share', () => {
    const result = parseDecisioningConfig({ quietHours: { start: '9pm' }, holdout: { share: 1.5 } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path).sort()).toEqual(['holdout.share', 'quietHours.start']);
  });
});
