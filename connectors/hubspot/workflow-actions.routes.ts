/**
 * Custom workflow actions (reference §4): `POST /hubspot/workflow-actions/:actionUid`, signed v3 (or
 * v2 when HubSpot sends only that, as the custom-action docs say). Idempotent on `callbackId`: a
 * repeated call gets the stored answer. The enrolled record becomes a profile through a canonical
 * event (`workflow.action_invoked`), so a record Baton has not seen yet still works.
 * - baton_next_best_action: SUCCESS with the decision when it is immediate; BLOCK (PT1H) otherwise,
 *   completed later through the callbacks API by a durable job.
 * - baton_start_playbook: starts (or joins) the run; BLOCK (P7D) until it ends, then a job completes
 *   the callback with runId and runStatus. An unknown playbook is FAIL_CONTINUE with a reason.
 * - baton_record_outcome: records an `outcome.recorded` event on the record and settles the decision
 *   (input `decisionId`, else the record's current decision) through OUTCOME_SERVICE — the same path as
 *   `POST /api/v1/decisions/:id/outcome`, so the posterior learns; SUCCESS, or FAIL_CONTINUE with why.
 */
import { Router } from 'express';
import { z } from 'zod';
import { isRunTerminal, startRun, type Decider } from '../../app/orchestration';
import type { HubSpotApi } from './client/api';
import { classifyHubSpotError } from './client/errors';
import { contactIdentifier, recordIdentifier } from './client/webhook';
import {
  type CardService,
  type Database,
  HttpError,
  type Identify,
  type IdentityService,
  ingestEvent,
  type JobHandler,
  type Logger,
  type OutcomeService,
  RateLimitedError,
  type RunsService,
  validationError,
  type WorkQueue,
} from '../../server/platform';
import { installationByPortal } from './installations';
import { objectTypeName } from './records.repository';
import { jsonBody, rawBody, requireSignature } from './signed';
import { completeWorkflowCall, insertWorkflowCall, workflowCall } from './workflow-calls.repository';
import { systemClock } from '../../app/shared/clock';

export const HUBSPOT_WORKFLOW_COMPLETE_JOB = 'hubspot.workflow_complete';
/** Polls for a blocked run's end back off from 1 s to every 30 s. */
const pollDelayMs = (poll: number): number => Math.min(30_000, 1_000 * 2 ** poll);
const DECIDE_BUDGET_MS = 2_000;

const idString = z.union([z.number(), z.string()]).transform(String);
export const workflowActionSchema = z.looseObject({
  callbackId: z.string().min(1).max(200),
  origin: z.looseObject({ portalId: idString }),
  object: z.looseObject({ objectId: idString, objectType: z.string().min(1).max(40) }),
  inputFields: z.record(z.string(), z.unknown()).default({}),
});

type Output = Record<string, string>;

export interface WorkflowDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly publicUrl: string;
  readonly clientSecret: () => string | undefined;
  readonly identity: () => IdentityService | undefined;
  readonly decider: () => Decider | undefined;
  readonly runs: () => RunsService | undefined;
  readonly api: () => HubSpotApi | undefined;
  readonly outcomes: () => OutcomeService | undefined;
  readonly cards: () => CardService | undefined;
  readonly knownActions: readonly string[];
}

const outcomeInputs = z.object({
  outcome: z.enum(['positive', 'negative'], { error: 'outcome must be positive or negative' }),
  value: z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^\d+(\.\d+)?$/)
        .transform(Number),
      z.literal('').transform(() => undefined),
    ])
    .optional(),
  decisionId: z.string().trim().max(200).optional(),
});

/** Settles a decision with the outcome a workflow reports (idempotency lives in hubspot_workflow_calls). */
async function recordOutcome(deps: WorkflowDeps, tenantId: string, profileId: string, inputs: Record<string, unknown>): Promise<Output> {
  const parsed = outcomeInputs.safeParse(inputs);
  if (!parsed.success) return withState('FAIL_CONTINUE', { recorded: 'false', error: parsed.error.issues[0]?.message ?? 'invalid inputs' });
  const outcomes = deps.outcomes();
  if (outcomes === undefined) return withState('FAIL_CONTINUE', { recorded: 'false', error: 'decisioning is not running on this server' });
  const given = parsed.data.decisionId === undefined || parsed.data.decisionId === '' ? undefined : parsed.data.decisionId;
  const decisionId = given ?? (await deps.cards()?.view(tenantId, profileId))?.nextBestAction?.decisionId;
  if (decisionId === undefined)
    return withState('FAIL_CONTINUE', { recorded: 'false', error: 'this record has no decision to settle; pass decisionId' });
  const result = await outcomes.record(tenantId, decisionId, parsed.data.outcome, parsed.data.value);
  if (result.ok) return withState('SUCCESS', { recorded: 'true', decisionId, learned: String(result.learned) });
  // Settled already (another entry point, or an earlier attempt of this call): nothing left to do.
  if (result.reason === 'already_settled' || /already recorded/.test(result.reason))
    return withState('SUCCESS', { recorded: 'false', decisionId, reason: 'already_settled' });
  return withState('FAIL_CONTINUE', {
    recorded: 'false',
    decisionId,
    error: result.reason === 'not_found' ? `no decision ${decisionId} in Baton` : result.reason,
  });
}

