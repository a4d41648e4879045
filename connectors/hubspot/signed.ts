/**
 * Verifies HubSpot-signed requests (webhooks, workflow actions, card fetches) on the exact bytes
 * received and the URL HubSpot called: PUBLIC_URL + the path and query as received (never the Host
 * header). Only a bad or missing signature is a 401.
 */
import express, { type Request, type RequestHandler } from 'express';
import { verifyHubSpotRequest, type SignatureCheck } from './client/signature';
import { assertNoNul, HttpError, notConfigured } from '../../server/platform';
import { systemClock } from '../../app/shared/clock';

export const rawBody: RequestHandler = express.raw({ type: () => true, limit: '2mb' });

export function bodyText(req: Request): string {
  return Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
}

export function requireSignature(options: {
  publicUrl: string;
  clientSecret: () => string | undefined;
  allowV2?: boolean;
  now?: () => number;
}): RequestHandler {
  return (req, res, next) => {
    const secret = options.clientSecret();
    if (secret === undefined)
      throw notConfigured('hubspot', 'HubSpot is not configured on this server (set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET)');
    const check: SignatureCheck = verifyHubSpotRequest(
      { method: req.method, uri: `${options.publicUrl}${req.originalUrl}`, body: bodyText(req), header: (name) => req.get(name) },
      secret,
      options.now?.() ?? systemClock.now(),
      { allowV2: options.allowV2 ?? false },
    );
    if (!check.ok) throw new HttpError(401, 'invalid_signature', `HubSpot signature check failed (${check.reason})`);
    res.locals['signatureVersion'] = check.version;
    next();
  };
}

/** Parses the raw body as JSON; a malformed body is a 400. */
export function jsonBody(req: Request): unknown {
  const text = bodyText(req);
  if (text.trim() === '') return undefined;
  assertNoNul(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}
