/**
 * Decisioning: the tenant's action catalog and policies, understood signals per event, journey state
 * (with hotness and transition history), open tickets and consent per channel, decisions with their
 * full explanation and status, outcomes, learned posteriors per (action, segment), the persistent
 * holdout assignment and contact history for frequency caps. tenant_id leads every key.
 * Personal rows go with the person: event signals cascade from events, and the module's erase hook
 * (server/decisioning/erasure.ts) removes the rest inside identity's erasure transaction.
 */
export const sql = `
CREATE TABLE decisioning_actions (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          text NOT NULL,
  position    integer NOT NULL,
  definition  jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE decisioning_policies (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  config      jsonb NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);

CREATE TABLE event_signals (
  tenant_id          text NOT NULL,
  event_id           text NOT NULL,
  profile_id         text,
  occurred_at        timestamptz NOT NULL,
  intent             text NOT NULL,
  intent_confidence  double precision NOT NULL,
  sentiment          double precision NOT NULL,
  sentiment_label    text NOT NULL CHECK (sentiment_label IN ('positive', 'neutral', 'negative')),
  urgency            text NOT NULL CHECK (urgency IN ('low', 'medium', 'high')),
  language           text,
  legal_threat       boolean NOT NULL DEFAULT false,
  channel            text,
  extractor          text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id),
  FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX event_signals_profile_idx ON event_signals (tenant_id, profile_id, occurred_at DESC);

-- Which events the journey/outcome stage has applied (redelivery must not count an event twice).
CREATE TABLE decisioning_applied_events (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  event_id    text NOT NULL,
  profile_id  text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);

-- Journey stage, hotness and what the decision needs to know about the person.
CREATE TABLE journey_states (
  tenant_id           text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id          text NOT NULL,
  stage               text NOT NULL,
  entered_at          timestamptz NOT NULL,
  hotness_score       double precision NOT NULL DEFAULT 0,
  hotness_as_of       timestamptz NOT NULL,
  last_signal_at      timestamptz,
  last_signal_weight  double precision,
  traits              jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_inbound        jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, profile_id)
);

CREATE TABLE journey_transitions (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id  text NOT NULL,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  from_stage  text,
  to_stage    text NOT NULL,
  at          timestamptz NOT NULL,
  rule_id     text NOT NULL,
  reason      text NOT NULL,
  event_id    text,
  PRIMARY KEY (tenant_id, profile_id, seq)
);

CREATE TABLE profile_tickets (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id  text NOT NULL,
  ticket_id   text NOT NULL,
  priority    text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  status      text NOT NULL CHECK (status IN ('open', 'solved')),
  opened_at   timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, profile_id, ticket_id)
);

CREATE TABLE profile_consent (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id  text NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
  status      text NOT NULL CHECK (status IN ('opted_in', 'opted_out', 'unknown')),
  source      text NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, profile_id, channel)
);

CREATE TABLE decisions (
  tenant_id            text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                   text NOT NULL,
  profile_id           text NOT NULL,
  decided_at           timestamptz NOT NULL,
  origin               text NOT NULL CHECK (origin IN ('api', 'pipeline', 'run', 'card')),
  idempotency_key      text,
  action_id            text,
  holdout              boolean NOT NULL,
  mode                 text NOT NULL,
  propensity           double precision NOT NULL,
  score                double precision,
  record               jsonb NOT NULL,
  attribution_ends_at  timestamptz NOT NULL,
  status               text NOT NULL CHECK (status IN ('proposed', 'accepted', 'snoozed', 'dismissed', 'deferred', 'none')),
  status_until         timestamptz,
  status_at            timestamptz NOT NULL,
  draft                jsonb,
  run_id               text,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX decisions_profile_idx ON decisions (tenant_id, profile_id, decided_at DESC);

CREATE TABLE decision_outcomes (
  tenant_id       text NOT NULL,
  decision_id     text NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('positive', 'negative')),
  value           double precision NOT NULL,
  at              timestamptz NOT NULL,
  implicit        boolean NOT NULL,
  settlement      jsonb NOT NULL,
  lift_group      text CHECK (lift_group IN ('treated', 'holdout')),
  lift_action_id  text,
  lift_positive   boolean,
  PRIMARY KEY (tenant_id, decision_id),
  FOREIGN KEY (tenant_id, decision_id) REFERENCES decisions (tenant_id, id) ON DELETE CASCADE
);
-- Unsettled decisions whose attribution window has run out (the expiry sweep).
CREATE INDEX decisions_open_idx ON decisions (attribution_ends_at) WHERE action_id IS NOT NULL OR holdout;

CREATE TABLE decisioning_posteriors (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  action_id   text NOT NULL,
  segment     text NOT NULL,
  positives   bigint NOT NULL DEFAULT 0,
  negatives   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, action_id, segment)
);

CREATE TABLE holdout_assignments (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id   text NOT NULL,
  in_holdout   boolean NOT NULL,
  share        double precision NOT NULL,
  salt         text NOT NULL,
  assigned_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, profile_id)
);

CREATE TABLE contact_history (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id   text NOT NULL,
  decision_id  text NOT NULL,
  action_id    text NOT NULL,
  channel      text NOT NULL,
  at           timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, profile_id, decision_id)
);
CREATE INDEX contact_history_at_idx ON contact_history (tenant_id, profile_id, at);

`;
