import type { Router } from 'express';
import type { Config } from './config';
import type { CanonicalEvent } from '../app/events/canonical-event';
import type { Clock } from '../app/shared/clock';
import type { Database, Queryable } from './db/database';
import type { WorkQueue } from './dispatch/work-queue';
import type { BatchJobHandler, JobHandler } from './dispatch/work-runner';
import type { EventStage } from './events/event-processor';
import type { IdentifyMany } from './events/events.repository';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import type { SecretBox } from './security/secret-box';
import type { ServiceKey, ServiceRegistry } from './services';

/** What a capability module gets from the composition root. */
export interface ModuleContext {
  readonly config: Config;
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly secrets: SecretBox;
  /** The one source of the current time for the server (systemClock; tests may pass another). */
  readonly clock: Clock;
  /**
   * Every service provided so far. Only for plain-function factories not yet declaring what they need
   * (built after every module listed before them, as before); a `defineModule` module gets its
   * dependencies as the `deps` argument of `build` instead.
   */
  readonly services: ServiceRegistry;
  /**
   * The loaded modules, in registry order, once all are built. A late-bound hook on purpose: identity's
   * erasure calls every module's `erase`, and those modules are built after (and some need) identity.
   */
  readonly loadedModules: () => readonly ServiceModule[];
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
   * `identify` for a group-commit micro-batch of one tenant's new events, in order (each sees the ones
   * before it): one profile id (or null) per event. Provided with `identify` by the same module.
   */
  readonly identifyMany?: IdentifyMany;
  /**
   * Privacy erasure (DELETE /api/v1/profiles/:id): deletes this module's data about the person, whose
   * profile ids (the profile and every profile merged into it) are `profileIds`. Runs inside the
   * erasure transaction, after identity has erased the graph and the events (`baton.erasure` is on).
   * Identity calls it on every loaded module (ctx.loadedModules); a module without person data omits it.
   */
  erase?(tx: Queryable, tenantId: string, profileIds: readonly string[]): Promise<void>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** Typed service keys by the name a module's `build` receives them under. */
export type ServiceKeys = Readonly<Record<string, ServiceKey<unknown>>>;
/** The values of some service keys, by the same names. */
export type ServicesOf<K extends ServiceKeys> = { readonly [P in keyof K]: K[P] extends ServiceKey<infer T> ? T : never };

/** One service a module offers others: made with `provide(KEY, value)`, so the value matches the key's type. */
export interface Provision {
  readonly key: ServiceKey<unknown>;
  readonly value: unknown;
}
export const provide = <T>(key: ServiceKey<T>, value: T): Provision => ({ key, value });

/** What a declared module's `build` returns: the module, and the services it declared it provides. */
export interface BuiltModule {
  readonly module: ServiceModule;
  readonly provided?: readonly Provision[];
}

/**
 * A capability module that says what it needs and what it provides. The runtime builds modules in
 * dependency order (a provider before the modules needing it, otherwise in registry order) and refuses
 * to start, naming the module and the service, when a need is provided by no module or the needs form a
 * cycle. `needs` must be provided; `uses` are passed when some module provides them (a partial module
 * list, e.g. a test without runs, leaves them out) and otherwise undefined.
 */
export interface ModuleDefinition<N extends ServiceKeys = ServiceKeys, U extends ServiceKeys = ServiceKeys> {
  readonly name: string;
  readonly needs?: N;
  readonly uses?: U;
  readonly provides?: readonly ServiceKey<unknown>[];
  build(ctx: ModuleContext, deps: ServicesOf<N> & Partial<ServicesOf<U>>): BuiltModule;
}

/** Declares a module (infers the types of `deps` from `needs` and `uses`). */
export function defineModule<N extends ServiceKeys = Record<never, never>, U extends ServiceKeys = Record<never, never>>(
  definition: ModuleDefinition<N, U>,
): ModuleDefinition<N, U> {
  return definition;
}

/**
 * An entry of the module registry: a declared module, or a plain function building its module from the
 * context (looking services up in `ctx.services`; built after every entry listed before it).
 */
export type ModuleFactory = ModuleDefinition<ServiceKeys, ServiceKeys> | ((ctx: ModuleContext) => ServiceModule);
