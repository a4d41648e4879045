/** salesforce_stream_positions: per connection and channel, the replay position, when Salesforce was last heard from, and stream trouble. */
import type { Queryable } from '../../server/platform';

export interface PositionRow {
  channel: string;
  replay_id: unknown;
  last_event_at: Date | string | null;
  last_heard_at: Date | string | null;
  stalls: number;
  last_stall_at: Date | string | null;
  expired_replays: number;
  last_resync_at: Date | string | null;
  last_problem: string | null;
}

/** Every stream position row of one connection. */
export async function streamPositions(q: Queryable, tenantId: string, connectionId: string): Promise<PositionRow[]> {
  const r = await q.query<PositionRow>(
    'SELECT channel, replay_id, last_event_at, last_heard_at, stalls, last_stall_at, expired_replays, last_resync_at, last_problem FROM salesforce_stream_positions WHERE tenant_id = $1 AND connection_id = $2',
    [tenantId, connectionId],
  );
  return r.rows;
}

/** The stored replay position and last event time of each channel of one connection. */
export async function storedPositions(
  q: Queryable,
  tenantId: string,
  connectionId: string,
): Promise<{ channel: string; replay_id: unknown; last_event_at: Date | string | null }[]> {
  const r = await q.query<{ channel: string; replay_id: unknown; last_event_at: Date | string | null }>(
    'SELECT channel, replay_id, last_event_at FROM salesforce_stream_positions WHERE tenant_id = $1 AND connection_id = $2',
    [tenantId, connectionId],
  );
  return r.rows;
}

/**
 * Positions are written only for a connection not disconnected, its row share-locked: a write racing
 * the disconnect purge (purgeSalesforceOrg marks the connection first, then deletes its positions)
 * either lands before the mark and is deleted with the rest, or waits for the purge and writes nothing.
 */
const CONNECTED = `EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = $1 AND c.id = $2 AND c.status <> 'disconnected' FOR SHARE)`;

/**
 * Saves a channel's position: `replayId` undefined keeps the stored one, `lastEventAt` never moves back
 * (null keeps it); last_heard_at is now.
 */
export async function savePosition(
  q: Queryable,
  tenantId: string,
  connectionId: string,
  channel: string,
  replayId: Buffer | null | undefined,
  lastEventAt: string | null,
): Promise<void> {
  await q.query(
    `INSERT INTO salesforce_stream_positions (tenant_id, connection_id, channel, replay_id, last_event_at, last_heard_at)
     SELECT $1::text, $2::text, $3::text, $4::bytea, $5::timestamptz, now() WHERE ${CONNECTED}
     ON CONFLICT (tenant_id, connection_id, channel) DO UPDATE SET replay_id = CASE WHEN $6 THEN salesforce_stream_positions.replay_id ELSE EXCLUDED.replay_id END,
       last_event_at = greatest(salesforce_stream_positions.last_event_at, EXCLUDED.last_event_at), last_heard_at = now(), updated_at = now()`,
    [tenantId, connectionId, channel, replayId ?? null, lastEventAt, replayId === undefined],
  );
}

/** Counts a stall, an expired replay id or a resync on the channel's row, and keeps the last problem. */
export async function notePositionTrouble(
  q: Queryable,
  tenantId: string,
  connectionId: string,
  channel: string,
  kind: 'stall' | 'expired' | 'resynced' | 'problem',
  problem: string | null,
  now: number,
): Promise<void> {
  const set =
    kind === 'stall'
      ? 'stalls = salesforce_stream_positions.stalls + 1, last_stall_at = now(), '
      : kind === 'expired'
        ? 'expired_replays = salesforce_stream_positions.expired_replays + 1, '
        : kind === 'resynced'
          ? 'last_resync_at = now(), '
          : '';
  const at = new Date(now).toISOString();
  await q.query(
    `INSERT INTO salesforce_stream_positions (tenant_id, connection_id, channel, stalls, last_stall_at, expired_replays, last_resync_at, last_problem)
     SELECT $1::text, $2::text, $3::text, $4::int, $5::timestamptz, $6::int, $7::timestamptz, $8::text WHERE ${CONNECTED}
     ON CONFLICT (tenant_id, connection_id, channel) DO UPDATE SET ${set}last_problem = coalesce($8, salesforce_stream_positions.last_problem), updated_at = now()`,
    [
      tenantId,
      connectionId,
      channel,
      kind === 'stall' ? 1 : 0,
      kind === 'stall' ? at : null,
      kind === 'expired' ? 1 : 0,
      kind === 'resynced' ? at : null,
      problem,
    ],
  );
}
