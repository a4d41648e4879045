/**
 * The identity graph (app/identity/graph/store.ts): nodes (source records and identifiers), evidence
 * edges with provenance, profiles, "not the same person" constraints, review items (conflicts,
 * possible matches, country-quirk candidates), the blocking index for online matching, profile
 * aliases left by merges and splits, and which record each event was resolved through.
 * tenant_id leads every key. Everything here is personal data: privacy erasure deletes it.
 */
export const sql = `
CREATE SEQUENCE identity_seq INCREMENT BY 64;

CREATE TABLE identity_profiles (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          text NOT NULL,
  created_at  timestamptz NOT NULL,
  seq         bigint NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE identity_nodes (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key          text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('record', 'identifier')),
  profile_id   text,
  type         text,
  limit_group  text,
  shared       boolean NOT NULL DEFAULT false,
  first_names  jsonb NOT NULL DEFAULT '[]'::jsonb,
  match        jsonb,
  seq          bigint NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX identity_nodes_profile_idx ON identity_nodes (tenant_id, profile_id) WHERE profile_id IS NOT NULL;

CREATE TABLE identity_edges (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          text NOT NULL,
  kind        text NOT NULL,
  a           text NOT NULL,
  b           text NOT NULL,
  source      text NOT NULL,
  record_id   text NOT NULL,
  at          text NOT NULL,
  seq         bigint NOT NULL,
  status      text NOT NULL CHECK (status IN ('active', 'conflict', 'inactive')),
  reason      text,
  detail      jsonb,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX identity_edges_a_idx ON identity_edges (tenant_id, a);
CREATE INDEX identity_edges_b_idx ON identity_edges (tenant_id, b);

CREATE TABLE identity_cannot_links (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  a           text NOT NULL,
  b           text NOT NULL,
  source      text NOT NULL,
  record_id   text NOT NULL,
  at          text NOT NULL,
  PRIMARY KEY (tenant_id, a, b)
);
CREATE INDEX identity_cannot_links_b_idx ON identity_cannot_links (tenant_id, b);

-- Review items. public_id is the URL-safe id of the API (/possible-matches/:id); status tracks the
-- decision of the person reviewing.
CREATE TABLE identity_reviews (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          text NOT NULL,
  public_id   text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('conflict', 'possible-match', 'quirk-candidate')),
  a           text NOT NULL,
  b           text NOT NULL,
  profiles    jsonb NOT NULL,
  reason      text,
  detail      jsonb,
  source      text NOT NULL,
  record_id   text NOT NULL,
  at          text NOT NULL,
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'rejected')),
  decided_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, public_id)
);
CREATE INDEX identity_reviews_a_idx ON identity_reviews (tenant_id, a);
CREATE INDEX identity_reviews_b_idx ON identity_reviews (tenant_id, b);

CREATE TABLE identity_blocking_keys (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key         text NOT NULL,
  record_key  text NOT NULL,
  PRIMARY KEY (tenant_id, key, record_key)
);
CREATE INDEX identity_blocking_keys_record_idx ON identity_blocking_keys (tenant_id, record_key);

-- A profile that was merged away or split points to where (most of) its members went.
CREATE TABLE identity_profile_aliases (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id   text NOT NULL,
  merged_into  text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, profile_id)
);
CREATE INDEX identity_profile_aliases_into_idx ON identity_profile_aliases (tenant_id, merged_into);

CREATE TABLE identity_event_records (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  event_id    text NOT NULL,
  record_key  text NOT NULL,
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX identity_event_records_record_idx ON identity_event_records (tenant_id, record_key);
`;
