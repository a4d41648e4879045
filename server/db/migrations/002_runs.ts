/**
 * Playbooks (versioned definitions), durable runs with their step executions, and the effects
 * table of the built-in action port. Every key starts with tenant_id.
 */
export const sql = `
-- A playbook version's definition never changes once inserted; only its status does.
CREATE TABLE playbooks (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          text NOT NULL,
  version     integer NOT NULL CHECK (version >= 1),
  status      text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
  name        text NOT NULL,
  definition  jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id, version)
);
CREATE INDEX playbooks_published_idx ON playbooks (tenant_id, id, version DESC) WHERE status = 'published';

-- One row per run; "version" is the optimistic-concurrency counter (compare-and-set on every commit).
CREATE TABLE runs (
  tenant_id           text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                  text NOT NULL,
  playbook_id         text NOT NULL,
  playbook_version    integer NOT NULL,
  profile_id          text NOT NULL,
  concurrency_key     text,
  status              text NOT NULL CHECK (status IN ('pending', 'running', 'waiting', 'failed', 'completed', 'exited', 'cancelled')),
  context             jsonb NOT NULL DEFAULT '{}'::jsonb,
  cursor              text,
  waiting_for         text,
  wake_at             timestamptz,
  error               jsonb,
  ended_by            jsonb,
  lease_owner         text,
  lease_expires_at    timestamptz,
  resume_count        integer NOT NULL DEFAULT 0,
  consumed_event_ids  jsonb NOT NULL DEFAULT '[]'::jsonb,
  version             integer NOT NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  started_at          timestamptz,
  ended_at            timestamptz,
  PRIMARY KEY (tenant_id, id)
);
-- At most one ACTIVE run per (tenant, concurrency key) = (playbook, profile) for one_per_profile playbooks.
CREATE UNIQUE INDEX runs_active_concurrency_uq ON runs (tenant_id, concurrency_key)
  WHERE concurrency_key IS NOT NULL AND status IN ('pending', 'running', 'waiting', 'failed');
CREATE INDEX runs_profile_idx ON runs (tenant_id, profile_id, created_at);
CREATE INDEX runs_status_idx ON runs (tenant_id, status, created_at);
-- The stuck-run sweep looks for unfinished runs whose wake-up or lease is overdue.
CREATE INDEX runs_overdue_idx ON runs ((coalesce(wake_at, lease_expires_at))) WHERE status IN ('pending', 'running', 'waiting');

CREATE TABLE run_steps (
  tenant_id           text NOT NULL,
  run_id              text NOT NULL,
  step_id             text NOT NULL,
  position            integer NOT NULL,
  kind                text NOT NULL,
  status              text NOT NULL CHECK (status IN ('scheduled', 'running', 'retrying', 'waiting', 'succeeded', 'failed', 'cancelled')),
  input               jsonb,
  output              jsonb,
  attempt             integer NOT NULL DEFAULT 0,
  rate_limit_waits    integer NOT NULL DEFAULT 0,
  error               jsonb,
  idempotency_key     text,
  key_generation      integer NOT NULL DEFAULT 0,
  decision            jsonb,
  due_at              timestamptz,
  attempts            jsonb NOT NULL DEFAULT '[]'::jsonb,
  scheduled_at        timestamptz NOT NULL,
  started_at          timestamptz,
  attempt_started_at  timestamptz,
  finished_at         timestamptz,
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, run_id, step_id),
  FOREIGN KEY (tenant_id, run_id) REFERENCES runs (tenant_id, id) ON DELETE CASCADE
);

-- Effects of the built-in action port: at most one row (one effect) per idempotency key, ever.
-- "replays" counts later calls with the same key that were answered from this row without acting.
CREATE TABLE action_effects (
  tenant_id         text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key   text NOT NULL,
  run_id            text NOT NULL,
  step_id           text NOT NULL,
  profile_id        text NOT NULL,
  kind              text NOT NULL,
  params            jsonb NOT NULL DEFAULT '{}'::jsonb,
  output            jsonb NOT NULL,
  replays           integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_replayed_at  timestamptz,
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX action_effects_run_idx ON action_effects (tenant_id, run_id);

-- Run wake-ups are coalesced only with a PENDING row for the same run and instant (a finished row
-- must never swallow a re-armed wake-up), so they do not use the outbox's all-time dedupe key.
CREATE INDEX outbox_run_advance_idx ON outbox (tenant_id, (payload->>'runId'), due_at) WHERE kind = 'run.advance' AND status = 'pending';
`;
