/**
 * The `ticket` action port (Zendesk): creates a ticket for the profile's Zendesk user (or email) with
 * Zendesk's Idempotency-Key, so a repeated attempt returns the original ticket; or, with `ticketId`,
 * adds a public/internal comment and changes status/priority (not idempotent at Zendesk: the ledger
 * guarantees one effect per key, and refuses to repeat an attempt whose answer was lost).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ActionPort, ActionRequest, ActionResult, JsonValue } from '../../app/orchestration';
import { permanentError, transientError, undeliverableError } from '../../app/orchestration/errors';
import { zendeskApiOf } from './connection';
import { type ConnectionsRepository, type Database, profileAddresses, SqlEffectLedger } from '../../server/platform';
import { systemClock } from '../../app/shared/clock';

const IN_FLIGHT_MS = 60_000;

export const ticketParamsSchema = z.looseObject({
  subject: z.string().trim().min(1, 'subject must not be empty').max(250),
  body: z.string().trim().min(1).max(60_000).optional(),
  comment: z.string().trim().min(1).max(60_000).optional(),
  public: z.boolean().optional(),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  status: z.enum(['new', 'open', 'pending', 'hold', 'solved']).optional(),
  ticketId: z
    .union([z.string().regex(/^\d+$/), z.number().int().positive()])
    .transform(String)
    .optional(),
  tags: z.array(z.string().max(80)).max(20).optional(),
});

/** Zendesk's Idempotency-Key for a Baton key: stable, tenant-bound, within header limits. */
export function zendeskIdempotencyKey(tenantId: string, key: string): string {
  return `baton-${createHash('sha256').update(`${tenantId}\u0000${key}`).digest('hex').slice(0, 40)}`;
}

export class TicketActionPort implements ActionPort {
  constructor(private readonly deps: { db: Database; repo: ConnectionsRepository; now?: () => number }) {}

  handles(request: ActionRequest): Promise<boolean> {
    return this.available(request.tenantId);
  }

  available(tenantId: string): Promise<boolean> {
    return this.deps.repo.hasActive(this.deps.db, tenantId, ['zendesk']);
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    const parsed = ticketParamsSchema.safeParse(request.params);
    if (!parsed.success)
      return {
        ok: false,
        error: permanentError(
          'ticket.invalid_params',
          `ticket step: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
        ),
      };
    const p = parsed.data;
    const connection = await this.deps.repo.activeOfType(this.deps.db, request.tenantId, 'zendesk');
    if (connection === undefined)
      return { ok: false, error: permanentError('ticket.not_connected', 'no active Zendesk connection for this tenant') };
    const api = zendeskApiOf(connection.config);
    const key = request.idempotencyKey;
    const update = p.ticketId !== undefined;
    const ledger = new SqlEffectLedger(this.deps.db);
    const claim = await ledger.reserve(
      {
        tenantId: request.tenantId,
        idempotencyKey: key,
        vendor: 'zendesk',
        kind: 'ticket',
        accountId: connection.id,
        channel: 'ticket',
        recipient: p.ticketId ?? null,
        profileId: request.profileId,
        runId: request.runId,
        request: { subject: p.subject, ...(p.ticketId !== undefined ? { ticketId: p.ticketId } : {}) },
      },
      { onConflict: 'reclaim-failed' },
    );
    if (!claim.fresh) {
      const row = claim.entry;
      if (row.state === 'done' && row.output !== null) return { ok: true, output: row.output };
      if (row.state === 'pending' && (this.deps.now?.() ?? systemClock.now()) - row.updatedAt < IN_FLIGHT_MS)
        return { ok: false, error: transientError('ticket.in_flight', 'an attempt with this idempotency key is in flight') };
      // Creation is safe to repeat (Zendesk replays the original for the same Idempotency-Key); updates are not.
      if (update)
        return {
          ok: false,
          error: permanentError(
            'zendesk.outcome_unknown',
            'an earlier ticket update lost its answer; not repeating it to avoid a duplicate comment',
          ),
        };
    }
    if (update) {
      const body = p.comment ?? p.body;
      const r = await api.updateTicket(p.ticketId ?? '', {
        ...(body === undefined ? {} : { comment: { body, public: p.public ?? false } }),
        ...(p.status === undefined ? {} : { status: p.status }),
        ...(p.priority === undefined ? {} : { priority: p.priority }),
      });
      if (!r.ok) {
        await ledger.settle(
          request.tenantId,
          key,
          r.noEffect ? { state: 'failed', errorCode: r.error.code } : { state: 'unknown', errorCode: r.error.code },
        );
        return { ok: false, error: r.error };
      }
      const output: JsonValue = {
        provider: 'zendesk',
        connectionId: connection.id,
        operation: 'update',
        ticketId: r.value.id,
        status: r.value.status ?? null,
        priority: r.value.priority ?? null,
      };
      await ledger.settle(request.tenantId, key, { state: 'done', output, providerRef: r.value.id });
      return { ok: true, output };
    }
    const addresses = await profileAddresses(this.deps.db, request.tenantId, request.profileId);
    const requesterId = addresses.zendeskUsers.find((u) => u.scope === connection.config.subdomain)?.id;
    const email = addresses.emails[0];
    if (requesterId === undefined && email === undefined) {
      await ledger.settle(request.tenantId, key, { state: 'failed', errorCode: 'ticket.no_requester' });
      return {
        ok: false,
        error: undeliverableError(
          'ticket.no_requester',
          'the profile has neither a Zendesk user in this account nor an email to open a ticket for',
        ),
      };
    }
    const r = await api.createTicket(
      {
        subject: p.subject,
        body: p.body ?? p.comment ?? p.subject,
        publicComment: p.public ?? true,
        priority: p.priority,
        ...(requesterId !== undefined ? { requesterId } : email !== undefined ? { requester: { email } } : {}),
        externalId: `baton:${request.runId}:${request.stepId}`,
        tags: p.tags ?? ['baton'],
      },
      zendeskIdempotencyKey(request.tenantId, key),
    );
    if (!r.ok) {
      // Zendesk deduplicates creation by Idempotency-Key, so even a lost answer can be retried safely.
      await ledger.settle(request.tenantId, key, { state: r.noEffect ? 'failed' : 'unknown', errorCode: r.error.code });
      return { ok: false, error: r.error };
    }
    const output: JsonValue = {
      provider: 'zendesk',
      connectionId: connection.id,
      operation: 'create',
      ticketId: r.value.id,
      status: r.value.status ?? null,
      priority: r.value.priority ?? null,
      replayed: r.idempotencyLookup === 'hit',
    };
    await ledger.settle(request.tenantId, key, { state: 'done', output, providerRef: r.value.id });
    return { ok: true, output };
  }
}
