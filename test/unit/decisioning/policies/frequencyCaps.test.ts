import { frequencyCapPolicy } from '../../../../app/decisioning/policies/frequencyCaps';
import { type Channel } from '../../../../app/decisioning/catalog';
import { type ContactRecord } from '../../../../app/decisioning/types';
import { callTask, config, DAY, HOUR, NOON_UTC, policyInput, smsNudge, upsellEmail, waTemplate } from '../fixtures';
import { type Action } from '../../../../app/decisioning/catalog';

const contact = (channel: Channel, hoursAgo: number): ContactRecord => ({
  actionId: `x_${channel}`,
  channel,
  at: NOON_UTC - hoursAgo * HOUR,
});

const caps = config({
  frequencyCaps: [
    { channel: 'all', period: 'day', max: 2 },
    { channel: 'all', period: 'week', max: 4 },
    { channel: 'email', period: 'week', max: 2 },
    { channel: 'task', period: 'day', max: 1 },
  ],
});

describe('frequency caps', () => {
  it.each<[string, Action, ContactRecord[], 'allow' | 'block', RegExp | null]>([
    ['no history', upsellEmail, [], 'allow', null],
    ['one contact today', smsNudge, [contact('email', 2)], 'allow', null],
    [
      'two contacts today on other channels: total day cap',
      smsNudge,
      [contact('email', 2), contact('whatsapp', 5)],
      'block',
      /all channels cap 2\/day/,
    ],
    ['two contacts yesterday (outside 24 h)', smsNudge, [contact('email', 25), contact('whatsapp', 30)], 'allow', null],
    ['email weekly cap', upsellEmail, [contact('email', 30), contact('email', 80)], 'block', /email cap 2\/week/],
    ['email weekly cap does not block sms', smsNudge, [contact('email', 30), contact('email', 80)], 'allow', null],
    [
      'total weekly cap across channels',
      waTemplate,
      [contact('email', 30), contact('sms', 50), contact('whatsapp', 70), contact('sms', 100)],
      'block',
      /all channels cap 4\/week/,
    ],
    ['contacts older than a week do not count', upsellEmail, [contact('email', 8 * 24), contact('email', 9 * 24)], 'allow', null],
    [
      'tasks do not count toward the customer-contact total',
      smsNudge,
      [contact('task', 1), contact('task', 2), contact('crm_update', 3)],
      'allow',
      null,
    ],
    ['a cap on tasks applies to tasks', callTask, [contact('task', 1)], 'block', /task cap 1\/day/],
  ])('%s → %s', (_name, action, history, expected, reason) => {
    const verdict = frequencyCapPolicy.bind(policyInput({ config: caps, contactHistory: history }))({ action, promotional: true });
    expect(verdict.kind).toBe(expected);
    if (reason !== null && verdict.kind === 'block') expect(verdict.reason).toMatch(reason);
  });

  it('ignores contacts recorded in the future (clock skew)', () => {
    const history = [contact('email', -1), contact('email', -2), contact('email', -3)];
    expect(
      frequencyCapPolicy.bind(policyInput({ config: caps, contactHistory: history }))({ action: upsellEmail, promotional: true }).kind,
    ).toBe('allow');
  });

  it('says when the oldest counted contact leaves the window', () => {
    const verdict = frequencyCapPolicy.bind(policyInput({ config: caps, contactHistory: [contact('email', 2), contact('sms', 5)] }))({
      action: waTemplate,
      promotional: true,
    });
    expect(verdict.kind).toBe('block');
    if (verdict.kind === 'block') expect(verdict.reason).toContain(new Date(NOON_UTC - 5 * HOUR + DAY).toISOString());
  });
});
