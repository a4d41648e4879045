import { authError, permanentError, rateLimited, transientError, type PortError } from '../../../app/orchestration';

/**
 * Salesforce REST errors are arrays of `{ errorCode, message, fields? }` (per-record results of
 * Collections and invocable actions use `statusCode` instead of `errorCode`). jsforce turns a
 * one-element array into an HttpApiError whose `errorCode` is that code, several into
 * `MULTIPLE_API_ERRORS` with the array in `data`, and a body without an array into `ERROR_HTTP_<status>`.
 */
const AUTH_CODES = new Set([
  'INVALID_SESSION_ID',
  'INVALID_AUTH_HEADER',
  'INVALID_GRANT',
  'invalid_grant',
  'INVALID_OPERATION_WITH_EXPIRED_PASSWORD',
  'API_DISABLED_FOR_ORG',
  'OAUTH_APP_BLOCKED',
  'inactive_user',
  'inactive_org',
]);
const RATE_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'ERROR_HTTP_429', 'ERROR_HTTP_420', 'TOO_MANY_REQUESTS']);
const TRANSIENT_CODES = new Set([
  'SERVER_UNAVAILABLE',
  'UNABLE_TO_LOCK_ROW',
  'UNKNOWN_EXCEPTION',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
  'TXN_SECURITY_METERING_ERROR',
  'ERROR_HTTP_500',
  'ERROR_HTTP_502',
  'ERROR_HTTP_503',
  'ERROR_HTTP_504',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'AbortError',
  'TimeoutError',
]);

export type ErrorClass = 'auth' | 'rate_limited' | 'transient' | 'permanent';

export function classifyCode(code: string): ErrorClass {
  if (AUTH_CODES.has(code)) return 'auth';
  if (RATE_CODES.has(code)) return 'rate_limited';
  if (TRANSIENT_CODES.has(code) || /^ERROR_HTTP_5\d\d$/.test(code)) return 'transient';
  return 'permanent';
}

interface SfErrorItem {
  readonly errorCode?: string;
  readonly statusCode?: string;
  readonly message?: string;
}

const SEVERITY: Readonly<Record<ErrorClass, number>> = { permanent: 0, transient: 1, rate_limited: 2, auth: 3 };

/** The code and class of one thrown error (jsforce HttpApiError, fetch/network error, refresh failure). */
export function describeError(err: unknown): { code: string; message: string; cls: ErrorClass } {
  const e = err as { errorCode?: unknown; name?: unknown; code?: unknown; message?: unknown; data?: unknown; cause?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (/Unable to refresh session|expired access\/refresh token|invalid_grant/i.test(message))
    return { code: 'INVALID_GRANT', message, cls: 'auth' };
  if (e?.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(e.data)) {
    const items = (e.data as SfErrorItem[]).map((i) => ({ code: i.errorCode ?? i.statusCode ?? 'UNKNOWN', message: i.message ?? '' }));
    const worst = items.map((i) => ({ ...i, cls: classifyCode(i.code) })).sort((a, b) => SEVERITY[b.cls] - SEVERITY[a.cls])[0];
    if (worst !== undefined) return { code: worst.code, message: items.map((i) => `${i.code}: ${i.message}`).join('; '), cls: worst.cls };
  }
  const code =
    typeof e?.errorCode === 'string'
      ? e.errorCode
      : typeof e?.code === 'string'
        ? e.code
        : typeof (e?.cause as { code?: unknown } | undefined)?.code === 'string'
          ? String((e?.cause as { code: string }).code)
          : typeof e?.name === 'string' && e.name !== 'Error'
            ? e.name
            : 'UNKNOWN';
  if (code === 'UNKNOWN' && /fetch failed|socket hang up|network|ECONN/i.test(message))
    return { code: 'NETWORK', message, cls: 'transient' };
  return { code, message, cls: classifyCode(code) };
}

/** Turns a Salesforce error into the engine's PortError (retryable / permanent / auth). */
export function toPortError(err: unknown, rateLimitRetryMs: number): PortError {
  const d = describeError(err);
  return portErrorOf(d.cls, d.code, d.message, rateLimitRetryMs);
}

/** A per-record error (Collections, invocable action results) as a PortError. */
export function itemPortError(items: readonly SfErrorItem[] | null | undefined, rateLimitRetryMs: number): PortError {
  const first = (items ?? [])[0];
  const code = first?.errorCode ?? first?.statusCode ?? 'UNKNOWN_EXCEPTION';
  return portErrorOf(classifyCode(code), code, first?.message ?? 'Salesforce reported a failure without details', rateLimitRetryMs);
}

function portErrorOf(cls: ErrorClass, code: string, message: string, rateLimitRetryMs: number): PortError {
  const full = `salesforce.${code}`;
  switch (cls) {
    case 'auth':
      return authError(full, `Salesforce refused Baton's credentials (${message}); reconnect Salesforce from the install page`);
    case 'rate_limited':
      return rateLimited(rateLimitRetryMs, `Salesforce API limit reached (${code}: ${message})`);
    case 'transient':
      return transientError(full, `Salesforce is temporarily unavailable (${message})`);
    default:
      return permanentError(full, message);
  }
}
