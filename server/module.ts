import type { Router } from 'express';
import type { Config } from './config';
import type { CanonicalEvent } from '../app/events/canonical-event';
import type { Database, Queryable } from './db/database';
import type { WorkQueue } from './dispatch/work-queue';
import type { BatchJobHandler, JobHandler } from './dispatch/work-runner';
import type { EventStage } from './events/event-processor';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import type { SecretBox } from './security/secret-box';
import { serviceKey, type ServiceRegistry } from './services';

/** What a capability module gets from the composition root. */
export interface ModuleContext {
  readonly config: Config;
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly secrets: SecretBox;
  /** Services modules offer each other; earlier modules provide, later ones (or calls at run time) look up. */
  readonly services: ServiceRegistry;
}

/**
 * A capability (identity, runs, decisioning, a connector...) plugs into the service through this shape:
 * its public API routes (mounted under /api/v1 behind API-key auth), its other routes (webhooks, OAuth;
 * mounted at the root, authenticating themselves), its durable job handlers and its event-pipeline stages.
 */
export interface ServiceModule {
  readonly name: string;
  readonly api?: Router;
  readonly routes?: Router;
  readonly handlers?: Readonly<Record<string, JobHandler>>;
  /** Micro-batch job handlers (WorkRunner.registerBatch): a delivered never-tried row claims up to `maxBatch` of its tenant's due rows of the kind. */
  readonly batchHandlers?: Readonly<Record<string, { readonly handler: BatchJobHandler; readonly maxBatch: number }>>;
  /** Run in module order for every stored event. */
  readonly stages?: readonly EventStage[];
  /**
   * Resolves the person an event is about, inside the ingest transaction, so `POST /api/v1/events`
   * can answer with the profile id. At most one module provides it (identity).
   */
  readonly identify?: (tx: Queryable, input: { tenantId: string; eventId: string; event: CanonicalEvent }) => Promise<string | null>;
  /**
   * Privacy erasure (DELETE /api/v1/profiles/:id): deletes this module's data about the person, whose
   * profile ids (the profile and every profile merged into it) are `profileIds`. Runs inside the
   * erasure transaction, after identity has erased the graph and the events (`baton.erasure` is on).
   * Identity calls it on every loaded module (LOADED_MODULES); a module without person data omits it.
   */
  erase?(tx: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type ModuleFactory = (ctx: ModuleContext) => ServiceModule;

/** The loaded modules in order, provided by the runtime once every factory has run. */
export const LOADED_MODULES = serviceKey<readonly ServiceModule[]>('runtime.modules');
