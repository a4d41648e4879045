/**
 * What a tenant gives Baton to connect Zendesk, Twilio and WhatsApp Cloud (product brief 4.3), split
 * into plain settings (stored as jsonb, listed by the API) and secrets (sealed with the SecretBox,
 * never listed). `baseUrl` points a connection at a sandbox or proxy instead of the vendor.
 */
import { Cron } from 'croner';
import { z } from 'zod';

export const MESSAGING_CONNECTION_TYPES = ['zendesk', 'twilio', 'whatsapp'] as const;
export type MessagingConnectionType = (typeof MESSAGING_CONNECTION_TYPES)[number];

const baseUrl = z
  .string()
  .trim()
  .url('must be an http(s) URL such as http://127.0.0.1:4010')
  .refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''))
  .optional();
const secret = (what: string) => z.string().trim().min(6, `${what} looks too short`).max(1000, `${what} is too long`);
const e164 = z
  .string()
  .trim()
  .regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +14155550100 (whatsapp: prefix allowed)');

export const zendeskConfigSchema = z
  .strictObject({
    subdomain: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be the account subdomain, e.g. "acme" for acme.zendesk.com'),
    /** API-token auth: the agent's email and token. */
    email: z.string().trim().email('must be the email of the agent who owns the API token').optional(),
    apiToken: secret('apiToken').optional(),
    /** OAuth auth instead: an access token (Bearer). */
    oauthToken: secret('oauthToken').optional(),
    webhookSecret: secret('webhookSecret'),
    /** The previous signing secret, accepted during a rotation. */
    previousWebhookSecret: secret('previousWebhookSecret').optional(),
    baseUrl,
  })
  .superRefine((c, ctx) => {
    if (c.oauthToken !== undefined) return;
    if (c.email === undefined)
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'is required with apiToken (or give oauthToken instead)' });
    if (c.apiToken === undefined) ctx.addIssue({ code: 'custom', path: ['apiToken'], message: 'is required (or give oauthToken instead)' });
  });

export const twilioConfigSchema = z.strictObject({
  accountSid: z
    .string()
    .trim()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account SID (AC followed by 32 hex characters)'),
  authToken: secret('authToken'),
  /** The secondary token, accepted for signatures during a rotation. */
  secondaryAuthToken: secret('secondaryAuthToken').optional(),
  smsFrom: e164.optional(),
  whatsappFrom: e164.optional(),
  messagingServiceSid: z
    .string()
    .trim()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'must be a Messaging Service SID (MG…)')
    .optional(),
  baseUrl,
});

export const whatsappConfigSchema = z.strictObject({
  phoneNumberId: z
    .string()
    .trim()
    .regex(/^\d{5,20}$/, 'must be the numeric phone number id from the WhatsApp Manager'),
  accessToken: secret('accessToken'),
  appSecret: secret('appSecret'),
  verifyToken: secret('verifyToken'),
  baseUrl,
});

export const CONFIG_SCHEMAS = { zendesk: zendeskConfigSchema, twilio: twilioConfigSchema, whatsapp: whatsappConfigSchema } as const;
export type ZendeskConfig = z.infer<typeof zendeskConfigSchema>;
export type TwilioConfig = z.infer<typeof twilioConfigSchema>;
export type WhatsAppConfig = z.infer<typeof whatsappConfigSchema>;
export interface ConfigOf {
  zendesk: ZendeskConfig;
  twilio: TwilioConfig;
  whatsapp: WhatsAppConfig;
}

/** Fields sealed at rest and never returned by the API. */
export const SECRET_FIELDS: Readonly<Record<MessagingConnectionType, readonly string[]>> = {
  zendesk: ['apiToken', 'oauthToken', 'webhookSecret', 'previousWebhookSecret'],
  twilio: ['authToken', 'secondaryAuthToken'],
  whatsapp: ['accessToken', 'appSecret', 'verifyToken'],
};

