/**
 * A decision's record and draft are compressed with lz4 where the server has it (issue #16).
 *
 * A decision's record carries its explanation (every catalog action's fate, factors and reasons):
 * ~5.8 kB of JSON that PostgreSQL compresses to ~1.8 kB on every insert. With the default (pglz) the
 * compression was a large share of the insert, one insert per decision: measured alone (3,000 inserts
 * of the sustained bench's own records, three alternated pairs), the database's CPU went 950 / 950 /
 * 1,200 ms with pglz against 640 / 870 / 730 ms with lz4. lz4 also decompresses faster (the cards and
 * the open-decision reads return records). Values written before keep their compression; both are read
 * alike. A server built without lz4 (PGlite, the embedded mode) answers feature_not_supported, one
 * before PostgreSQL 14 a syntax error: the columns keep the default there.
 */
export const sql = `
DO $do$
BEGIN
  -- Run as text, so a server without SET COMPRESSION (before PostgreSQL 14) fails here, where it is caught.
  EXECUTE 'ALTER TABLE decisions ALTER COLUMN record SET COMPRESSION lz4, ALTER COLUMN draft SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
  NULL;
END
$do$;
`;
