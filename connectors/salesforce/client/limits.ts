/**
 * API usage from the `Sforce-Limit-Info: api-usage=used/limit` header (on every REST response). Baton
 * stops optional calls once the org's rolling-24h usage reaches `1 - reserve` of its allocation, so it
 * never takes the org's last requests away from the customer's own integrations. The allocation is the
 * org's, not a process's: with a `SharedApiUsage` (Redis in a fleet) every process publishes what it
 * read and checks the newest reading any process made before calling.
 */
export interface ApiUsage {
  readonly used: number;
  readonly limit: number;
  readonly at: number;
}

/** Where processes share the latest usage reading per org. Failures are the caller's to swallow. */
export interface SharedApiUsage {
  publish(orgId: string, usage: ApiUsage): Promise<void>;
  read(orgId: string): Promise<ApiUsage | undefined>;
}

export function parseLimitInfo(header: string | undefined | null): { used: number; limit: number } | undefined {
  const m = header === undefined || header === null ? null : /api-usage=(\d+)\/(\d+)/.exec(header);
  return m === null ? undefined : { used: Number(m[1]), limit: Number(m[2]) };
}

export class ApiUsageTracker {
  private readonly usage = new Map<string, ApiUsage>();

  /**
   * @param reserve share of the daily allocation Baton leaves untouched (default 10%).
   * @param shared the fleet's readings (absent: this process only).
   */
  constructor(
    private readonly reserve = 0.1,
    private readonly pauseMs = 15 * 60_000,
    private readonly shared?: SharedApiUsage,
  ) {}

  record(orgId: string, usage: { used: number; limit: number } | undefined, now = Date.now()): void {
    if (usage === undefined || usage.limit <= 0) return;
    const known = this.usage.get(orgId);
    if (known === undefined || known.at <= now) this.usage.set(orgId, { used: usage.used, limit: usage.limit, at: now });
  }

  get(orgId: string): ApiUsage | undefined {
    return this.usage.get(orgId);
  }

  /** Milliseconds to wait before the next call, or 0 when Baton may call now (this process's knowledge). */
  throttleMs(orgId: string, now = Date.now()): number {
    const u = this.usage.get(orgId);
    if (u === undefined) return 0;
    if (u.used < u.limit * (1 - this.reserve)) return 0;
    const waited = now - u.at;
    return waited >= this.pauseMs ? 0 : this.pauseMs - waited;
  }

  /** Records a reading and publishes it to the fleet (a shared-store failure keeps the local reading). */
  async observe(orgId: string, usage: { used: number; limit: number } | undefined, now = Date.now()): Promise<void> {
    if (usage === undefined || usage.limit <= 0) return;
    this.record(orgId, usage, now);
    await this.shared?.publish(orgId, { used: usage.used, limit: usage.limit, at: now }).catch(() => undefined);
  }

  /** Like `throttleMs`, after taking in a newer reading another process published. */
  async check(orgId: string, now = Date.now()): Promise<number> {
    const theirs = await this.shared?.read(orgId).catch(() => undefined);
    if (theirs !== undefined) this.record(orgId, theirs, theirs.at);
    return this.throttleMs(orgId, now);
  }
}
