/**
 * PII redaction for logs: message text and secrets are dropped by key; emails, phone numbers and
 * bearer tokens are masked wherever they appear in strings.
 */
const DROP_KEYS = new Set([
  'text',
  'body',
  'message_text',
  'messagebody',
  'content',
  'comment',
  'description',
  'subject_line',
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'apikey',
  'api_key',
  'apitoken',
  'authtoken',
  'auth_token',
  'client_secret',
  'x-hubspot-signature',
  'x-hubspot-signature-v3',
  'x-twilio-signature',
  'x-zendesk-webhook-signature',
  'x-hub-signature-256',
  'x-baton-admin-token',
  'adminToken',
  'accesstoken',
  'refreshtoken',
  'webhooksecret',
  'appsecret',
]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// International or national phone-like runs of 7+ digits with separators.
const PHONE = /(?<![\w.])\+?\d[\d\s().-]{6,}\d(?![\w.])/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const API_KEY = /\bbk_[a-z0-9]{12}_[A-Za-z0-9_-]{32}\b/g;

export function redactString(value: string): string {
  return value.replace(BEARER, '$1 [redacted]').replace(API_KEY, 'bk_[redacted]').replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactString(value.message),
      stack: value.stack === undefined ? undefined : redactString(value.stack),
    };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = DROP_KEYS.has(k.toLowerCase()) ? '[redacted]' : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
