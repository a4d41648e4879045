import { serviceKey } from '../services';

/** What recording an outcome came to: settled (and whether the posterior learned from it) or refused and why. */
export type OutcomeResult =
  | { readonly ok: true; readonly decisionId: string; readonly outcome: 'positive' | 'negative'; readonly learned: boolean }
  | { readonly ok: false; readonly decisionId: string; readonly reason: string };

/**
 * Records the outcome of a decision for one tenant — the same path as
 * `POST /api/v1/decisions/:id/outcome`. Provided by the decisioning module; used by CRM-side
 * "Record outcome" actions (HubSpot workflow action, Salesforce Flow) so every entry point learns alike.
 * A second outcome for a settled decision is refused (`already_settled`), which makes retries harmless.
 */
export interface OutcomeService {
  record(tenantId: string, decisionId: string, outcome: 'positive' | 'negative', value?: number): Promise<OutcomeResult>;
  /**
   * Records the outcome of the open decision (not settled, inside its attribution window) behind a run,
   * the latest if several; null when the run carries out no open decision (e.g. a click on an email a
   * run sent).
   */
  recordForRun(tenantId: string, runId: string, outcome: 'positive' | 'negative'): Promise<OutcomeResult | null>;
}

export const OUTCOME_SERVICE = serviceKey<OutcomeService>('decisioning.outcomes');
