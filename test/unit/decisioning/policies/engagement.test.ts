import { decide } from '../../../../app/decisioning/decide';
import { createSeededRandom } from '../../../../app/decisioning/random/prng';
import { actionFieldsRead } from '../../../../app/decisioning/prepared';
import { type Action } from '../../../../app/decisioning/catalog';
import { type JsonLogicRule } from '../../../../app/decisioning/expressions';
import { config, decisionInput, profile } from '../fixtures';

const adultsOnly: Action = {
  id: 'adults',
  label: 'Adults',
  channel: 'email',
  value: 1,
  eligibility: { '>=': [{ var: 'profile.traits.age' }, 18] },
};
const plain: Action = { id: 'plain', label: 'Plain', channel: 'email', value: 1 };
const sms: Action = { id: 'sms', label: 'SMS', channel: 'sms', value: 1 };

const cfg = config({
  engagementPolicies: [
    { id: 'not-churned', kind: 'applicability', rule: { '!=': [{ var: 'profile.stage' }, 'churned'] } },
    {
      id: 'no-sms-enterprise',
      kind: 'suitability',
      rule: { '!': { and: [{ '==': [{ var: 'action.channel' }, 'sms'] }, { '==': [{ var: 'profile.traits.plan' }, 'enterprise'] }] } },
    },
    { id: 'trigger-only', kind: 'eligibility', actions: ['plain'], rule: { '==': [{ var: 'context.trigger' }, 'form'] } },
  ],
});

function fates(overrides: Parameters<typeof profile>[0], context = {}) {
  const record = decide(
    decisionInput({ catalog: [adultsOnly, plain, sms], config: cfg, profile: profile(overrides), context }),
    createSeededRandom(1),
  );
  return Object.fromEntries(record.explanation.map((e) => [e.actionId, e.fate === 'blocked' ? `${e.blockedBy?.policy}` : 'ok']));
}

describe('engagement policies (JSON-logic)', () => {
  it.each<[string, Parameters<typeof profile>[0], object, Record<string, string>]>([
    ['adult pro customer, form trigger', {}, { trigger: 'form' }, { adults: 'ok', plain: 'ok', sms: 'ok' }],
    ['minor', { traits: { age: 16, plan: 'pro' } }, { trigger: 'form' }, { adults: 'eligibility', plain: 'ok', sms: 'ok' }],
    [
      'churned profile',
      { stage: 'churned' },
      { trigger: 'form' },
      { adults: 'applicability', plain: 'applicability', sms: 'applicability' },
    ],
    [
      'enterprise plan: no SMS',
      { traits: { age: 40, plan: 'enterprise' } },
      { trigger: 'form' },
      { adults: 'ok', plain: 'ok', sms: 'suitability' },
    ],
    ['policy scoped to one action', {}, { trigger: 'api' }, { adults: 'ok', plain: 'eligibility', sms: 'ok' }],
    ['missing trait reads as null', { traits: {} }, { trigger: 'form' }, { adults: 'eligibility', plain: 'ok', sms: 'ok' }],
  ])('%s', (_name, overrides, context, expected) => {
    expect(fates(overrides, context)).toEqual(expected);
  });

  it('explains which rule blocked and that it was false', () => {
    const record = decide(decisionInput({ catalog: [adultsOnly], profile: profile({ traits: { age: 12 } }) }), createSeededRandom(1));
    expect(record.explanation[0]?.blockedBy).toEqual({ policy: 'eligibility', reason: 'eligibility rule action eligibility is false' });
  });

  it.each<[JsonLogicRule, string[] | null]>([
    [{ '==': [{ var: 'action.channel' }, 'sms'] }, ['channel']],
    [{ and: [{ var: 'action.value' }, { var: ['action.channel', 'x'] }] }, ['channel', 'value']],
    [{ '==': [{ var: 'profile.stage' }, 'active'] }, []],
    [{ some: [{ var: 'profile.tags' }, { '==': [{ var: '' }, 'vip'] }] }, null],
    [{ var: 'action' }, null],
    [{ var: { cat: ['action.', 'channel'] } }, null],
  ])('knows which action fields %j reads', (rule, fields) => {
    expect(actionFieldsRead(rule)).toEqual(fields);
  });
});
