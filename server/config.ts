/**
 * The one place that reads the environment (product brief 4.2). Everything else receives a `Config`.
 * A bad or missing variable stops start-up with a message naming each variable and what is wrong.
 */
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (protocols: readonly string[], what: string) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a ${what} URL (${protocols.map((p) => p.replace(':', '://')).join(' or ')}...)`,
    );

const optionalUrl = (protocols: readonly string[], what: string) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), url(protocols, what).optional());

const encryptionKey = z
  .string()
  .trim()
  .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, {
    message: 'must be 32 random bytes encoded as base64 (generate one with: openssl rand -base64 32)',
  });

export const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  PUBLIC_URL: optionalUrl(['http:', 'https:'], 'http(s)'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:'], 'PostgreSQL'),
  REDIS_URL: optionalUrl(['redis:', 'rediss:'], 'Redis'),
  BATON_DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./.baton'),
  BATON_ENCRYPTION_KEY: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), encryptionKey.optional()),
  BATON_ENCRYPTION_PREVIOUS_KEYS: z
    .string()
    .trim()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(z.array(encryptionKey)),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  HUBSPOT_CLIENT_ID: optionalString,
  HUBSPOT_CLIENT_SECRET: optionalString,
  HUBSPOT_APP_ID: optionalString,
  HUBSPOT_API_BASE_URL: url(['http:', 'https:'], 'http(s)').default('https://api.hubapi.com'),
  /** Marketplace listing (issue #20): required to generate an upload profile (scripts/generate-hubspot-project.ts --profile). */
  HUBSPOT_SUPPORT_URL: optionalUrl(['https:'], 'https'),
  HUBSPOT_SUPPORT_EMAIL: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z.email({ error: 'must be an email address people can write to for support' }).optional(),
  ),
  HUBSPOT_PRIVACY_URL: optionalUrl(['https:'], 'https'),
  HUBSPOT_TERMS_URL: optionalUrl(['https:'], 'https'),
  SALESFORCE_CLIENT_ID: optionalString,
  SALESFORCE_CLIENT_SECRET: optionalString,
  SALESFORCE_LOGIN_URL: url(['http:', 'https:'], 'http(s)').default('https://login.salesforce.com'),
  /** Salesforce Pub/Sub API (change events), `host:port`; TLS unless SALESFORCE_PUBSUB_TLS=false (a local test server). */
  SALESFORCE_PUBSUB_ENDPOINT: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port (e.g. api.pubsub.salesforce.com:7443)')
    .default('api.pubsub.salesforce.com:7443'),
  SALESFORCE_PUBSUB_TLS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  LLM_PROVIDER: z.enum(['none', 'openai', 'anthropic'], { error: 'must be one of none, openai, anthropic' }).default('none'),
  LLM_BASE_URL: optionalUrl(['http:', 'https:'], 'http(s)'),
  LLM_API_KEY: optionalString,
  LLM_MODEL: optionalString,
  LLM_TIMEOUT_MS: z.coerce.number({ error: 'must be a number' }).int().positive('must be positive').default(5000),
  BATON_SHUTDOWN_TIMEOUT_MS: z.coerce.number({ error: 'must be a number' }).int().positive('must be positive').default(15000),
  BATON_WORKER_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .min(1, 'must be at least 1')
    .max(256, 'must be at most 256')
    .default(8),
  BATON_ROLE: z.enum(['all', 'web', 'worker'], { error: 'must be one of all, web, worker' }).default('all'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly port: number;
  /** External base URL without a trailing slash; defaults to http://localhost:PORT. */
  readonly publicUrl: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  /** Current key (base64), or undefined: embedded mode then generates one in the data dir. */
  readonly encryptionKey: string | undefined;
  readonly previousEncryptionKeys: readonly string[];
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly role: 'all' | 'web' | 'worker';
  readonly workerConcurrency: number;
  readonly shutdownTimeoutMs: number;
  readonly hubspot: {
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly appId: string | undefined;
    readonly apiBaseUrl: string;
  };
  /** HubSpot marketplace listing fields; each undefined until configured (the upload profile refuses then). */
  readonly hubspotListing: {
    readonly supportUrl: string | undefined;
    readonly supportEmail: string | undefined;
    readonly privacyUrl: string | undefined;
    readonly termsUrl: string | undefined;
  };
  readonly salesforce: {
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly loginUrl: string;
    /** Pub/Sub API `host:port` and whether it speaks TLS. */
    readonly pubsubEndpoint: string;
    readonly pubsubTls: boolean;
  };
  readonly llm: {
    readonly provider: 'none' | 'openai' | 'anthropic';
    readonly baseUrl: string | undefined;
    readonly apiKey: string | undefined;
    readonly model: string | undefined;
    readonly timeoutMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Baton cannot start: the configuration is invalid.\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        `\nSee .env.example and README.md (Configuration) for every variable.`,
    );
    this.name = 'ConfigError';
  }
}

const stripSlash = (s: string): string => s.replace(/\/+$/, '');

/** Parses an environment map into a Config, or throws ConfigError naming each bad variable. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: issue.code === 'invalid_type' && env[String(issue.path[0])] === undefined ? 'is required' : issue.message,
      })),
    );
  }
  const e = result.data;
  const problems: { variable: string; message: string }[] = [];
  if (e.LLM_PROVIDER !== 'none' && e.LLM_API_KEY === undefined && e.LLM_BASE_URL === undefined) {
    problems.push({
      variable: 'LLM_API_KEY',
      message: `is required when LLM_PROVIDER=${e.LLM_PROVIDER} (or set LLM_BASE_URL to a local endpoint)`,
    });
  }
  if (e.HUBSPOT_CLIENT_ID !== undefined && e.HUBSPOT_CLIENT_SECRET === undefined) {
    problems.push({ variable: 'HUBSPOT_CLIENT_SECRET', message: 'is required when HUBSPOT_CLIENT_ID is set' });
  }
  if (e.SALESFORCE_CLIENT_ID !== undefined && e.SALESFORCE_CLIENT_SECRET === undefined) {
    problems.push({ variable: 'SALESFORCE_CLIENT_SECRET', message: 'is required when SALESFORCE_CLIENT_ID is set' });
  }
  if (e.DATABASE_URL !== undefined && e.BATON_ENCRYPTION_KEY === undefined) {
    problems.push({
      variable: 'BATON_ENCRYPTION_KEY',
      message:
        'is required with DATABASE_URL (shared databases need a key every process shares; generate one with: openssl rand -base64 32)',
    });
  }
  if (e.BATON_ROLE !== 'all' && (e.DATABASE_URL === undefined || e.REDIS_URL === undefined)) {
    problems.push({
      variable: 'BATON_ROLE',
      message: `=${e.BATON_ROLE} needs DATABASE_URL and REDIS_URL (separate web and worker processes share PostgreSQL and Redis)`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: e.PORT,
    publicUrl: stripSlash(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dataDir: e.BATON_DATA_DIR,
    encryptionKey: e.BATON_ENCRYPTION_KEY,
    previousEncryptionKeys: e.BATON_ENCRYPTION_PREVIOUS_KEYS,
    logLevel: e.LOG_LEVEL,
    role: e.BATON_ROLE,
    workerConcurrency: e.BATON_WORKER_CONCURRENCY,
    shutdownTimeoutMs: e.BATON_SHUTDOWN_TIMEOUT_MS,
    hubspot: {
      clientId: e.HUBSPOT_CLIENT_ID,
      clientSecret: e.HUBSPOT_CLIENT_SECRET,
      appId: e.HUBSPOT_APP_ID,
      apiBaseUrl: stripSlash(e.HUBSPOT_API_BASE_URL),
    },
    hubspotListing: {
      supportUrl: e.HUBSPOT_SUPPORT_URL,
      supportEmail: e.HUBSPOT_SUPPORT_EMAIL,
      privacyUrl: e.HUBSPOT_PRIVACY_URL,
      termsUrl: e.HUBSPOT_TERMS_URL,
    },
    salesforce: {
      clientId: e.SALESFORCE_CLIENT_ID,
      clientSecret: e.SALESFORCE_CLIENT_SECRET,
      loginUrl: stripSlash(e.SALESFORCE_LOGIN_URL),
      pubsubEndpoint: e.SALESFORCE_PUBSUB_ENDPOINT,
      pubsubTls: e.SALESFORCE_PUBSUB_TLS === 'true',
    },
    llm: { provider: e.LLM_PROVIDER, baseUrl: e.LLM_BASE_URL, apiKey: e.LLM_API_KEY, model: e.LLM_MODEL, timeoutMs: e.LLM_TIMEOUT_MS },
  };
}

/** Reads the process environment. The only `process.env` access in the codebase. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
