/**
 * The console's HTTP client: Bearer API key, JSON, the server's error envelope turned into an
 * ApiError, and every answer checked against a zod schema, so a server that answers something else
 * shows up as a clear "contract" error instead of a blank or broken page.
 */
import type { z } from 'zod';
import { apiErrorSchema } from '../../../../app/contracts';

export type ApiFailure =
  /** The server answered with its error envelope (or at least an error status). */
  | { readonly kind: 'http'; readonly status: number; readonly code: string; readonly message: string; readonly details?: unknown }
  /** The server answered 2xx, but not in the shape the console expects. */
  | { readonly kind: 'contract'; readonly status: number; readonly endpoint: string; readonly message: string }
  /** No answer at all (server down, connection refused). */
  | { readonly kind: 'network'; readonly message: string };

export class ApiError extends Error {
  constructor(readonly failure: ApiFailure) {
    super(failure.message);
    this.name = 'ApiError';
  }
}

/** True when the server has no such route (an endpoint another part of Baton has not shipped yet). */
export function isMissingEndpoint(err: unknown): boolean {
  return (
    err instanceof ApiError && err.failure.kind === 'http' && err.failure.status === 404 && err.failure.message.startsWith('no route for ')
  );
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  status: number;
  ok: boolean;
  text(): Promise<string>;
}>;

export interface ApiClientOptions {
  readonly apiKey: string;
  /** Origin of the Baton service; '' for the console's own origin. */
  readonly baseUrl?: string;
  readonly fetch?: FetchLike;
}

/** The server's error envelope (app/contracts), or undefined when the body is not one. */
function envelopeOf(body: unknown): { code: string; message: string; details?: unknown } | undefined {
  const parsed = apiErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { code, message, details } = parsed.data.error;
  return details === undefined ? { code, message } : { code, message, details };
}

/** Names the first few fields that did not match, e.g. `runs.0.status: expected string`. */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return `${parts.join('; ')}${more}`;
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface ApiClient {
  request<S extends z.ZodType>(method: Method, path: string, schema: S, body?: unknown): Promise<z.output<S>>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const base = `${options.baseUrl ?? ''}/api/v1`;
  return {
    async request(method, path, schema, body) {
      const endpoint = `${method} /api/v1${path.split('?')[0] ?? path}`;
      const headers: Record<string, string> = { Authorization: `Bearer ${options.apiKey}`, Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let res: Awaited<ReturnType<FetchLike>>;
      try {
        res = await doFetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      } catch (err) {
        throw new ApiError({ kind: 'network', message: `could not reach Baton (${err instanceof Error ? err.message : String(err)})` });
      }
      const parsed = parseJson(await res.text());
      if (!res.ok) {
        const env = envelopeOf(parsed);
        throw new ApiError(
          env === undefined
            ? { kind: 'http', status: res.status, code: `http_${res.status}`, message: `${endpoint} failed with HTTP ${res.status}` }
            : { kind: 'http', status: res.status, ...env },
        );
      }
      const checked = schema.safeParse(parsed);
      if (!checked.success) {
        throw new ApiError({
          kind: 'contract',
          status: res.status,
          endpoint,
          message: `${endpoint} answered in an unexpected shape: ${describeIssues(checked.error)}`,
        });
      }
      return checked.data;
    },
  };
}

/** Builds a query string from the defined values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '');
  if (entries.length === 0) return '';
  return `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
}
