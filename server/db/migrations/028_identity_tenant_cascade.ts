/**
 * The identity graph's tables lose their foreign keys to `tenants` (issue #16, target 4). Each row an
 * identity_apply call inserts fired a foreign key check (a SELECT … FOR KEY SHARE of the tenant's row,
 * about 150 per micro-batch of ingested events, ~20% of the database's CPU for the batch); the tenant
 * id identity writes always comes from the caller's authenticated tenant, which exists.
 *
 * What the keys did besides: `ON DELETE CASCADE`. Deleting a tenant still deletes its identity rows,
 * now by a trigger on `tenants` (same transaction, same statement). A transaction writing a tenant's
 * identity rows while the tenant is deleted: the ingest path's transaction also writes the tenant's
 * events (whose foreign key stays), so the delete waits for it and then deletes what it wrote (each
 * statement of the trigger reads the rows committed before it runs). identity_models keeps its key
 * (written once per training).
 */
const TABLES = [
  'identity_profiles',
  'identity_nodes',
  'identity_edges',
  'identity_cannot_links',
  'identity_reviews',
  'identity_blocking_keys',
  'identity_profile_aliases',
  'identity_event_records',
] as const;

export const sql = `
${TABLES.map((t) => `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${t}_tenant_id_fkey;`).join('\n')}

CREATE FUNCTION identity_tenant_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
${TABLES.map((t) => `  DELETE FROM ${t} WHERE tenant_id = OLD.id;`).join('\n')}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER identity_tenant_deleted AFTER DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION identity_tenant_deleted();
`;
