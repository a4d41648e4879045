import {
  newLeadNurtureDefinition,
  parseDuration,
  parsePlaybook,
  renewalRescueDefinition,
  type PlaybookInput,
} from '../../../app/orchestration';

const base = (steps: unknown[], extra: Record<string, unknown> = {}): unknown => ({ id: 'pb', version: 1, name: 'Test', steps, ...extra });
const issuesOf = (input: unknown) => {
  const result = parsePlaybook(input);
  if (result.ok) throw new Error('expected the playbook to be invalid');
  return result.issues;
};

describe('playbook validation', () => {
  it('accepts both sample playbooks and applies defaults', () => {
    for (const sample of [renewalRescueDefinition, newLeadNurtureDefinition]) {
      const result = parsePlaybook(sample);
      expect(result.ok).toBe(true);
    }
    const parsed = parsePlaybook(base([{ id: 'a', kind: 'wait', wait: { type: 'duration', duration: '2h' } }]));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.playbook.status).toBe('draft');
    expect(parsed.playbook.concurrency).toBe('one_per_profile');
    expect(parsed.playbook.steps[0]).toMatchObject({ wait: { duration: 2 * 3_600_000 } });
  });

  it('names the step and field of a schema error', () => {
    const issues = issuesOf(base([{ id: 'ok', kind: 'action', action: { type: 'fax', params: {} } }]));
    expect(issues[0]).toMatchObject({ path: 'steps[0].action.type', stepId: 'ok' });
  });

  it('rejects an unknown step kind and a malformed duration', () => {
    expect(issuesOf(base([{ id: 'a', kind: 'sleep' }]))[0]?.path).toBe('steps[0].kind');
    const issues = issuesOf(base([{ id: 'a', kind: 'wait', wait: { type: 'duration', duration: '3 days' } }]));
    expect(issues[0]?.message).toContain('"3 days" is not a duration');
    expect(parseDuration('3d')).toBe(259_200_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('reports references to unknown steps with the field that holds them', () => {
    const issues = issuesOf(
      base([
        { id: 'a', kind: 'wait', wait: { type: 'event', match: true, timeout: '1h', onTimeout: 'nowhere' } },
        { id: 'b', kind: 'branch', branches: [{ when: true, next: 'ghost' }] },
      ]),
    );
    expect(issues.map((i) => i.message)).toEqual(
      expect.arrayContaining([
        'steps[0].wait.onTimeout: steps[0] ("a") points to unknown step "nowhere"',
        'steps[1].branches[0].next: steps[1] ("b") points to unknown step "ghost"',
      ]),
    );
  });

  it('reports duplicate step ids', () => {
    const step = { id: 'same', kind: 'exit' };
    const issues = issuesOf(base([{ id: 'first', kind: 'wait', wait: { type: 'duration', duration: 1 }, next: 'same' }, step, step]));
    expect(issues.some((i) => i.message.includes('duplicate step id "same" (also steps[1])'))).toBe(true);
  });

  it('reports a cycle of next-pointers with its path', () => {
    const issues = issuesOf(
      base([
        { id: 'a', kind: 'wait', wait: { type: 'duration', duration: 1 }, next: 'b' },
        { id: 'b', kind: 'branch', branches: [{ when: true, next: 'a' }], otherwise: 'c' },
        { id: 'c', kind: 'exit' },
      ]),
    );
    expect(issues.map((i) => i.message)).toContain('steps: steps form a cycle: a → b → a (runs must always move forward)');
  });

  it('reports steps that can never run', () => {
    const issues = issuesOf(
      base([
        { id: 'a', kind: 'exit' },
        { id: 'orphan', kind: 'exit' },
      ]),
    );
    expect(issues).toEqual([expect.objectContaining({ stepId: 'orphan', message: expect.stringContaining('can never run') })]);
  });

  it('rejects unknown JSON-logic operators and the console-writing "log"', () => {
    const issues = issuesOf(
      base([
        {
          id: 'a',
          kind: 'branch',
          branches: [
            { when: { and: [true, { regex: ['x', 'y'] }] }, next: 'b' },
            { when: { log: 1 }, next: 'b' },
          ],
        },
        { id: 'b', kind: 'exit' },
      ]),
    );
    expect(issues.map((i) => i.message)).toEqual([
      'steps[0].branches[0].when.and[1]: unknown operator "regex"',
      'steps[0].branches[1].when: unknown operator "log"',
    ]);
  });

  it('checks steps.<id> references: the step must exist and run before the reader', () => {
    const issues = issuesOf(
      base([
        { id: 'first', kind: 'action', action: { type: 'note', params: { body: '{{steps.later.output.id}} {{steps.nope.output}}' } } },
        { id: 'later', kind: 'action', action: { type: 'note', params: { body: { $expr: { var: 'steps.first.output.effectId' } } } } },
      ]),
    );
    expect(issues.map((i) => i.message)).toEqual([
      'steps[0].action.params: reads "steps.later.output.id" but step "later" never runs before "first"',
      'steps[0].action.params: reads "steps.nope.output" but there is no step "nope"',
    ]);
  });

  it('only lets event matches and exit criteria read the event', () => {
    const issues = issuesOf(
      base(
        [
          { id: 'a', kind: 'branch', branches: [{ when: { '==': [{ var: 'event.type' }, 'x'] }, next: 'b' }] },
          { id: 'b', kind: 'exit' },
        ],
        {
          exitCriteria: [{ id: 'ok', when: { '==': [{ var: 'event.type' }, 'unsubscribe'] } }],
        },
      ),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain('reads "event.type", but expressions can only read context.*, steps.*, run.*');
  });

  it('requires the parameters each action kind needs', () => {
    const issues = issuesOf(base([{ id: 'a', kind: 'action', action: { type: 'message', params: { body: 'hi' } } }]));
    expect(issues.map((i) => i.message)).toEqual(['steps[0].action.params.channel: the message action needs the parameter "channel"']);
  });

  it('checks time windows and time zones', () => {
    const issues = issuesOf(
      base([{ id: 'a', kind: 'wait', wait: { type: 'time_window', start: '18:00', end: '09:00', defaultTimeZone: 'Mars/Olympus' } }]),
    );
    expect(issues.map((i) => i.path)).toEqual(['steps[0].wait', 'steps[0].wait.defaultTimeZone']);
    expect(issuesOf(base([{ id: 'a', kind: 'wait', wait: { type: 'time_window', start: '9:00', end: '17:00' } }]))[0]?.message).toContain(
      '"HH:MM"',
    );
  });

  it('checks retry intervals', () => {
    const input: PlaybookInput = {
      id: 'pb',
      version: 1,
      name: 'x',
      steps: [
        { id: 'a', kind: 'action', action: { type: 'note', params: { body: 'x' } }, retry: { initialInterval: '1m', maxInterval: '10s' } },
      ],
    };
    expect(issuesOf(input)[0]?.message).toBe('steps[0].retry: maxInterval (10000 ms) is shorter than initialInterval (60000 ms)');
  });
});