const withState = (state: 'SUCCESS' | 'FAIL_CONTINUE' | 'BLOCK', fields: Output = {}, expiration?: string): Output => ({
  ...fields,
  hs_execution_state: state,
  ...(expiration === undefined ? {} : { hs_expiration_duration: expiration }),
});

/** The "Next best action" workflow action's outputs, or undefined when the decider did not answer within its budget. */
export async function decideWithin(
  decider: Decider,
  profileId: string,
  tenantId: string,
  callbackId: string,
  context: string | undefined,
): Promise<Output | undefined> {
  const decided = decider.decide(profileId, context === undefined ? {} : { context }, {
    tenantId,
    runId: `hubspot-workflow:${callbackId}`,
    stepId: 'workflow-action',
    idempotencyKey: `hubspot:wfa:${callbackId}`,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), DECIDE_BUDGET_MS);
  });
  try {
    const r = await Promise.race([decided, timeout]);
    if (r === undefined) return undefined;
    // "In holdout group" is true only for a holdout decision, never merely because nothing was eligible.
    return {
      actionId: r.action?.id ?? '',
      actionLabel: r.action?.label ?? '',
      holdout: String(r.holdout === true),
      decisionId: r.decisionId,
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export function workflowActionRoutes(deps: WorkflowDeps): Router {
  const router = Router();
  router.post(
    '/hubspot/workflow-actions/:actionUid',
    rawBody,
    requireSignature({ publicUrl: deps.publicUrl, clientSecret: deps.clientSecret, allowV2: true }),
    async (req, res) => {
      const actionUid = String(req.params['actionUid'] ?? '');
      if (!deps.knownActions.includes(actionUid)) throw new HttpError(404, 'unknown_action', `no workflow action ${actionUid}`);
      const parsed = workflowActionSchema.safeParse(jsonBody(req));
      if (!parsed.success) throw validationError(parsed.error, 'workflow action request');
      const call = parsed.data;
      const install = await installationByPortal(deps.db, call.origin.portalId);
      if (install === undefined || install.status !== 'active') {
        res.json({ outputFields: withState('FAIL_CONTINUE', { error: `Baton is not connected to portal ${call.origin.portalId}` }) });
        return;
      }
      const tenantId = install.tenantId;
      const previous = await workflowCall(deps.db, tenantId, call.callbackId);
      if (previous !== undefined) {
        res.json({ outputFields: previous.output });
        return;
      }
      const objectType = objectTypeName(call.object.objectType.toLowerCase()) ?? 'contact';
      const identity = deps.identity();
      const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
      const inputs = call.inputFields;
      const ingested = await ingestEvent(
        deps.db,
        deps.work,
        tenantId,
        {
          id: `hubspot:${install.portalId}:workflow:${call.callbackId}`,
          source: 'hubspot',
          type: actionUid === 'baton_record_outcome' ? 'outcome.recorded' : 'workflow.action_invoked',
          occurredAt: new Date(systemClock.now()).toISOString(),
          subject: {
            identifiers: [
              objectType === 'contact'
                ? contactIdentifier(install.portalId, call.object.objectId)
                : recordIdentifier(install.portalId, objectType, call.object.objectId),
            ],
            traits: {},
          },
          properties: {
            portalId: install.portalId,
            objectType,
            objectId: call.object.objectId,
            actionUid,
            callbackId: call.callbackId,
            inputs,
          },
        },
        undefined,
        identify,
      );
      const profileId = ingested.profileId;

      let output: Output;
      let status: 'answered' | 'blocked' = 'answered';
      let runId: string | null = null;
      if (profileId === null) {
        output = withState('FAIL_CONTINUE', { error: 'Baton could not identify this record' });
      } else if (actionUid === 'baton_record_outcome') {
        output = await recordOutcome(deps, tenantId, profileId, inputs);
      } else if (actionUid === 'baton_start_playbook') {
        const runs = deps.runs();
        const playbookId = typeof inputs['playbookId'] === 'string' ? inputs['playbookId'] : '';
        if (runs === undefined || playbookId === '') {
          output = withState('FAIL_CONTINUE', { error: playbookId === '' ? 'playbookId is required' : 'runs are not available' });
        } else {
          await runs.ensureSamples(tenantId);
          const started = await startRun(runs.deps, { tenantId, playbookId, profileId, context: { hubspotCallbackId: call.callbackId } });
          if (!started.ok) output = withState('FAIL_CONTINUE', { error: started.error.message });
          else if (isRunTerminal(started.snapshot.run.status))
            output = withState('SUCCESS', { runId: started.snapshot.run.id, runStatus: started.snapshot.run.status });
          else {
            runId = started.snapshot.run.id;
            status = 'blocked';
            output = withState('BLOCK', { runId, runStatus: started.snapshot.run.status }, 'P7D');
          }
        }
      } else {
        const decider = deps.decider();
        const context = typeof inputs['context'] === 'string' ? inputs['context'] : undefined;
        const decided =
          decider === undefined
            ? undefined
            : await decideWithin(decider, profileId, tenantId, call.callbackId, context).catch(() => undefined);
        if (decided !== undefined) output = withState('SUCCESS', decided);
        else {
          status = 'blocked';
          output = withState('BLOCK', {}, 'PT1H');
        }
      }
      const stored = await deps.db.transaction(async (tx) => {
        const inserted = await insertWorkflowCall(tx, {
          tenantId,
          callbackId: call.callbackId,
          actionUid,
          objectType,
          objectId: call.object.objectId,
          status,
          output,
          runId,
        });
        if (!inserted) {
          const again = await workflowCall(tx, tenantId, call.callbackId);
          return { output: again?.output ?? output, ref: undefined };
        }
        const ref =
          status === 'blocked'
            ? await deps.work.record(tx, {
                tenantId,
                kind: HUBSPOT_WORKFLOW_COMPLETE_JOB,
                payload: { callbackId: call.callbackId, portalId: install.portalId, profileId },
                dedupeKey: `hubspot-wfa:${call.callbackId}:0`,
                dueAt: new Date(systemClock.now() + pollDelayMs(0)),
              })
            : undefined;
        return { output, ref };
      });
      if (stored.ref !== undefined) await deps.work.notify([stored.ref]);
      res.json({ outputFields: stored.output });
    },
  );
  return router;
}

/** Completes blocked executions: decides again, or waits for the run to end; then calls the callbacks API. */
export function workflowCompleteHandler(deps: WorkflowDeps): JobHandler {
  return async (job) => {
    const callbackId = String(job.payload['callbackId']);
    const portalId = String(job.payload['portalId']);
    const profileId = String(job.payload['profileId']);
    const row = await workflowCall(deps.db, job.tenantId, callbackId);
    if (row === undefined || row.status !== 'blocked') return;
    let fields: Output | undefined;
    if (row.runId !== null) {
      const run = await deps.runs()?.deps.runs.load(job.tenantId, row.runId);
      if (run === null || run === undefined) fields = withState('FAIL_CONTINUE', { runId: row.runId, runStatus: 'unknown' });
      else if (isRunTerminal(run.run.status)) fields = withState('SUCCESS', { runId: row.runId, runStatus: run.run.status });
    } else {
      const decider = deps.decider();
      const decided = decider === undefined ? undefined : await decideWithin(decider, profileId, job.tenantId, callbackId, undefined);
      fields = decided === undefined ? withState('FAIL_CONTINUE', { error: 'no decision available' }) : withState('SUCCESS', decided);
    }
    if (fields === undefined) {
      // Still running: look again later (a new row: dedupe keys are per poll).
      const poll = Number(job.payload['poll'] ?? 0) + 1;
      await deps.work.enqueue({
        tenantId: job.tenantId,
        kind: HUBSPOT_WORKFLOW_COMPLETE_JOB,
        payload: { ...job.payload, poll },
        dedupeKey: `hubspot-wfa:${callbackId}:${poll}`,
        dueAt: new Date(systemClock.now() + pollDelayMs(poll)),
      });
      return;
    }
    const api = deps.api();
    if (api === undefined) throw new Error('HubSpot is not configured');
    try {
      await api.completeCallback(portalId, callbackId, fields);
    } catch (err) {
      const failure = classifyHubSpotError(err, 'callback completion');
      if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
      if (failure.category === 'permanent' || failure.category === 'auth') {
        deps.logger.warn({ callbackId, failure }, 'HubSpot refused the workflow callback completion; giving up');
        await completeWorkflowCall(deps.db, job.tenantId, callbackId, { ...fields, error: failure.message });
        return;
      }
      throw err;
    }
    await completeWorkflowCall(deps.db, job.tenantId, callbackId, fields);
  };
}
