import type { JobRef } from './outbox.repository';

/**
 * Delivers job references to the work runner, now or at their due time. It is only a doorbell:
 * the outbox table is the truth, so a lost delivery is re-sent by the sweeper.
 */
export interface Dispatcher {
  readonly name: 'bullmq' | 'in-process';
  /** Begins delivering to `deliver` (this process consumes work). Web-only processes never call it. */
  start(deliver: (ref: JobRef) => Promise<void>): Promise<void>;
  /** Asks for delivery of each ref at its due time (immediately when due). */
  notify(refs: readonly JobRef[]): Promise<void>;
  /** Throws when the dispatcher cannot accept work (readiness). */
  ping(): Promise<void>;
  /** Jobs waiting or delayed in the transport, for metrics (undefined when unknown). */
  depth(): Promise<number | undefined>;
  /** Stops taking new deliveries and waits for in-flight ones to finish. */
  stop(): Promise<void>;
}