/** The vendor account a connection is for (one account routes to one tenant). */
export function externalIdOf(type: MessagingConnectionType, config: Record<string, unknown>): string {
  const key = type === 'zendesk' ? 'subdomain' : type === 'twilio' ? 'accountSid' : 'phoneNumberId';
  return String(config[key]);
}

export const createConnectionSchema = z.strictObject({
  type: z.enum(MESSAGING_CONNECTION_TYPES, { error: `must be one of ${MESSAGING_CONNECTION_TYPES.join(', ')}` }),
  config: z.record(z.string(), z.unknown()),
});

export function splitSecrets(
  type: MessagingConnectionType,
  config: Record<string, unknown>,
): { plain: Record<string, unknown>; secrets: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    if (SECRET_FIELDS[type].includes(k)) secrets[k] = v;
    else plain[k] = v;
  }
  return { plain, secrets };
}

/*
 * Warehouse connections (issue #21): a query whose rows carry identifiers and traits (or, with
 * `audience`, the members of a named audience), read on demand or on a cron schedule, and a table
 * Baton exports its decisions, outcomes and run results to. Served by server/warehouse.
 */
const column = z
  .string()
  .trim()
  .min(1, 'must name a column')
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'must be a plain column name (letters, digits, _; as the query returns it)');
const tableName = z
  .string()
  .trim()
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/, 'must be a table name such as baton_export or analytics.baton_export');

export const WAREHOUSE_ENGINES = ['postgres', 'duckdb', 'snowflake', 'bigquery'] as const;
/** Engines Baton can export to (the others are read-only sources). */
export const EXPORT_ENGINES: readonly string[] = ['postgres', 'duckdb'];
const ENGINE_FIELDS = {
  postgres: ['url'],
  duckdb: ['path'],
  snowflake: ['account', 'username', 'password', 'warehouse', 'database', 'schema', 'role', 'accessUrl'],
  bigquery: ['projectId', 'serviceAccountKey', 'accessToken', 'location', 'apiEndpoint'],
} as const;
const httpUrl = z
  .string()
  .trim()
  .max(500)
  .regex(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, 'must be a base URL such as https://myorg-myaccount.snowflakecomputing.com')
  .transform((v) => v.replace(/\/+$/, ''));
const sfName = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_$."-]+$/, `must be a Snowflake ${what} name`);

