/**
 * Idempotency keys for side-effecting steps.
 *
 * key = "baton:v1:<tenantId>:<runId>:<stepId>:g<keyGeneration>"
 *
 * - Retries of a step (backoff, rate limits, an attempt abandoned by a crash) reuse the key: the
 *   earlier call may have landed even though we saw an error or never saw the answer, and the port
 *   must then answer with the original result instead of acting again.
 * - A step runs at most once per run (playbooks are acyclic), so (run, step) names one logical send.
 * - `resume` is a deliberate re-run of a failed step. The generation is bumped only when the last
 *   error proves the effect was NOT applied (category `permanent` or `auth`: the vendor refused the
 *   request). Vendors that remember keys — including failed ones — would otherwise replay the old
 *   refusal forever. When the last error is ambiguous (`transient`, an abandoned attempt, an
 *   exhausted rate-limit budget) the key is kept, so an effect that silently landed is not repeated.
 *   Either way, each logical send happens at most once, and exactly once once the step succeeds.
 *
 * Ids are used verbatim; adapters whose vendor limits key length or alphabet should hash the key
 * (e.g. SHA-256 hex) rather than truncate it.
 */
export function idempotencyKey(tenantId: string, runId: string, stepId: string, keyGeneration: number): string {
  return `baton:v1:${tenantId}:${runId}:${stepId}:g${keyGeneration}`;
}
