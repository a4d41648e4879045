/**
 * Engagement policies, context weights and journey transitions are JSON-logic rules, checked when
 * configured (an unknown operator is refused then, not discovered at decision time) and evaluated by
 * the shared wrapper (app/shared/json-logic.ts), the same one playbooks and their triggers use.
 */
export { evaluateRule, jsonLogicRuleSchema, type JsonLogicRule } from '../shared/json-logic';
