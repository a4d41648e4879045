/**
 * One effect ledger (issue #15): the four per-vendor ledgers — hubspot_effects (005),
 * salesforce_effects (006), messaging_effects (007) and action_effects (002, the test recording port) —
 * become one table, effect_ledger, read and written only by server/effects/effect-ledger.repository.ts
 * (the EffectLedger port of app/orchestration). Every stored row is copied, then the old tables go.
 *
 * Column mapping: `vendor` is the vendor acting (hubspot, salesforce, the messaging provider twilio /
 * whatsapp / zendesk, recorder for action_effects); `account_id` the HubSpot portal or the messaging
 * connection; the states become one set (pending, unknown, done, failed): HubSpot's `attempting` and
 * Salesforce's `started` are `pending`; action_effects rows are `done` with `attempts = replays + 1` and
 * their params as `request`. One key is one effect whichever vendor performs it, so the key stays the
 * primary key; a key stored in two old ledgers (no port shares keys: each belongs to one run step) would
 * fail this migration rather than lose a row.
 */
export const sql = `
CREATE TABLE effect_ledger (
  tenant_id         text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key   text NOT NULL,
  vendor            text NOT NULL,
  kind              text NOT NULL,
  account_id        text,
  channel           text,
  recipient         text,
  profile_id        text,
  run_id            text,
  step_id           text,
  state             text NOT NULL CHECK (state IN ('pending', 'unknown', 'done', 'failed')),
  provider_ref      text,
  delivery_status   text,
  delivery_rank     integer NOT NULL DEFAULT 0,
  error_code        text,
  request           jsonb NOT NULL DEFAULT '{}'::jsonb,
  output            jsonb,
  attempts          integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX effect_ledger_ref_idx ON effect_ledger (tenant_id, vendor, provider_ref) WHERE provider_ref IS NOT NULL;
CREATE INDEX effect_ledger_profile_idx ON effect_ledger (tenant_id, profile_id) WHERE profile_id IS NOT NULL;
CREATE INDEX effect_ledger_run_idx ON effect_ledger (tenant_id, run_id) WHERE run_id IS NOT NULL;
CREATE INDEX effect_ledger_vendor_idx ON effect_ledger (tenant_id, vendor, kind);

INSERT INTO effect_ledger (tenant_id, idempotency_key, vendor, kind, account_id, state, output, attempts, created_at, updated_at)
SELECT tenant_id, idempotency_key, 'hubspot', kind, portal_id, CASE status WHEN 'done' THEN 'done' ELSE 'pending' END, output, attempts, created_at, updated_at
  FROM hubspot_effects;

INSERT INTO effect_ledger (tenant_id, idempotency_key, vendor, kind, state, output, attempts, created_at, updated_at)
SELECT tenant_id, idempotency_key, 'salesforce', kind, CASE status WHEN 'done' THEN 'done' ELSE 'pending' END, output, 1, created_at, updated_at
  FROM salesforce_effects;

INSERT INTO effect_ledger (tenant_id, idempotency_key, vendor, kind, account_id, channel, recipient, profile_id, run_id, state, provider_ref,
                           delivery_status, delivery_rank, error_code, request, output, attempts, created_at, updated_at)
SELECT tenant_id, idempotency_key, provider, kind, connection_id, channel, recipient, profile_id, run_id, state, provider_ref,
       delivery_status, delivery_rank, error_code, request, output, attempts, created_at, updated_at
  FROM messaging_effects;

INSERT INTO effect_ledger (tenant_id, idempotency_key, vendor, kind, profile_id, run_id, step_id, state, request, output, attempts, created_at, updated_at)
SELECT tenant_id, idempotency_key, 'recorder', kind, profile_id, run_id, step_id, 'done', params, output, replays + 1, created_at, coalesce(last_replayed_at, created_at)
  FROM action_effects;

DROP TABLE hubspot_effects;
DROP TABLE salesforce_effects;
DROP TABLE messaging_effects;
DROP TABLE action_effects;
`;
