/**
 * What a tenant gives Baton to connect Zendesk, Twilio and WhatsApp Cloud (product brief 4.3), split
 * into plain settings (stored as jsonb, listed by the API) and secrets (sealed with the SecretBox,
 * never listed). `baseUrl` points a connection at a sandbox or proxy instead of the vendor.
 */
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
const e164 = z.string().trim().regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +14155550100 (whatsapp: prefix allowed)');

export const zendeskConfigSchema = z
  .strictObject({
    subdomain: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be the account subdomain, e.g. "acme" for acme.zendesk.com'),
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
    if (c.email === undefined) ctx.addIssue({ code: 'custom', path: ['email'], message: 'is required with apiToken (or give oauthToken instead)' });
    if (c.apiToken === undefined) ctx.addIssue({ code: 'custom', path: ['apiToken'], message: 'is required (or give oauthToken instead)' });
  });

export const twilioConfigSchema = z.strictObject({
  accountSid: z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account SID (AC followed by 32 hex characters)'),
  authToken: secret('authToken'),
  /** The secondary token, accepted for signatures during a rotation. */
  secondaryAuthToken: secret('secondaryAuthToken').optional(),
  smsFrom: e164.optional(),
  whatsappFrom: e164.optional(),
  messagingServiceSid: z.string().trim().regex(/^MG[0-9a-fA-F]{32}$/, 'must be a Messaging Service SID (MG…)').optional(),
  baseUrl,
});

export const whatsappConfigSchema = z.strictObject({
  phoneNumberId: z.string().trim().regex(/^\d{5,20}$/, 'must be the numeric phone number id from the WhatsApp Manager'),
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

export function splitSecrets(type: MessagingConnectionType, config: Record<string, unknown>): { plain: Record<string, unknown>; secrets: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    if (SECRET_FIELDS[type].includes(k)) secrets[k] = v;
    else plain[k] = v;
  }
  return { plain, secrets };
}
