/**
 * identity_read (029) and the fingerprint checks of identity_apply (026) with a generic plan once the
 * identity tables are large (issue #16, target 4). Planning them per call (plan_cache_mode =
 * force_custom_plan) cost about as much of the database's CPU as running them: some 1.2 ms per read
 * and 0.5 ms per apply for a micro-batch of 32 events.
 *
 * Why per call at all: a generic plan is kept for the session, and one made while the tables are
 * nearly empty (a new database; no statistics) cannot tell a key's own index from another index on
 * the tenant, e.g. it looked up a key's edges `a = key` through the index on (tenant_id, b), filtering
 * every edge of the tenant, and kept doing so as the tables grew. Once each table holds some
 * thousand rows the planner prefers the index on the looked-up key (measured: from about 1,000 rows
 * without statistics; with statistics always), so a generic plan made then stays right as the
 * tables grow. identity_generic_plans() says whether every table these statements look up by key
 * through one of several indexes on the tenant (nodes, edges, blocking keys) is at least 1 MB (several
 * thousand rows); until then both are planned per call, as before. (identity_profiles has one index;
 * identity_cannot_links, usually nearly empty, gets its key's own indexes at any size: checked.)
 *
 * Only statements whose every table access is a per-row (LATERAL / scalar subquery) index lookup use
 * the generic plan: identity_read's one statement and identity_apply's checks. identity_apply's
 * deletes by key list (`IN (SELECT ...)`, which a generic plan could hash-join over a whole table) and
 * its writes stay planned per call. Same arguments, same rows, same fingerprints.
 */
const NODE = 'key, kind, profile_id, type, limit_group, shared, first_names, match, seq, fp';
const EDGE = 'id, kind, a, b, source, record_id, at, seq, status, reason, detail';

const GENERIC_FROM_BYTES = 1024 * 1024;

