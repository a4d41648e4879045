/** A small client for Baton's public HTTP surface, as any integration would call it. */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} answered ${status}: ${JSON.stringify(body).slice(0, 500)}`);
    this.name = 'ApiError';
  }
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class BatonApi {
  constructor(
    readonly baseUrl: string,
    private apiKey = '',
  ) {}

  withKey(apiKey: string): BatonApi {
    return new BatonApi(this.baseUrl, apiKey);
  }

  /** `/api/v1` + path with the tenant key; never throws on an HTTP status. */
  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: (await parse(res)) as T };
  }

  /** Like `call`, but a status outside 2xx throws an ApiError naming the request. */
  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status < 200 || r.status > 299) throw new ApiError(r.status, r.body, `${method} /api/v1${path}`);
    return r.body;
  }

  /** A GET on a root route (OAuth, metrics) without following redirects. */
  async raw(path: string): Promise<{ status: number; location: string | null; body: unknown }> {
    const res = await fetch(path.startsWith('http') ? path : `${this.baseUrl}${path}`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, location: res.headers.get('location'), body: await parse(res) };
  }
}
