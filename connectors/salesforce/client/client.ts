import { Connection } from 'jsforce';
import {
  apexRestPath,
  assessPackage,
  PACKAGE_DESCRIBES,
  SECRET_REST_CLASS,
  SECRET_REST_MAPPING,
  type BatonPackage,
  type PackageEvidence,
} from './fields';
import type { ApiUsageTracker } from './limits';
import { refreshTokens, type SalesforceApp } from './oauth';
import { BATON_CLIENT_TAG, SALESFORCE_API_VERSION } from './version';

export interface SalesforceTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly instanceUrl: string;
}

/**
 * Where tokens live (encrypted, in the connections table). `renew` is called when Salesforce answers 401:
 * it must serialise refreshes across processes and persist the rotated refresh token atomically; if
 * another process already rotated (the stored access token differs from `staleAccessToken`) it returns
 * the stored tokens without a second refresh, which would revoke the whole token family.
 */
export interface TokenKeeper {
  renew(staleAccessToken: string, refresh: (refreshToken: string) => Promise<SalesforceTokens>): Promise<SalesforceTokens>;
}

/** Thrown before a call when Baton is holding back to leave the org's API allocation to its owner. */
export class ApiBudgetError extends Error {
  readonly errorCode = 'REQUEST_LIMIT_EXCEEDED';
  constructor(
    readonly retryAfterMs: number,
    used: number,
    limit: number,
  ) {
    super(`Baton pauses Salesforce calls near the org's daily API limit (${used}/${limit} used)`);
    this.name = 'REQUEST_LIMIT_EXCEEDED';
  }
}

export interface ClientOptions {
  readonly app: Omit<SalesforceApp, 'redirectUri'>;
  readonly orgId: string;
  readonly tokens: SalesforceTokens;
  readonly keeper: TokenKeeper;
  readonly usage: ApiUsageTracker;
  /** A call Salesforce has not answered by then fails as a transient ETIMEDOUT (default 60 s; queries 5 min). */
  readonly requestTimeoutMs?: number;
}

