/**
 * identity_read(): the identity store's one read statement (server/identity/graph-store.repository.ts)
 * as a function (issue #16, target 4). Sent as a 4 kB statement, it was parsed and analysed on every
 * call, about as much of the database's CPU as planning and running it; a PL/pgSQL function parses it
 * once per session. It is still planned on every call with the call's values (plan_cache_mode =
 * force_custom_plan, as the statement was: no generic plan made while the tables were small, see 026).
 * The result is built as json instead of jsonb (cheaper to aggregate; the client parses either the
 * same), nodes and edges without the tenant id. Same arguments, one snapshot, same rows and
 * fingerprints (md5 of each whole row's text, as identity_apply computes them).
 *
 * $1 tenant, $2 node keys, $3 keys whose edges are read, $4 profiles whose members are read, $5 keys
 * whose cannot-links are read, $6 profile rows, $7/$8 blocking keys and the record each is for ('' =
 * always; else only while that record is not in the graph), $9 max block size, $10 blocks of sequence
 * values to draw, $11 closure: also the profiles of the nodes read, their members, and the
 * cannot-links of all of them.
 */
const NODE = 'key, kind, profile_id, type, limit_group, shared, first_names, match, seq, fp';
const EDGE = 'id, kind, a, b, source, record_id, at, seq, status, reason, detail';

export const sql = `
CREATE FUNCTION identity_read(text, text[], text[], text[], text[], text[], text[], text[], int, int, boolean)
RETURNS TABLE (o_nodes json, o_members json, o_member_fps json, o_edges json, o_edge_fps json, o_cannot json, o_cannot_fps json,
               o_profiles json, o_blocks json, o_block_members json, o_candidates json, o_seq json)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $fn$
BEGIN
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
`;
