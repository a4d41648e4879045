import { Router } from 'express';
import { type ActionPort, type Decider, type EngineOptions } from '../../app/orchestration';
import type { Queryable } from '../db/database';
import { startPeriodic, type Periodic } from '../dispatch/periodic';
import { PROFILE_SECTIONS } from '../identity/identity.module';
import { profileAliases } from '../identity/profiles.repository';
import { defineModule, provide, type ModuleFactory } from '../module';
import { serviceKey } from '../services';
import { ActionRegistry } from './action-registry.adapter';
import { PiiGuardPort } from './pii-guard.adapter';
import { ContactRecordingActionPort, type ContactRecorder } from './contact-recording.adapter';
import { NoDecisioningDecider } from './default-decider.adapter';
import { RUN_ADVANCE_JOB } from './outbox-scheduler.adapter';
import { playbookRoutes } from './playbooks.routes';
import { profileRuns } from './profile-runs.repository';
import { runRoutes } from './runs.routes';
import { RunsService } from './runs.service';
import { runsStage } from './runs.stage';

/** Due `run.advance` wake-ups of a tenant claimed and advanced together, by default. */
const ADVANCE_BATCH_SIZE = 32;

/** The runs module's action registry: connectors register their ports for the kinds they handle. */
export const ACTION_REGISTRY = serviceKey<ActionRegistry>('runs.actions');
/** A Decider for `decide` steps, provided by the decisioning module (without it: NoDecisioningDecider). */
export const DECIDER = serviceKey<Decider>('decisioning.decider');
/** Records outbound contacts of run steps for frequency caps (provided by decisioning; without it nothing is recorded). */
export const CONTACT_RECORDER = serviceKey<ContactRecorder>('decisioning.contacts');
/** The runs service, for modules that start runs (card buttons, workflow actions). */
export const RUNS_SERVICE = serviceKey<RunsService>('runs.service');

export interface RunsModuleOptions {
  /**
   * Next-best-action provider for `decide` steps. Default: NoDecisioningDecider, which answers "no
   * action" (recorded on the step) until the decisioning module is wired in here.
   */
  readonly decider?: Decider;
  /**
   * The action port. Default: the ActionRegistry the connector modules register their ports with;
   * an action no registered port can carry out for the person is undeliverable (nothing is sent).
   */
  readonly actions?: ActionPort;
  /**
   * Tests and the bench: a port registered after the connectors for every action kind, without a
   * guard (e.g. one that records effects in a table). The service itself never has one.
   */
  readonly catchAll?: (db: Queryable) => ActionPort;
  /** Wraps the action port (tests: slow it down to crash a process mid-call). */
  readonly wrapActions?: (port: ActionPort) => ActionPort;
  /** Engine knobs (lease length, …); defaults are the engine's. */
  readonly engine?: Partial<EngineOptions>;
  /** How often a worker looks for stuck runs (default 30 s); 0 disables the sweep. */
  readonly stuckSweepIntervalMs?: number;
  /** How overdue a run's wake-up or lease must be before the sweep re-arms it (default 30 s). */
  readonly stuckGraceMs?: number;
  /** Due `run.advance` wake-ups of a tenant claimed and advanced together (default 32; 1: one at a time). */
  readonly advanceBatchSize?: number;
}

/**
 * Playbooks and durable runs inside the service: SQL stores, the outbox scheduler, the
 * `run.advance` job, the events stage, the API, and (in processes that consume work) the stuck-run sweep.
 */
export function runsModule(options: RunsModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'runs',
    // Decisioning is built first when loaded; without it `decide` steps answer "no action" and no contact is recorded.
    uses: { decider: DECIDER, contacts: CONTACT_RECORDER, sections: PROFILE_SECTIONS },
    provides: [ACTION_REGISTRY, RUNS_SERVICE],
    build(ctx, { decider, contacts, sections }) {
      const registry = new ActionRegistry(options.catchAll === undefined ? {} : { catchAll: options.catchAll(ctx.db) });
      // Every outbound action passes the PII policy first: content carrying a card number, a national
      // id or an IBAN is blocked with the field and reason on the step, and nothing is sent.
      const base = new PiiGuardPort(options.actions ?? registry, {
        onBlocked: (request, violations) =>
          ctx.logger.warn(
            { tenantId: request.tenantId, runId: request.runId, stepId: request.stepId, fields: violations.map((v) => v.path) },
            'outbound content blocked by the PII policy',
          ),
      });
      const service = new RunsService({
        db: ctx.db,
        work: ctx.work,
        logger: ctx.logger,
        now: () => ctx.clock.now(),
        actions: new ContactRecordingActionPort(options.wrapActions === undefined ? base : options.wrapActions(base), contacts),
        decider: options.decider ?? decider ?? new NoDecisioningDecider(),
        ...(options.actions === undefined ? { deliverability: (tenantId, playbook) => registry.unsupportedSteps(tenantId, playbook) } : {}),
        ...(options.engine === undefined ? {} : { engine: options.engine }),
        advanceBatchSize: options.advanceBatchSize ?? ADVANCE_BATCH_SIZE,
      });
      const api = Router();
      api.use(playbookRoutes(service));
      api.use(runRoutes(service));

      const intervalMs = options.stuckSweepIntervalMs ?? 30_000;
      const graceMs = options.stuckGraceMs ?? 30_000;
      let sweeper: Periodic | undefined;
      const sweeps = ctx.config.role !== 'web' && intervalMs > 0;

      return {
        module: {
          name: 'runs',
          api,
          // Micro-batches of wake-ups (a single job when only one is due): one claim, one read and one
          // completion for many runs, whose commits then group too (commit-batcher.ts).
          batchHandlers: {
            [RUN_ADVANCE_JOB]: { handler: service.advanceBatchHandler, maxBatch: options.advanceBatchSize ?? ADVANCE_BATCH_SIZE },
          },
          stages: [runsStage(service, ctx.db)],
          async start() {
            // Added once every module is built, so `runs` stays the last part of GET /profiles/:id as it always was.
            sections?.add({
              name: 'runs',
              load: async (q, tenantId, profileId) => profileRuns(q, tenantId, await profileAliases(q, tenantId, profileId), 20),
            });
            if (!sweeps) return;
            sweeper = startPeriodic(
              () => service.sweepStuckRuns(graceMs),
              intervalMs,
              (err) => ctx.logger.warn({ err }, 'stuck-run sweep failed; will try again'),
            );
          },
          async stop() {
            await sweeper?.stop();
          },
        },
        provided: [provide(ACTION_REGISTRY, registry), provide(RUNS_SERVICE, service)],
      };
    },
  });
}