/** Rejects with a transient `ETIMEDOUT` unless `p` settles within `ms` (jsforce's own bound is 30 minutes). */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`Salesforce did not answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export interface RecordWrite {
  readonly type: string;
  readonly id: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface SaveResult {
  readonly id: string | null;
  readonly success: boolean;
  readonly errors: readonly { statusCode?: string; errorCode?: string; message?: string; fields?: string[] }[];
}

export interface ActionResultItem {
  readonly actionName: string;
  readonly isSuccess: boolean;
  readonly errors: readonly { statusCode?: string; message?: string }[] | null;
  readonly outputValues: Record<string, unknown> | null;
}

export interface CompositeSubrequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly referenceId: string;
  readonly body?: unknown;
}

export interface CompositeResponse {
  readonly compositeResponse: readonly { body: unknown; httpStatusCode: number; referenceId: string }[];
}

const isActionResult = (v: unknown): v is ActionResultItem =>
  v !== null && typeof v === 'object' && typeof (v as { isSuccess?: unknown }).isSuccess === 'boolean';

/** The per-input results inside a thrown invocable-action error (jsforce keeps a one-item body as text in `data.message`, several in `data`). */
function actionResultsOf(err: unknown): ActionResultItem[] | undefined {
  const e = err as { errorCode?: unknown; data?: unknown } | null;
  if (typeof e?.errorCode !== 'string' || !/^(ERROR_HTTP_4\d\d|MULTIPLE_API_ERRORS)$/.test(e.errorCode)) return undefined;
  let body: unknown = e.data;
  if (!Array.isArray(body)) {
    const text = (body as { message?: unknown } | null | undefined)?.message;
    if (typeof text !== 'string') return undefined;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  return Array.isArray(body) && body.length > 0 && body.every(isActionResult) ? body : undefined;
}

/**
 * One org's REST access through jsforce: explicit API version, every call tagged `client=Baton`,
 * refreshes through the TokenKeeper (rotation persisted), usage read from `Sforce-Limit-Info` after
 * each call and checked before the next.
 */
export class SalesforceClient {
  readonly conn: Connection;

  constructor(private readonly options: ClientOptions) {
    const { app, tokens, keeper } = options;
    this.conn = new Connection({
      instanceUrl: tokens.instanceUrl,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      loginUrl: app.loginUrl,
      oauth2: { loginUrl: app.loginUrl, clientId: app.clientId, clientSecret: app.clientSecret },
      version: SALESFORCE_API_VERSION,
      callOptions: { client: BATON_CLIENT_TAG },
      refreshFn: (conn, callback) => {
        keeper
          .renew(conn.accessToken ?? '', (refreshToken) => refreshTokens(app, refreshToken))
          .then((fresh) => {
            conn.refreshToken = fresh.refreshToken;
            callback(undefined, fresh.accessToken);
          })
          .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
      },
    });
  }

  get orgId(): string {
    return this.options.orgId;
  }

  private async call<T>(fn: () => Promise<T>, essential = false, timeoutMs = this.options.requestTimeoutMs ?? 60_000): Promise<T> {
    const { usage, orgId } = this.options;
    if (!essential) {
      const wait = await usage.check(orgId);
      const u = usage.get(orgId);
      if (wait > 0 && u !== undefined) throw new ApiBudgetError(wait, u.used, u.limit);
    }
    const before = this.conn.limitInfo.apiUsage;
    try {
      return await bounded(fn(), timeoutMs);
    } finally {
      // Only a reading this call produced (jsforce keeps the last header on the connection).
      const after = this.conn.limitInfo.apiUsage;
      if (after !== undefined && after !== before) await usage.observe(orgId, after);
    }
  }

  /** Field updates for up to 200 records in one sObject Collections call (per-record results). */
  updateRecords(records: readonly RecordWrite[]): Promise<SaveResult[]> {
    if (records.length > 200) throw new Error('sObject Collections take at most 200 records per call');
    const body = { allOrNone: false, records: records.map((r) => ({ attributes: { type: r.type }, Id: r.id, ...r.fields })) };
    return this.call(() => this.conn.requestPatch<SaveResult[]>('/composite/sobjects', body));
  }

  /** Upsert by an external-id field: creates once, updates afterwards (retry-safe creation). */
  upsert(
    type: string,
    externalIdField: string,
    externalId: string,
    fields: Readonly<Record<string, unknown>>,
  ): Promise<{ id: string; created: boolean }> {
    return this.call(async () => {
      const res = await this.conn.requestPatch<{ id: string; created?: boolean } | null>(
        `/sobjects/${type}/${externalIdField}/${encodeURIComponent(externalId)}`,
        fields,
      );
      if (res?.id !== undefined) return { id: res.id, created: res.created ?? false };
      const found = await this.conn.query<{ Id: string }>(
        `SELECT Id FROM ${type} WHERE ${externalIdField} = '${externalId.replace(/'/g, "\\'")}' LIMIT 1`,
      );
      const id = found.records[0]?.Id;
      if (id === undefined) throw new Error(`upsert of ${type} ${externalId} returned no id`);
      return { id, created: false };
    });
  }

  /**
   * An invocable action: one result per input. When every input fails Salesforce may answer 4xx with the
   * same result array as body; jsforce then throws, and the per-input results are recovered from the error.
   */
  private invoke(path: string, inputs: readonly Record<string, unknown>[]): Promise<ActionResultItem[]> {
    return this.call(async () => {
      try {
        return await this.conn.requestPost<ActionResultItem[]>(path, { inputs });
      } catch (err) {
        const results = actionResultsOf(err);
        if (results === undefined) throw err;
        return results;
      }
    });
  }

  emailSimple(inputs: readonly Record<string, unknown>[]): Promise<ActionResultItem[]> {
    return this.invoke('/actions/standard/emailSimple', inputs);
  }

  launchFlow(flowApiName: string, inputs: readonly Record<string, unknown>[]): Promise<ActionResultItem[]> {
    return this.invoke(`/actions/custom/flow/${encodeURIComponent(flowApiName)}`, inputs);
  }

  /** Sales Engagement: adds a Contact, Lead or person account to a cadence (`assignTargetToSalesCadence`, API 45.0+). */
  assignTargetToSalesCadence(
    inputs: readonly { salesCadenceNameOrId: string; targetId: string; userId?: string }[],
  ): Promise<ActionResultItem[]> {
    return this.invoke('/actions/standard/assignTargetToSalesCadence', inputs);
  }

  /** Up to 25 subrequests in one API call. */
  composite(subrequests: readonly CompositeSubrequest[], allOrNone: boolean): Promise<CompositeResponse> {
    if (subrequests.length > 25) throw new Error('a Composite request takes at most 25 subrequests');
    return this.call(() => this.conn.requestPost<CompositeResponse>('/composite', { allOrNone, compositeRequest: subrequests }));
  }

  query<T extends Record<string, unknown>>(soql: string): Promise<T[]> {
    return this.call(
      async () => (await this.conn.query<T>(soql, { autoFetch: true, maxFetch: 10_000 })).records,
      false,
      5 * (this.options.requestTimeoutMs ?? 60_000),
    );
  }

  /** Hands the package its per-org signing secret (Apex REST endpoint of the Baton package, `/services/apexrest/[ns/]secret/v1`). */
  deliverSigningSecret(secret: string, namespace: string): Promise<unknown> {
    return this.call(() => this.conn.apex.post(apexRestPath(SECRET_REST_MAPPING, namespace), { secret }), true);
  }

  /**
   * How the Baton package is installed: Contact, Lead and Task describes (fields the connected user can
   * see, with their edit rights) and the package's Apex REST class with its NamespacePrefix, in one
   * Composite call (one API request).
   */
  async discoverPackage(): Promise<BatonPackage> {
    const subs: CompositeSubrequest[] = [
      ...PACKAGE_DESCRIBES.map((o): CompositeSubrequest => ({
        method: 'GET',
        url: `${this.dataPath}/sobjects/${o}/describe`,
        referenceId: `describe${o}`,
      })),
      {
        method: 'GET',
        url: `${this.dataPath}/query?q=${encodeURIComponent(`SELECT NamespacePrefix, Name FROM ApexClass WHERE Name = '${SECRET_REST_CLASS}'`)}`,
        referenceId: 'apex',
      },
    ];
    const res = await this.call(
      () => this.conn.requestPost<CompositeResponse>('/composite', { allOrNone: false, compositeRequest: subs }),
      true,
    );
    const ok = (ref: string): unknown => {
      const r = res.compositeResponse.find((x) => x.referenceId === ref);
      return r !== undefined && r.httpStatusCode < 300 ? r.body : undefined;
    };
    const describes: Record<string, PackageEvidence['describes'][string]> = {};
    for (const o of PACKAGE_DESCRIBES) {
      const fields = (ok(`describe${o}`) as { fields?: unknown } | undefined)?.fields;
      describes[o] = Array.isArray(fields) ? (fields as { name: string; updateable?: boolean; createable?: boolean }[]) : undefined;
    }
    const records = (ok('apex') as { records?: unknown } | undefined)?.records;
    // Every API user can describe Contact: a failure there is a failed call, not a verdict on the package.
    if (describes['Contact'] === undefined) {
      const r = res.compositeResponse.find((x) => x.referenceId === 'describeContact');
      throw Object.assign(new Error(`Salesforce did not describe Contact (HTTP ${r?.httpStatusCode ?? 'no answer'})`), {
        errorCode: 'UNKNOWN_EXCEPTION',
      });
    }
    return assessPackage({ describes, apexClasses: Array.isArray(records) ? (records as PackageEvidence['apexClasses']) : [] });
  }

  /** The API path prefix, e.g. `/services/data/v66.0`, for Composite subrequest URLs. */
  get dataPath(): string {
    return `/services/data/v${SALESFORCE_API_VERSION}`;
  }
}
