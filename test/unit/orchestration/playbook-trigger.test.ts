import { matchesEventType, parsePlaybook } from '../../../app/orchestration';

const base = {
  id: 'tp',
  version: 1,
  name: 'Triggered',
  steps: [{ id: 'n', kind: 'action', action: { type: 'note', params: { body: 'x' } } }],
};

describe('playbook triggers', () => {
  it.each([
    [['email.replied'], 'email.replied', true],
    [['email.replied'], 'email.opened', false],
    [['ticket.*'], 'ticket.created', true],
    [['ticket.*'], 'tickets.created', false],
    [['ticket.*'], 'ticket', false],
    [['*'], 'anything.at_all', true],
    [['deal.*', 'meeting.booked'], 'meeting.booked', true],
  ])('%j matches %s: %s', (patterns, type, expected) => {
    expect(matchesEventType(patterns, type)).toBe(expected);
  });

  it('accepts event types and a condition over event and profile', () => {
    const parsed = parsePlaybook({
      ...base,
      trigger: {
        events: ['ticket.*'],
        when: { and: [{ '==': [{ var: 'event.properties.priority' }, 'urgent'] }, { '>': [{ var: 'profile.hotness' }, 10] }] },
      },
    });
    expect(parsed.ok).toBe(true);
  });

  it.each([
    [{ events: [] }, 'trigger.events'],
    [{ events: ['ticket created'] }, 'trigger.events[0]'],
    [{ events: ['ticket.*'], when: { '==': [{ var: 'context.x' }, 1] } }, 'trigger.when'],
    [{ events: ['ticket.*'], when: { no_such_op: [1] } }, 'trigger.when'],
    [{ events: ['a'], extra: true }, 'trigger'],
  ])('refuses %j at %s', (trigger, path) => {
    const parsed = parsePlaybook({ ...base, trigger });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path).some((p) => p.startsWith(path))).toBe(true);
  });
});
