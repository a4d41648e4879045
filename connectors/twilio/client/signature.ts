/**
 * X-Twilio-Signature checks through twilio-node's own validators: HMAC-SHA1 (or SHA-256 when the
 * X-Twilio-Webhooks-Signature-Settings header says so) over the exact public URL plus the sorted
 * form parameters, or, for JSON bodies, over the URL only with `bodySHA256` in its query string.
 */
import twilio from 'twilio';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
export const TWILIO_SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

export type FormParams = Record<string, string | string[]>;

export interface TwilioSignatureInput {
  /** The auth token (a second one during rotation). */
  readonly authTokens: readonly string[];
  readonly signature: string | undefined;
  /** The exact URL Twilio requested: PUBLIC_URL + path + query string. */
  readonly url: string;
  readonly settingsHeader?: string | undefined;
}

export function verifyTwilioForm(input: TwilioSignatureInput, params: FormParams): boolean {
  const { signature } = input;
  if (signature === undefined || signature === '') return false;
  const algorithm = twilio.getSignatureAlgorithm(input.settingsHeader ?? null);
  return input.authTokens.some((token) => twilio.validateRequest(token, signature, input.url, params, algorithm));
}

/** JSON-body variant: the URL must carry bodySHA256 = hex SHA-256 of the raw body, and the signature covers the URL. */
export function verifyTwilioJson(input: TwilioSignatureInput, rawBody: string): boolean {
  const { signature } = input;
  if (signature === undefined || signature === '') return false;
  if (!new URL(input.url).searchParams.has('bodySHA256')) return false;
  const algorithm = twilio.getSignatureAlgorithm(input.settingsHeader ?? null);
  return input.authTokens.some((token) => twilio.validateRequestWithBody(token, signature, input.url, rawBody, algorithm));
}

/** Signs like Twilio does (sandboxes and tests). */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
