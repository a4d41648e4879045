/**
 * Per-portal HubSpot budget (reference §7): 110 requests per rolling 10 s for marketplace OAuth apps,
 * and the search API separately at 5 per second. Shared across processes through Redis
 * (rate-limiter-flexible), in memory in embedded mode. A refusal is not an error: the caller turns it
 * into `rate_limited` with the wait, and the run engine waits without spending an attempt.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateBucket, RateGate } from './client/api';

export interface RateGateLimits {
  readonly general: { points: number; durationSeconds: number };
  readonly search: { points: number; durationSeconds: number };
}

/** A little below HubSpot's 110/10 s, so our own traffic never earns a 429 (listing rule: errors < 5%). */
export const HUBSPOT_LIMITS: RateGateLimits = { general: { points: 100, durationSeconds: 10 }, search: { points: 4, durationSeconds: 1 } };

/** The longest a refused caller is told to wait for its place in line (then it asks again). */
const MAX_QUEUE_WAIT_S = 300;

export class HubSpotRateGate implements RateGate {
  private readonly limiters: Record<RateBucket, RateLimiterAbstract>;
  private readonly redis: Redis | undefined;
  private readonly limits: RateGateLimits;

  constructor(options: { redisUrl?: string; limits?: RateGateLimits; keyPrefix?: string }) {
    const limits = options.limits ?? HUBSPOT_LIMITS;
    this.limits = limits;
    const prefix = options.keyPrefix ?? 'baton:hubspot:rl';
    if (options.redisUrl !== undefined) {
      this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
      // Connection errors reach `take` through the failed command; without a listener ioredis also prints
      // "Unhandled error event" outside the structured log whenever Redis is down (seen by npm run chaos).
      this.redis.on('error', () => undefined);
      const redis = this.redis;
      const make = (bucket: RateBucket): RateLimiterAbstract =>
        new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}:${bucket}`,
          points: limits[bucket].points,
          duration: limits[bucket].durationSeconds,
        });
      this.limiters = { general: make('general'), search: make('search') };
    } else {
      const make = (bucket: RateBucket): RateLimiterAbstract =>
        new RateLimiterMemory({
          keyPrefix: `${prefix}:${bucket}`,
          points: limits[bucket].points,
          duration: limits[bucket].durationSeconds,
        });
      this.limiters = { general: make('general'), search: make('search') };
    }
  }

  async take(portalId: string, bucket: RateBucket): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    try {
      await this.limiters[bucket].consume(portalId, 1);
      return { ok: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        // A place in line: the k-th caller over the budget in this window waits k / points windows more,
        // so a backlog (hundreds of run steps after an outage) drains in arrival order. Told only "the
        // window frees in X ms", every refused caller came back together and most lost again, until
        // some ran out of their step's rate-limit waits (npm run chaos, seed 5).
        const { points, durationSeconds } = this.limits[bucket];
        const over = Math.max(0, err.consumedPoints - points - 1);
        const windows = Math.min(Math.floor(over / points), Math.floor(MAX_QUEUE_WAIT_S / durationSeconds));
        return { ok: false, retryAfterMs: Math.max(1, err.msBeforeNext) + windows * durationSeconds * 1000 };
      }
      throw err; // Redis unreachable: a crash-class failure, retried by the dispatcher
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
