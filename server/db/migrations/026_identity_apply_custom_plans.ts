/**
 * identity_apply (024) planned for the tenant at hand on every call (issue #16, target 4). PL/pgSQL
 * keeps a generic plan of each statement after five calls, made while the identity tables were small
 * and had no statistics: it could look up a key's edges `a = key` through the index on (tenant_id, b),
 * filtering every edge of the tenant, and delete a record's blocking keys by hashing all of the tenant's
 * (each apply slower as the tenant grows). With plan_cache_mode = force_custom_plan each statement is
 * planned with the call's values and the tables' current size, as the read statement always is; the
 * blocking keys a record no longer has are found record by record and deleted by row id. The advisory
 * locks are taken in one statement instead of one per lock. Same arguments, same results.
 */
export const sql = `
CREATE OR REPLACE FUNCTION identity_apply(t text, k1 int[], k2 int[], checks jsonb, w jsonb, wait boolean) RETURNS text LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
  bad boolean;
  op jsonb;
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
    -- the planner knows no statistics of new tables.
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
