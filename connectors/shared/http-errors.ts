/**
 * Generic HTTP failure classification shared by connectors: every vendor answers 429 with
 * Retry-After, 5xx when it is unwell, 401/403 when credentials are wrong, other 4xx when the request
 * itself is refused. Vendor-specific codes (Twilio 21610, WhatsApp 131047…) are classified by the
 * connector first; this is the fallback.
 */
import { authError, permanentError, rateLimited, transientError, type PortError } from '../../app/orchestration/errors';
import { systemClock } from '../../app/shared/clock';

/** Default wait when a 429 carries no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = systemClock.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Classifies a finished HTTP exchange that failed with `status`. */
export function classifyHttpStatus(vendor: string, status: number, message: string, retryAfterMs?: number): PortError {
  if (status === 429) return rateLimited(retryAfterMs ?? DEFAULT_RETRY_AFTER_MS, `${vendor}: rate limited (429): ${message}`);
  if (status === 401 || status === 403)
    return authError(`${vendor}.http_${status}`, `${vendor}: credentials refused (${status}): ${message}`);
  if (status === 408 || status === 409 || status === 425 || status >= 500)
    return transientError(`${vendor}.http_${status}`, `${vendor}: ${status}: ${message}`);
  return permanentError(`${vendor}.http_${status}`, `${vendor}: request refused (${status}): ${message}`);
}

/** A request that never got an answer (DNS, refused connection, timeout): the effect may or may not have happened. */
export function networkError(vendor: string, err: unknown): PortError {
  const message = err instanceof Error ? err.message : String(err);
  return transientError(`${vendor}.network`, `${vendor}: no answer: ${message}`);
}

/** True when the failure proves the vendor did not act (it refused the request before doing anything). */
export function provesNoEffect(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409;
}

/** Joins a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Constant-time comparison of two strings (false when lengths differ). */
export { safeEqual } from './safe-equal';
