/**
 * Error classification for HubSpot calls (reference §7): 429 → rate_limited with the wait the
 * headers and `policyName` imply; 5xx, network failures and timeouts → transient; 401/403 → auth; other 4xx →
 * permanent. The run engine decides what to do with each category.
 */
import { authError, permanentError, rateLimited, transientError, type PortError } from '../../../app/orchestration';

/** A failed HubSpot call with what we need to classify it. */
export class HubSpotCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>>,
    message: string,
  ) {
    super(message);
    this.name = 'HubSpotCallError';
  }
}

/** The portal's connection is unusable (refresh refused, uninstalled): a person must reconnect. */
export class HubSpotDisconnectedError extends Error {
  constructor(
    readonly portalId: string,
    readonly reason: string,
  ) {
    super(`HubSpot portal ${portalId} is disconnected: ${reason}`);
    this.name = 'HubSpotDisconnectedError';
  }
}

/** HubSpot did not answer within the adapter's deadline (the call may or may not have taken effect). */
export class HubSpotTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what}: HubSpot did not answer within ${timeoutMs} ms`);
    this.name = 'HubSpotTimeoutError';
  }
}

/** Our own per-portal limiter refused the call before it left the process. */
export class HubSpotThrottledError extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly bucket: string,
  ) {
    super(`HubSpot ${bucket} budget for this portal is used up; retry in ${retryAfterMs} ms`);
    this.name = 'HubSpotThrottledError';
  }
}

const header = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return found?.[1];
};

/** How long a 429 asks us to wait, from Retry-After, the rate-limit headers and the policy name. */
export function retryAfterMsOf(headers: Readonly<Record<string, string>>, body: unknown, nowMs = Date.now()): number {
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined && /^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.ceil(Number(retryAfter) * 1000);
  const policy = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['policyName'] : undefined;
  if (policy === 'SECONDLY') return 1_000;
  if (policy === 'DAILY') {
    const midnight = new Date(nowMs);
    midnight.setUTCHours(24, 0, 0, 0);
    return Math.max(1_000, midnight.getTime() - nowMs);
  }
  const interval = Number(header(headers, 'x-hubspot-ratelimit-interval-milliseconds'));
  if (Number.isFinite(interval) && interval > 0) return Math.min(interval, 60_000);
  return 10_000; // TEN_SECONDLY_ROLLING or unknown: the rolling window
}

function messageOf(body: unknown, fallback: string): string {
  if (typeof body === 'object' && body !== null) {
    const m = (body as Record<string, unknown>)['message'];
    if (typeof m === 'string' && m !== '') return m.slice(0, 500);
  }
  return fallback;
}

/** Any error from a HubSpot call (SDK ApiException, fetch failure, our own errors) → PortError. */
export function classifyHubSpotError(err: unknown, what: string): PortError {
  if (err instanceof HubSpotThrottledError) return rateLimited(err.retryAfterMs, err.message);
  if (err instanceof HubSpotTimeoutError) return transientError('hubspot.timeout', `${what}: ${err.message}`.slice(0, 500));
  if (err instanceof HubSpotDisconnectedError)
    return authError('hubspot.disconnected', `${err.message}; reconnect HubSpot, then resume the run`);
  const e = err as { code?: unknown; status?: unknown; body?: unknown; headers?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.code === 'number' ? e.code : undefined;
  if (status === undefined) return transientError('hubspot.network', `${what}: ${(err as Error).message ?? String(err)}`.slice(0, 500));
  const headers = (typeof e.headers === 'object' && e.headers !== null ? e.headers : {}) as Record<string, string>;
  const body = e.body;
  const text = `${what}: HubSpot answered ${status}: ${messageOf(body, 'no message')}`;
  if (status === 429) return rateLimited(retryAfterMsOf(headers, body), text);
  if (status >= 500) return transientError(`hubspot.http_${status}`, text);
  if (status === 401 || status === 403) return authError(`hubspot.http_${status}`, text);
  return permanentError(`hubspot.http_${status}`, text);
}
