/**
 * `zendesk.user_sync` job: looks up a ticket requester through the API (user + identities) once, and
 * ingests what Zendesk knows about them (emails, phones) as a `user.synced` event, so a ticket from a
 * known email joins that person's profile even when only ticket events are subscribed.
 */
import type { Identifier } from '../../app/events/canonical-event';
import { identityToIdentifier } from './client/webhook';
import { zendeskApiOf } from './connection';
import { type ConnectionsRepository, type Ingest, type JobHandler, type ModuleContext, RateLimitedError } from '../../server/platform';
import { systemClock } from '../../app/shared/clock';

export function zendeskUserSync(ctx: ModuleContext, repo: ConnectionsRepository, ingest: Ingest): JobHandler {
  return async (job) => {
    const connectionId = job.payload['connectionId'];
    const userId = job.payload['userId'];
    if (typeof connectionId !== 'string' || typeof userId !== 'string')
      throw new Error('zendesk.user_sync job without connectionId/userId');
    const connection = await repo.get(ctx.db, job.tenantId, connectionId);
    if (connection?.type !== 'zendesk') return; // deleted since
    const api = zendeskApiOf(connection.config as Parameters<typeof zendeskApiOf>[0]);
    const user = await api.showUser(userId);
    const identities = user.ok ? await api.listIdentities(userId) : user;
    for (const r of [user, identities]) {
      if (r.ok) continue;
      if (r.error.category === 'rate_limited') throw new RateLimitedError(r.error.message, r.error.retryAfterMs ?? 30_000);
      if (r.error.category === 'permanent') {
        ctx.logger.info({ connectionId, code: r.error.code }, 'zendesk user lookup refused; not retrying');
        return;
      }
      throw new Error(r.error.message);
    }
    if (!user.ok || !identities.ok) return;
    const role = user.value.role?.toLowerCase();
    if (role === 'agent' || role === 'admin') return;
    const scope = (connection.config as { subdomain: string }).subdomain;
    const identifiers: Identifier[] = [{ type: 'zendeskUserId', value: userId, scope }];
    const seen = new Set<string>();
    const add = (id: Identifier | undefined): void => {
      if (id === undefined || seen.has(`${id.type}:${id.value}`)) return;
      seen.add(`${id.type}:${id.value}`);
      identifiers.push(id);
    };
    if (user.value.email) add({ type: 'email', value: user.value.email });
    if (user.value.phone) add({ type: 'phone', value: user.value.phone });
    for (const identity of identities.value) add(identityToIdentifier(identity));
    const name = user.value.name?.trim();
    await ingest(job.tenantId, {
      id: `zendesk:user-sync:${userId}`,
      source: 'zendesk',
      type: 'user.synced',
      occurredAt: new Date(systemClock.now()).toISOString(),
      subject: { identifiers, traits: name ? { fullName: name.slice(0, 200) } : {} },
      properties: { zendeskUserId: userId, zendesk: { subdomain: scope } },
    });
  };
}
