import fc from 'fast-check';
import {
  jsonLogicRuleSchema as decisioningRuleSchema,
  evaluateRule as decisioningEvaluateRule,
} from '../../../app/decisioning/expressions';
import { analyseExpression as playbookAnalyse, evaluateCondition } from '../../../app/orchestration/playbook/expression';
import {
  ALLOWED_OPERATORS,
  analyseExpression,
  applyExpression,
  evaluateRule,
  jsonLogicRuleSchema,
  ruleProblem,
} from '../../../app/shared/json-logic';

const unrecognised = (error: unknown): boolean => error instanceof Error && /Unrecognized operation/.test(error.message);

/** Expressions built from the allowed operators, a few unknown ones and literals. */
const expression: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('op')),
  leaf: fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom('a', 'b', 'x.y', ''),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom({ var: 'profile.stage' }, { var: 'n' }, { var: ['missing', 0] }),
  ),
  op: fc
    .tuple(
      fc.oneof(fc.constantFrom(...ALLOWED_OPERATORS), fc.constantFrom('log', 'method', 'nope', 'eval')),
      fc.array(tie('node'), { maxLength: 3 }),
    )
    .map(([op, args]) => ({ [op]: args })),
})).node;

const DATA = { profile: { stage: 'active', tags: ['a', 'b'] }, n: 3, a: [1, 2, 3] };

describe('one JSON-logic wrapper', () => {
  it('allows exactly the operators json-logic-js evaluates, minus log', () => {
    for (const op of ALLOWED_OPERATORS) {
      let error: unknown;
      try {
        applyExpression({ [op]: [] }, {});
      } catch (e) {
        error = e;
      }
      expect({ op, unrecognised: unrecognised(error) }).toEqual({ op, unrecognised: false });
    }
    expect(ALLOWED_OPERATORS.has('log')).toBe(false);
    expect(ruleProblem({ log: 'x' })).toMatch(/unknown operator "log"/);
  });

  it('whatever validates also evaluates: no validated expression meets an unknown operator (property)', () => {
    fc.assert(
      fc.property(expression, (expr) => {
        const valid = analyseExpression(expr).problems.length === 0;
        let error: unknown;
        try {
          applyExpression(expr, DATA);
        } catch (e) {
          error = e;
        }
        if (valid) expect(unrecognised(error)).toBe(false);
        // A rule with an unknown operator anywhere is refused, even in a branch not taken on this data.
        if (unrecognised(error)) expect(valid).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an unknown operator in a branch that empty data would not reach (the old trial-evaluation check let it through)', () => {
    const rule = { if: [false, { nope: [1] }, true] };
    expect(ruleProblem(rule)).toMatch(/unknown operator "nope" at if.1/);
    expect(jsonLogicRuleSchema.safeParse(rule).success).toBe(false);
  });

  it('decisioning rules and playbook expressions are the same check and the same evaluation', () => {
    const trigger = { and: [{ '==': [{ var: 'event.type' }, 'ticket.opened'] }, { in: ['vip', { var: 'profile.tags' }] }] };
    const scope = { event: { type: 'ticket.opened' }, profile: { tags: ['vip'] } };
    expect(playbookAnalyse(trigger).problems).toEqual([]);
    expect(decisioningRuleSchema.safeParse(trigger).success).toBe(true);
    expect(evaluateCondition(trigger, scope)).toBe(true);
    expect(decisioningEvaluateRule(trigger, scope)).toEqual({ value: true });
    expect(evaluateRule(trigger, { ...scope, profile: { tags: [] } })).toEqual({ value: false });
    for (const bad of [{ log: 1 }, { if: [true, { nope: 1 }] }, { '==': [1, 1], '!=': [1, 2] }]) {
      expect(playbookAnalyse(bad).problems.length).toBeGreaterThan(0);
      expect(decisioningRuleSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('a rule that throws on its data counts as false and says why; constants are rules', () => {
    const r = evaluateRule({ in: ['a', { var: 'o' }] }, { o: { indexOf: 1 } });
    expect(r.value).toBe(false);
    expect(r.error).toEqual(expect.any(String));
    expect(evaluateRule(true, {})).toEqual({ value: true });
    expect(ruleProblem(false)).toBeNull();
    expect(ruleProblem('yes')).toMatch(/must be a JSON-logic rule/);
    expect(ruleProblem([{ var: 'a' }])).toMatch(/must be a JSON-logic rule/);
  });
});
