/**
 * Salesforce change events over the Pub/Sub API: replay ids are opaque bytes there, so the stored
 * position becomes `bytea`. Stored CometD replay ids are kept as the same position (8 bytes, big-endian,
 * which is how Salesforce's Pub/Sub replay ids encode them); one Salesforce refuses resynchronises by
 * query. Per stream: when it last heard from Salesforce, how often it went silent (a stall, detected and
 * recovered) and how often a stored replay id had expired, so a stalled or re-synchronising stream shows
 * in the API rather than only in logs.
 */
export const sql = `
ALTER TABLE salesforce_stream_positions ALTER COLUMN replay_id TYPE bytea USING int8send(replay_id);
ALTER TABLE salesforce_stream_positions
  ADD COLUMN last_heard_at    timestamptz,
  ADD COLUMN stalls           integer NOT NULL DEFAULT 0,
  ADD COLUMN last_stall_at    timestamptz,
  ADD COLUMN expired_replays  integer NOT NULL DEFAULT 0,
  ADD COLUMN last_resync_at   timestamptz,
  ADD COLUMN last_problem     text;
`;
