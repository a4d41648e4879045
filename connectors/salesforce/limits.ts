/**
 * API usage from the `Sforce-Limit-Info: api-usage=used/limit` header (on every REST response). Baton
 * stops optional calls once the org's rolling-24h usage reaches `1 - reserve` of its allocation, so it
 * never takes the org's last requests away from the customer's own integrations.
 */
export interface ApiUsage {
  readonly used: number;
  readonly limit: number;
  readonly at: number;
}

export function parseLimitInfo(header: string | undefined | null): { used: number; limit: number } | undefined {
  const m = header === undefined || header === null ? null : /api-usage=(\d+)\/(\d+)/.exec(header);
  return m === null ? undefined : { used: Number(m[1]), limit: Number(m[2]) };
}

export class ApiUsageTracker {
  private readonly usage = new Map<string, ApiUsage>();

  /** @param reserve share of the daily allocation Baton leaves untouched (default 10%). */
  constructor(private readonly reserve = 0.1, private readonly pauseMs = 15 * 60_000) {}

  record(orgId: string, usage: { used: number; limit: number } | undefined, now = Date.now()): void {
    if (usage !== undefined && usage.limit > 0) this.usage.set(orgId, { ...usage, at: now });
  }

  get(orgId: string): ApiUsage | undefined {
    return this.usage.get(orgId);
  }

  /** Milliseconds to wait before the next call, or 0 when Baton may call now. */
  throttleMs(orgId: string, now = Date.now()): number {
    const u = this.usage.get(orgId);
    if (u === undefined) return 0;
    if (u.used < u.limit * (1 - this.reserve)) return 0;
    const waited = now - u.at;
    return waited >= this.pauseMs ? 0 : this.pauseMs - waited;
  }
}
