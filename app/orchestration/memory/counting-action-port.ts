import type { PortError } from '../errors';
import type { JsonValue } from '../json';
import type { ActionPort, ActionRequest, ActionResult } from '../ports';

/** A scripted answer for the next call of a step: fail without effect, or apply and then fail (lost answer). */
export type ScriptedCall =
  { readonly kind: 'fail'; readonly error: PortError } | { readonly kind: 'apply_then_fail'; readonly error: PortError };

export interface AppliedEffect {
  readonly tenantId: string;
  readonly idempotencyKey: string;
  readonly request: ActionRequest;
  readonly output: JsonValue;
}

/**
 * An ActionPort fake that makes each effect at most once per (tenant, idempotency key) — the
 * contract real adapters must honour — and counts everything, so tests can prove exactly-once.
 * Scripted answers (per step id) simulate vendor errors, rate limits and lost responses.
 */
export class CountingActionPort implements ActionPort {
  readonly calls: ActionRequest[] = [];
  private readonly applied = new Map<string, AppliedEffect>();
  /** Times an effect was actually applied per key; a value above 1 would be a double send. */
  private readonly applications = new Map<string, number>();
  private readonly scripts = new Map<string, ScriptedCall[]>();

  /** Queues answers for the next calls of `stepId` (consumed in order; afterwards calls succeed). */
  script(stepId: string, ...answers: ScriptedCall[]): void {
    this.scripts.set(stepId, [...(this.scripts.get(stepId) ?? []), ...answers]);
  }

  failNext(stepId: string, ...errors: PortError[]): void {
    this.script(stepId, ...errors.map((error): ScriptedCall => ({ kind: 'fail', error })));
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    this.calls.push(structuredClone(request));
    const k = `${request.tenantId}\u0000${request.idempotencyKey}`;
    const existing = this.applied.get(k);
    if (existing !== undefined) return { ok: true, output: existing.output };
    const scripted = this.scripts.get(request.stepId)?.shift();
    if (scripted?.kind === 'fail') return { ok: false, error: scripted.error };
    const output: JsonValue = { effectId: `effect_${this.applied.size + 1}`, kind: request.kind };
    this.applied.set(k, { tenantId: request.tenantId, idempotencyKey: request.idempotencyKey, request: structuredClone(request), output });
    this.applications.set(k, (this.applications.get(k) ?? 0) + 1);
    if (scripted?.kind === 'apply_then_fail') return { ok: false, error: scripted.error };
    return { ok: true, output };
  }

  /** Effects actually applied, in order. */
  effects(): AppliedEffect[] {
    return [...this.applied.values()];
  }

  /** Effects applied for one step of one run (must be 0 or 1 per logical send). */
  effectsFor(runId: string, stepId: string): AppliedEffect[] {
    return this.effects().filter((e) => e.request.runId === runId && e.request.stepId === stepId);
  }

  /** Highest number of applications of any single key (1 when every effect happened once). */
  maxApplicationsPerKey(): number {
    return Math.max(0, ...this.applications.values());
  }

  callsFor(stepId: string): ActionRequest[] {
    return this.calls.filter((c) => c.stepId === stepId);
  }
}