export const sql = `
CREATE FUNCTION identity_generic_plans() RETURNS boolean LANGUAGE sql STABLE AS $fn$
  SELECT pg_relation_size('identity_nodes') >= ${GENERIC_FROM_BYTES}
     AND pg_relation_size('identity_edges') >= ${GENERIC_FROM_BYTES}
     AND pg_relation_size('identity_blocking_keys') >= ${GENERIC_FROM_BYTES}
$fn$;

CREATE OR REPLACE FUNCTION identity_read(text, text[], text[], text[], text[], text[], text[], text[], int, int, boolean)
RETURNS TABLE (o_nodes json, o_members json, o_member_fps json, o_edges json, o_edge_fps json, o_cannot json, o_cannot_fps json,
               o_profiles json, o_blocks json, o_block_members json, o_candidates json, o_seq json)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $fn$
BEGIN
  IF identity_generic_plans() THEN
    PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
  END IF;
  RETURN QUERY
  WITH
    n AS (SELECT x.*, md5(x::text) AS fp FROM unnest($2) AS k(key),
            LATERAL (SELECT * FROM identity_nodes y WHERE y.tenant_id = $1 AND y.key = k.key LIMIT 1) x),
    ps AS (SELECT DISTINCT n.profile_id AS id FROM n WHERE $11 AND n.profile_id IS NOT NULL UNION SELECT unnest($4)),
    m AS (SELECT x.*, md5(x::text) AS fp FROM ps, LATERAL (SELECT * FROM identity_nodes y WHERE y.tenant_id = $1 AND y.profile_id = ps.id OFFSET 0) x),
    ck AS (SELECT unnest($5) AS key UNION SELECT unnest($2) WHERE $11 UNION SELECT m.key FROM m),
    pr AS (SELECT ps.id FROM ps UNION SELECT unnest($6)),
    hb AS (SELECT DISTINCT h.key FROM unnest($7, $8) AS h(key, rec)
             LEFT JOIN LATERAL (SELECT 1 AS found FROM identity_nodes y WHERE y.tenant_id = $1 AND y.key = h.rec LIMIT 1) f ON true
            WHERE h.rec = '' OR f.found IS NULL),
    bs AS (SELECT hb.key, (SELECT count(*) FROM (SELECT 1 FROM identity_blocking_keys b WHERE b.tenant_id = $1 AND b.key = hb.key LIMIT $9 + 1) s)::int AS size FROM hb),
    bm AS (SELECT bs.key, b.record_key FROM bs, LATERAL (SELECT z.record_key FROM identity_blocking_keys z WHERE z.tenant_id = $1 AND z.key = bs.key OFFSET 0) b WHERE bs.size <= $9),
    ek AS (SELECT k.key AS k, x.* FROM unnest($3) AS k(key),
            LATERAL (SELECT ${EDGE}, md5(y::text) AS h FROM identity_edges y WHERE y.tenant_id = $1 AND y.a = k.key
                     UNION SELECT ${EDGE}, md5(y::text) FROM identity_edges y WHERE y.tenant_id = $1 AND y.b = k.key) x),
    cl AS (SELECT ck.key AS k, x.* FROM ck,
            LATERAL (SELECT a, b, source, record_id, at, md5(y::text) AS h FROM identity_cannot_links y WHERE y.tenant_id = $1 AND y.a = ck.key
                     UNION SELECT a, b, source, record_id, at, md5(y::text) FROM identity_cannot_links y WHERE y.tenant_id = $1 AND y.b = ck.key) x),
    cn AS (SELECT DISTINCT ON (bm.record_key) x.*, md5(x::text) AS fp FROM bm,
            LATERAL (SELECT * FROM identity_nodes y WHERE y.tenant_id = $1 AND y.key = bm.record_key LIMIT 1) x)
  SELECT
    (SELECT coalesce(json_agg(r), '[]'::json) FROM (SELECT ${NODE} FROM n) r),
    (SELECT coalesce(json_agg(r), '[]'::json) FROM (SELECT ${NODE} FROM m) r),
    (SELECT coalesce(json_object_agg(ps.id, coalesce((SELECT md5(string_agg(m.key, ',' ORDER BY m.key)) FROM m WHERE m.profile_id = ps.id), '-')), '{}'::json) FROM ps),
    (SELECT coalesce(json_agg(e), '[]'::json) FROM (SELECT DISTINCT ON (ek.id) ${EDGE} FROM ek) e),
    (SELECT coalesce(json_object_agg(k.key, coalesce((SELECT md5(string_agg(ek.h, '' ORDER BY ek.id)) FROM ek WHERE ek.k = k.key), '-')), '{}'::json)
       FROM unnest($3) AS k(key)),
    (SELECT coalesce(json_agg(c), '[]'::json) FROM (SELECT DISTINCT ON (cl.a, cl.b) a, b, source, record_id, at FROM cl) c),
    (SELECT coalesce(json_object_agg(ck.key, coalesce((SELECT md5(string_agg(cl.h, '' ORDER BY cl.a, cl.b)) FROM cl WHERE cl.k = ck.key), '-')), '{}'::json) FROM ck),
    (SELECT coalesce(json_agg(json_build_object('id', p.id, 'created_at', p.created_at, 'seq', p.seq, 'fp', md5(p::text))), '[]'::json)
       FROM pr, LATERAL (SELECT * FROM identity_profiles y WHERE y.tenant_id = $1 AND y.id = pr.id LIMIT 1) p),
    (SELECT coalesce(json_agg(json_build_object('key', bs.key, 'size', bs.size)), '[]'::json) FROM bs),
    (SELECT coalesce(json_agg(json_build_array(bm.key, bm.record_key)), '[]'::json) FROM bm),
    (SELECT coalesce(json_agg(r), '[]'::json) FROM (SELECT ${NODE} FROM cn) r),
    CASE WHEN $10 > 0 THEN (SELECT json_agg(s.v ORDER BY s.v) FROM (SELECT nextval('identity_seq') AS v FROM generate_series(1, $10)) s) END;
END
$fn$;

CREATE OR REPLACE FUNCTION identity_apply(t text, k1 int[], k2 int[], checks jsonb, w jsonb, wait boolean) RETURNS text LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
  bad boolean;
  op jsonb;
  generic boolean := identity_generic_plans();
BEGIN
  BEGIN
    -- One pass in the callers' (sorted) order: unnest keeps the arrays' order.
    IF wait THEN
      PERFORM pg_advisory_xact_lock(l.a, l.b) FROM unnest(k1, k2) AS l(a, b);
    ELSIF EXISTS (SELECT 1 FROM unnest(k1, k2) AS l(a, b) WHERE NOT pg_try_advisory_xact_lock(l.a, l.b)) THEN
      RAISE EXCEPTION 'identity lock taken' USING ERRCODE = 'BTBSY';
    END IF;
    -- Fingerprints as the read computed them (server/identity/graph-store.repository.ts READ_SQL): md5 of
    -- each row's text; a set's rows in id / key order. Each lookup is an index equality (LATERAL):
    -- the planner knows no statistics of new tables. Generic plan once the tables are large (030).
    IF generic THEN
      PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
    END IF;
    SELECT EXISTS (SELECT 1 FROM jsonb_each_text(coalesce(checks->'n', '{}')) c
             LEFT JOIN LATERAL (SELECT md5(y::text) AS fp FROM identity_nodes y WHERE y.tenant_id = t AND y.key = c.key LIMIT 1) x ON true
            WHERE coalesce(x.fp, '-') <> c.value)
        OR EXISTS (SELECT 1 FROM jsonb_each_text(coalesce(checks->'e', '{}')) c
             LEFT JOIN LATERAL (SELECT md5(string_agg(s.h, '' ORDER BY s.id)) AS fp FROM (
               SELECT y.id, md5(y::text) AS h FROM identity_edges y WHERE y.tenant_id = t AND y.a = c.key
               UNION SELECT y.id, md5(y::text) FROM identity_edges y WHERE y.tenant_id = t AND y.b = c.key) s) x ON true
            WHERE coalesce(x.fp, '-') <> c.value)
        OR EXISTS (SELECT 1 FROM jsonb_each_text(coalesce(checks->'m', '{}')) c
             LEFT JOIN LATERAL (SELECT md5(string_agg(y.key, ',' ORDER BY y.key)) AS fp FROM identity_nodes y WHERE y.tenant_id = t AND y.profile_id = c.key) x ON true
            WHERE coalesce(x.fp, '-') <> c.value)
        OR EXISTS (SELECT 1 FROM jsonb_each_text(coalesce(checks->'c', '{}')) c
             LEFT JOIN LATERAL (SELECT md5(string_agg(s.h, '' ORDER BY s.a, s.b)) AS fp FROM (
               SELECT y.a, y.b, md5(y::text) AS h FROM identity_cannot_links y WHERE y.tenant_id = t AND y.a = c.key
               UNION SELECT y.a, y.b, md5(y::text) FROM identity_cannot_links y WHERE y.tenant_id = t AND y.b = c.key) s) x ON true
            WHERE coalesce(x.fp, '-') <> c.value)
        OR EXISTS (SELECT 1 FROM jsonb_each_text(coalesce(checks->'p', '{}')) c
             LEFT JOIN LATERAL (SELECT md5(y::text) AS fp FROM identity_profiles y WHERE y.tenant_id = t AND y.id = c.key LIMIT 1) x ON true
            WHERE coalesce(x.fp, '-') <> c.value)
      INTO bad;
    IF generic THEN
      PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    END IF;
    IF bad THEN
      RAISE EXCEPTION 'identity read set changed' USING ERRCODE = 'BTSTL';
    END IF;

    IF jsonb_array_length(coalesce(w->'de', '[]')) > 0 THEN
      DELETE FROM identity_edges WHERE tenant_id = t AND id IN (SELECT jsonb_array_elements_text(w->'de'));
    END IF;
    IF jsonb_array_length(coalesce(w->'dn', '[]')) > 0 THEN
      DELETE FROM identity_nodes WHERE tenant_id = t AND key IN (SELECT jsonb_array_elements_text(w->'dn'));
    END IF;
    IF jsonb_array_length(coalesce(w->'n', '[]')) > 0 THEN
      INSERT INTO identity_nodes (tenant_id, key, kind, profile_id, type, limit_group, shared, first_names, match, seq)
      SELECT t, x.key, x.kind, x.profile_id, x.type, x.limit_group, x.shared, x.first_names, x.match, x.seq
        FROM jsonb_to_recordset(w->'n') AS x(key text, kind text, profile_id text, type text, limit_group text, shared boolean, first_names jsonb, match jsonb, seq bigint)
      ON CONFLICT (tenant_id, key) DO UPDATE SET kind = EXCLUDED.kind, profile_id = EXCLUDED.profile_id, type = EXCLUDED.type,
        limit_group = EXCLUDED.limit_group, shared = EXCLUDED.shared, first_names = EXCLUDED.first_names, match = EXCLUDED.match, seq = EXCLUDED.seq;
    END IF;
    IF jsonb_array_length(coalesce(w->'e', '[]')) > 0 THEN
      INSERT INTO identity_edges (tenant_id, id, kind, a, b, source, record_id, at, seq, status, reason, detail)
      SELECT t, x.id, x.kind, x.a, x.b, x.source, x.record_id, x.at, x.seq, x.status, x.reason, x.detail
        FROM jsonb_to_recordset(w->'e') AS x(id text, kind text, a text, b text, source text, record_id text, at text, seq bigint, status text, reason text, detail jsonb)
      ON CONFLICT (tenant_id, id) DO UPDATE SET kind = EXCLUDED.kind, a = EXCLUDED.a, b = EXCLUDED.b, source = EXCLUDED.source, record_id = EXCLUDED.record_id,
        at = EXCLUDED.at, seq = EXCLUDED.seq, status = EXCLUDED.status, reason = EXCLUDED.reason, detail = EXCLUDED.detail;
    END IF;
    IF jsonb_array_length(coalesce(w->'p', '[]')) > 0 THEN
      INSERT INTO identity_profiles (tenant_id, id, created_at, seq)
      SELECT t, x.id, x.created_at, x.seq FROM jsonb_to_recordset(w->'p') AS x(id text, created_at timestamptz, seq bigint)
      ON CONFLICT (tenant_id, id) DO UPDATE SET created_at = EXCLUDED.created_at, seq = EXCLUDED.seq;
    END IF;
    IF jsonb_array_length(coalesce(w->'dp', '[]')) > 0 THEN
      DELETE FROM identity_profiles WHERE tenant_id = t AND id IN (SELECT jsonb_array_elements_text(w->'dp'));
    END IF;
    IF jsonb_array_length(coalesce(w->'bk', '[]')) > 0 THEN
      -- Keys a record no longer has are deleted, its current ones inserted.
      -- Found record by record (an index equality, OFFSET 0 keeps it one), deleted by row id: no scan
      -- of the tenant's whole blocking index, whatever the planner thinks the tenant holds.
      DELETE FROM identity_blocking_keys b WHERE b.ctid = ANY (ARRAY(
        SELECT y.ctid FROM jsonb_to_recordset(w->'bk') AS x(record_key text, keys jsonb),
          LATERAL (SELECT z.ctid, z.key FROM identity_blocking_keys z WHERE z.tenant_id = t AND z.record_key = x.record_key OFFSET 0) y
         WHERE NOT (x.keys ? y.key)));
      INSERT INTO identity_blocking_keys (tenant_id, key, record_key)
      SELECT t, k.key, x.record_key FROM jsonb_to_recordset(w->'bk') AS x(record_key text, keys jsonb), jsonb_array_elements_text(x.keys) AS k(key)
      ON CONFLICT DO NOTHING;
    END IF;
    FOR op IN SELECT value FROM jsonb_array_elements(coalesce(w->'ops', '[]')) LOOP
      CASE op->>'op'
        WHEN 'cannot+' THEN
          INSERT INTO identity_cannot_links (tenant_id, a, b, source, record_id, at)
          VALUES (t, op->>'a', op->>'b', op->>'source', op->>'record_id', op->>'at') ON CONFLICT (tenant_id, a, b) DO NOTHING;
        WHEN 'cannot-' THEN
          DELETE FROM identity_cannot_links WHERE tenant_id = t AND (a IN (SELECT jsonb_array_elements_text(op->'keys')) OR b IN (SELECT jsonb_array_elements_text(op->'keys')));
        WHEN 'review+' THEN
          -- A decided item keeps its decision when the same evidence shows up again.
          INSERT INTO identity_reviews (tenant_id, id, public_id, kind, a, b, profiles, reason, detail, source, record_id, at)
          SELECT t, x.id, x.public_id, x.kind, x.a, x.b, x.profiles, x.reason, x.detail, x.source, x.record_id, x.at
            FROM jsonb_to_recordset(op->'items') AS x(id text, public_id text, kind text, a text, b text, profiles jsonb, reason text, detail jsonb, source text, record_id text, at text)
          ON CONFLICT (tenant_id, id) DO UPDATE SET profiles = EXCLUDED.profiles, detail = EXCLUDED.detail, reason = EXCLUDED.reason;
        WHEN 'review-' THEN
          DELETE FROM identity_reviews WHERE tenant_id = t AND (a IN (SELECT jsonb_array_elements_text(op->'keys')) OR b IN (SELECT jsonb_array_elements_text(op->'keys')));
        WHEN 'alias' THEN
          INSERT INTO identity_profile_aliases (tenant_id, profile_id, merged_into) VALUES (t, op->>'profile', op->>'into')
          ON CONFLICT (tenant_id, profile_id) DO UPDATE SET merged_into = EXCLUDED.merged_into, at = now();
          UPDATE identity_profile_aliases SET merged_into = op->>'into' WHERE tenant_id = t AND merged_into = op->>'profile';
        ELSE
          RAISE EXCEPTION 'identity_apply: unknown op %', op->>'op';
      END CASE;
    END LOOP;
    IF jsonb_array_length(coalesce(w->'er', '[]')) > 0 THEN
      INSERT INTO identity_event_records (tenant_id, event_id, record_key)
      SELECT t, x.event_id, x.record_key FROM jsonb_to_recordset(w->'er') AS x(event_id text, record_key text)
      ON CONFLICT DO NOTHING;
    END IF;
    RETURN 'ok';
  EXCEPTION
    WHEN deadlock_detected THEN RETURN 'deadlock';
    WHEN SQLSTATE 'BTSTL' THEN RETURN 'stale';
    WHEN SQLSTATE 'BTBSY' THEN RETURN 'busy';
  END;
END
$fn$;
`;
