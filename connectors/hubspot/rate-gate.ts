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

export class HubSpotRateGate implements RateGate {
  private readonly limiters: Record<RateBucket, RateLimiterAbstract>;
  private readonly redis: Redis | undefined;

  constructor(options: { redisUrl?: string; limits?: RateGateLimits; keyPrefix?: string }) {
    const limits = options.limits ?? HUBSPOT_LIMITS;
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
      if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(1, err.msBeforeNext) };
      throw err; // Redis unreachable: a crash-class failure, retried by the dispatcher
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
