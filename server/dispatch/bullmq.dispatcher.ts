import { systemClock, type Clock } from '../../app/shared/clock';
import { Queue, Worker, type Job } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { Dispatcher } from './dispatcher';
import type { JobRef } from './outbox.repository';

export interface BullmqOptions {
  redisUrl: string;
  /** Queue name; tests use one per file. */
  queueName?: string;
  concurrency: number;
  /** Due times are measured against it (default the system clock). */
  clock?: Clock;
}

interface Message {
  tenantId: string;
  id: string;
  attempt: number;
  dueAt: string;
}

/**
 * BullMQ on Redis: a doorbell shared by any number of processes. One BullMQ job per (row, attempt);
 * BullMQ's own retries are off (attempts: 1) because retries live in the work runner and run engine.
 */
export class BullmqDispatcher implements Dispatcher {
  readonly name = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly queue: Queue<Message>;
  private worker: Worker<Message> | undefined;
  private workerConnection: Redis | undefined;
  private readonly queueName: string;

  constructor(private readonly options: BullmqOptions) {
    this.queueName = options.queueName ?? 'baton-work';
    // maxRetriesPerRequest: null is required by BullMQ's blocking commands.
    this.connection = new IORedis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', () => undefined);
    this.queue = new Queue<Message>(this.queueName, {
      connection: this.connection,
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
    });
    this.queue.on('error', () => undefined);
  }

  async start(deliver: (ref: JobRef) => Promise<void>): Promise<void> {
    // A worker blocks on its connection, so it gets its own; BullMQ does not close connections it was given.
    this.workerConnection = this.connection.duplicate({ maxRetriesPerRequest: null });
    this.workerConnection.on('error', () => undefined);
    const worker = new Worker<Message>(
      this.queueName,
      async (job: Job<Message>) => {
        const m = job.data;
        await deliver({ tenantId: m.tenantId, id: m.id, attempt: m.attempt, dueAt: new Date(m.dueAt) });
      },
      { connection: this.workerConnection, concurrency: this.options.concurrency, autorun: true },
    );
    worker.on('error', () => undefined);
    this.worker = worker;
    await worker.waitUntilReady();
  }

  async notify(refs: readonly JobRef[]): Promise<void> {
    if (refs.length === 0) return;
    const now = (this.options.clock ?? systemClock).now();
    await this.queue.addBulk(
      refs.map((ref) => ({
        name: 'work',
        data: { tenantId: ref.tenantId, id: ref.id, attempt: ref.attempt, dueAt: ref.dueAt.toISOString() },
        // Same (row, attempt) → same job id → BullMQ keeps one message while it exists.
        opts: { jobId: `${ref.tenantId}.${ref.id}.${ref.attempt}`, delay: Math.max(0, ref.dueAt.getTime() - now) },
      })),
    );
  }

  async ping(): Promise<void> {
    const pong = await this.connection.ping();
    if (pong !== 'PONG') throw new Error(`unexpected Redis reply ${pong}`);
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    // Worker.close() waits for active jobs to finish before resolving.
    if (this.worker !== undefined) await this.worker.close();
    await this.queue.close();
    for (const c of [this.workerConnection, this.connection]) {
      if (c !== undefined) await c.quit().catch(() => c.disconnect());
    }
  }

  /** Removes every key of this queue (tests). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}
