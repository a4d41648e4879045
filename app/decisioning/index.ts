/**
 * Next-best-action decisioning. Entry points for the server:
 * - `parseCatalog(body)` / `parseDecisioningConfig(settings)`: validate tenant input.
 * - `decide(input, rng)`: the pure decision; `toDecisionResponse(record)`: the API body.
 * - `settleDecision`, `expireDecision`, `attributeEvent`, `outcomeForEvent`: outcomes → learning.
 * - `liftReport(rows)`: treated vs holdout lift with delta-method intervals.
 * - `DecisioningService`: the same over ports (stores, clock, random, ids).
 */
export * from './catalog';
export * from './config';
export * from './types';
export * from './record';
export { decide, segmentOf, type DecisionInput } from './decide';
export { evaluateRule, jsonLogicRuleSchema, type JsonLogicRule } from './expressions';
export { holdoutBucket, isInHoldout } from './holdout';
export { CONTACT_POLICIES, POLICY_IDS, type PolicyId, type PolicyVerdict, type ContactPolicy } from './policies/index';
export { posteriorFor, posteriorMean, reachFor, type BetaPosterior } from './arbitration/propensity';
export { selectAction, type Contender, type SelectionResult } from './arbitration/selection';
export * from './learning/outcomes';
export * from './learning/lift';
export * from './learning/offPolicy';
export * from './ports';
export * from './memory';
export * from './service';
export { createSeededRandom, randomInt } from './random/prng';
export { createSampler, sampleBeta, sampleGamma, sampleStandardNormal, betaMoments, type Sampler } from './random/distributions';