export const warehouseConfigSchema = z
  .strictObject({
    engine: z.enum(WAREHOUSE_ENGINES, { error: `must be one of ${WAREHOUSE_ENGINES.join(', ')}` }),
    /** postgres: postgres://user:password@host:port/database (a secret: it carries the password). */
    url: z
      .string()
      .trim()
      .max(2000)
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** duckdb: absolute path of the database file; Parquet/CSV files beside it can be read by the query. */
    path: z
      .string()
      .trim()
      .max(1000)
      .regex(/^\/\S.*$/, 'must be an absolute path such as /data/warehouse.duckdb')
      .optional(),
    /** snowflake: account identifier (orgname-accountname or locator[.region]). */
    account: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/, 'must be the Snowflake account identifier, e.g. myorg-myaccount')
      .optional(),
    username: z.string().trim().min(1).max(255).optional(),
    /** snowflake: the user's password (a secret). */
    password: z.string().min(1).max(1000).optional(),
    warehouse: sfName('warehouse').optional(),
    database: sfName('database').optional(),
    schema: sfName('schema').optional(),
    role: sfName('role').optional(),
    /** snowflake: base URL instead of https://<account>.snowflakecomputing.com (private link, a stand-in). */
    accessUrl: httpUrl.optional(),
    /** bigquery: the project that runs (and pays for) the query. */
    projectId: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'must be a Google Cloud project id such as acme-analytics')
      .optional(),
    /** bigquery: a service-account key file's JSON (a secret). */
    serviceAccountKey: z
      .string()
      .max(20_000)
      .refine((v) => {
        try {
          const k = JSON.parse(v) as Record<string, unknown>;
          return typeof k['client_email'] === 'string' && typeof k['private_key'] === 'string';
        } catch {
          return false;
        }
      }, 'must be a service-account key file (JSON with client_email and private_key)')
      .optional(),
    /** bigquery: an OAuth access token instead of a key (a secret). */
    accessToken: z.string().trim().min(10).max(4000).optional(),
    location: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{2,40}$/, 'must be a BigQuery location such as US or europe-west3')
      .optional(),
    /** bigquery: API base URL instead of https://bigquery.googleapis.com (a stand-in). */
    apiEndpoint: httpUrl.optional(),
    /** One SELECT (or WITH … SELECT); Baton pages it in the order of the cursor and identifier columns. */
    query: z
      .string()
      .trim()
      .min(1)
      .max(20_000)
      .regex(/^(select|with)\b/i, 'must be one SELECT statement (or WITH … SELECT)')
      .refine((q) => !/;\s*\S/.test(q), 'must be a single statement (no ; followed by more SQL)'),
    /** Identifier type → column, e.g. { "email": "email", "phone": "mobile" }. */
    identifiers: z
      .partialRecord(
        z.enum(['email', 'phone', 'whatsappId', 'hubspotContactId', 'salesforceId', 'zendeskUserId', 'externalId'], {
          error: 'must be an identifier type: email, phone, whatsappId, hubspotContactId, salesforceId, zendeskUserId or externalId',
        }),
        column,
      )
      .refine((m) => Object.keys(m).length > 0, 'must map at least one identifier type to a column'),
    /** Columns whose values become traits of the person. */
    traits: z.array(column).max(100).default([]),
    /** A column that only grows (updated_at, a sequence): each sync reads only rows past the last one. */
    cursor: column.optional(),
    /** Five- or six-field cron expression (UTC), e.g. "0 * * * *" for hourly. */
    schedule: z
      .string()
      .trim()
      .max(100)
      .refine((s) => {
        try {
          new Cron(s, { paused: true, timezone: 'UTC' }).stop();
          return true;
        } catch {
          return false;
        }
      }, 'must be a cron expression such as "0 * * * *" (minute hour day month weekday)')
      .optional(),
    /** Makes the query define a named audience: its rows are the members (entered/left events). */
    audience: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case name such as trial_users')
      .optional(),
    /** Table decisions, outcomes and run results are exported to (POST /connections/:id/export). */
    exportTable: tableName.default('baton_export'),
  })
  .superRefine((c, ctx) => {
    const required: Record<WarehouseConfigEngine, readonly string[]> = {
      postgres: ['url'],
      duckdb: ['path'],
      snowflake: ['account', 'username', 'password'],
      bigquery: ['projectId'],
    };
    const record = c as unknown as Record<string, unknown>;
    for (const f of required[c.engine])
      if (record[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `is required for engine ${c.engine}` });
    for (const [engine, fields] of Object.entries(ENGINE_FIELDS)) {
      if (engine === c.engine) continue;
      for (const f of fields)
        if (record[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: `is only for engine ${engine}` });
    }
    if (c.engine === 'bigquery' && (c.serviceAccountKey === undefined) === (c.accessToken === undefined))
      ctx.addIssue({ code: 'custom', path: ['serviceAccountKey'], message: 'give serviceAccountKey or accessToken (one of them)' });
    if (c.audience === undefined && c.traits.length === 0)
      ctx.addIssue({ code: 'custom', path: ['traits'], message: 'must name at least one column (or set audience to define an audience)' });
    if (c.audience !== undefined && c.cursor !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message: 'an audience is read whole on every sync (members who are gone have left it); remove cursor',
      });
    const used = new Set(Object.values(c.identifiers));
    for (const [i, t] of c.traits.entries())
      if (used.has(t)) ctx.addIssue({ code: 'custom', path: ['traits', i], message: `${t} is already an identifier column` });
  });
export type WarehouseConfig = z.infer<typeof warehouseConfigSchema>;
type WarehouseConfigEngine = (typeof WAREHOUSE_ENGINES)[number];
/** Sealed at rest, never returned: the PostgreSQL URL carries the password. */
export const WAREHOUSE_SECRET_FIELDS: readonly string[] = ['url', 'password', 'serviceAccountKey', 'accessToken'];
