/** The one ingest path for connector events: the same validation, log append, identity hook and metrics as POST /api/v1/events. */
import { canonicalEventSchema, type CanonicalEvent } from '../../app/events/canonical-event';
import { ingestEvent, type Identify, type IngestResult } from '../events/events.repository';
import { HttpError, validationError } from '../http/errors';
import type { IdentityService } from '../identity/identity.service';
import type { ModuleContext } from '../module';

export type Ingest = (tenantId: string, event: CanonicalEvent) => Promise<IngestResult>;

/** `identity`: the identity module's service, when loaded (the event then carries the person's profile). */
export function connectorIngest(ctx: ModuleContext, identity: IdentityService | undefined): Ingest {
  const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
  return async (tenantId, event) => {
    const parsed = canonicalEventSchema.safeParse(event);
    if (!parsed.success) throw validationError(parsed.error, `${event.source} event`);
    const result = await ingestEvent(ctx.db, ctx.work, tenantId, parsed.data, undefined, identify);
    ctx.metrics.eventsIngested.inc({ source: parsed.data.source, outcome: result.duplicate ? 'duplicate' : 'stored' });
    return result;
  };
}

/** 401 for a webhook whose signature does not check out (the only refusal senders should not retry around). */
export const badSignature = (reason: string): HttpError => new HttpError(401, 'invalid_signature', `webhook signature rejected: ${reason}`);
export const unknownConnection = (type: string): HttpError =>
  new HttpError(404, 'unknown_connection', `no ${type} connection with this id; copy the webhook URL from GET /api/v1/connections`);

/** Parses a raw JSON body, or answers 400 with the envelope. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}
