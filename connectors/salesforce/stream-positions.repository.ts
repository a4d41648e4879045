/** Reads of salesforce_stream_positions for the stream status endpoint (streams.ts writes them). */
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
