/**
 * The org's API usage shared by every Baton process through Redis (one key per org, the newest reading
 * wins, kept 24 hours like Salesforce's rolling window), so the hold-back before the daily limit holds
 * for a fleet and not per process. Without Redis (embedded mode, one process) readings stay in memory.
 */
import { Redis } from 'ioredis';
import type { ApiUsage, SharedApiUsage } from './client';

const DAY_MS = 24 * 3600_000;

/** SET only when the stored reading is older (processes publish concurrently and out of order). */
const PUBLISH_NEWEST = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, c = pcall(cjson.decode, cur)
  if ok and tonumber(c['at']) ~= nil and tonumber(c['at']) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

export class RedisApiUsage implements SharedApiUsage {
  private readonly redis: Redis;

  constructor(
    redisUrl: string,
    private readonly prefix = 'baton:salesforce:api-usage',
  ) {
    // A slow or absent Redis must not hold up Salesforce calls: commands give up after a second.
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1_000, enableOfflineQueue: true, lazyConnect: false });
    this.redis.on('error', () => undefined);
  }

  /** Orgs compare on their 15-character id. */
  private key(orgId: string): string {
    return `${this.prefix}:${orgId.slice(0, 15)}`;
  }

  async publish(orgId: string, usage: ApiUsage): Promise<void> {
    await this.redis.eval(PUBLISH_NEWEST, 1, this.key(orgId), JSON.stringify(usage), String(usage.at), String(DAY_MS));
  }

  async read(orgId: string): Promise<ApiUsage | undefined> {
    const raw = await this.redis.get(this.key(orgId));
    if (raw === null) return undefined;
    const u = JSON.parse(raw) as Partial<ApiUsage>;
    return typeof u.used === 'number' && typeof u.limit === 'number' && typeof u.at === 'number'
      ? { used: u.used, limit: u.limit, at: u.at }
      : undefined;
  }

  async forget(orgId: string): Promise<void> {
    await this.redis.del(this.key(orgId));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
