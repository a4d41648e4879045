/**
 * What the demo remembers between runs, in `<data-dir>/demo.json`: the tenant and its API key, the
 * vendor credentials the sandboxes are started with (so the connections stored in Baton stay valid),
 * and the ids of the connections it created. A second run reads it and only installs what is missing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const credentialsSchema = z.object({
  hubspot: z.object({ clientId: z.string(), clientSecret: z.string(), portalId: z.string() }),
  salesforce: z.object({ clientId: z.string(), clientSecret: z.string(), orgId: z.string() }),
  zendesk: z.object({ subdomain: z.string(), email: z.string(), token: z.string(), webhookSecret: z.string() }),
  twilio: z.object({ accountSid: z.string(), authToken: z.string(), smsFrom: z.string(), whatsappFrom: z.string() }),
  whatsapp: z.object({ phoneNumberId: z.string(), accessToken: z.string(), appSecret: z.string(), verifyToken: z.string() }),
});
export type Credentials = z.infer<typeof credentialsSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  tenantId: z.string().optional(),
  apiKey: z.string().optional(),
  credentials: credentialsSchema,
  connections: z.object({ zendesk: z.string().optional(), twilio: z.string().optional(), whatsapp: z.string().optional() }).default({}),
  runs: z.number().int().default(0),
  /** The Salesforce sandbox's OAuth token families and change-event position, so Baton's stored tokens and replay id stay valid. */
  salesforceOrg: z.unknown().optional(),
  /** Baton stores the org's instance URL (the sandbox's address): the sandbox comes back on the same port. */
  salesforcePort: z.number().int().optional(),
});
export type DemoState = z.infer<typeof stateSchema>;

const hex = (n: number): string => randomBytes(n).toString('hex');

function freshCredentials(): Credentials {
  return {
    hubspot: { clientId: `demo-hubspot-${hex(6)}`, clientSecret: hex(16), portalId: '62515' },
    salesforce: { clientId: `3MVG9demo${hex(10)}`, clientSecret: hex(16), orgId: '00D5e000000KQ2eEAG' },
    zendesk: { subdomain: 'baton-demo', email: 'agent@baton-demo.example', token: hex(16), webhookSecret: hex(16) },
    twilio: { accountSid: `AC${hex(16)}`, authToken: hex(16), smsFrom: '+14155550134', whatsappFrom: '+14155238886' },
    whatsapp: {
      phoneNumberId: String(100_000_000_000_000 + (randomBytes(4).readUInt32BE(0) % 1e9)),
      accessToken: `EAAG${hex(12)}`,
      appSecret: hex(16),
      verifyToken: hex(8),
    },
  };
}

export class DemoStateFile {
  readonly file: string;

  private constructor(
    dataDir: string,
    readonly state: DemoState,
  ) {
    this.file = path.join(dataDir, 'demo.json');
  }

  /** Reads `<dataDir>/demo.json`, or starts a new one (nothing installed yet). */
  static open(dataDir: string): { store: DemoStateFile; resumed: boolean } {
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'demo.json');
    if (existsSync(file)) {
      const parsed = stateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success)
        throw new Error(
          `${file} is not a demo state file (${parsed.error.issues[0]?.message ?? 'invalid'}); remove it or pick another --data-dir`,
        );
      return { store: new DemoStateFile(dataDir, parsed.data), resumed: parsed.data.tenantId !== undefined };
    }
    const store = new DemoStateFile(dataDir, { version: 1, credentials: freshCredentials(), connections: {}, runs: 0 });
    store.save();
    return { store, resumed: false };
  }

  /** Written atomically (temp file + rename), so a kill never leaves half a file. */
  save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
