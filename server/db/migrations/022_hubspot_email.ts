/**
 * HubSpot email on every tier (issue #20): per portal, which email routes Baton may use and why
 * (learned from the granted scopes at install, turned off when HubSpot answers 403 for a route); every
 * email Baton sent (route, recipient, HubSpot send id) so engagement events can be matched to Baton's
 * own sends; and per portal the stored cursor of the email-events poll.
 */
export const sql = `
CREATE TABLE hubspot_email_capabilities (
  tenant_id    text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  portal_id    text NOT NULL,
  routes       jsonb NOT NULL,
  scopes       jsonb NOT NULL DEFAULT '[]'::jsonb,
  learned_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, portal_id)
);

CREATE TABLE hubspot_email_sends (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key  text NOT NULL,
  portal_id        text NOT NULL,
  profile_id       text NOT NULL,
  contact_id       text NOT NULL,
  run_id           text,
  route            text NOT NULL,
  recipient        text NOT NULL,
  send_id          text,
  sent_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX hubspot_email_sends_recipient_idx ON hubspot_email_sends (portal_id, lower(recipient), sent_at);

CREATE TABLE hubspot_email_event_cursors (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  portal_id        text NOT NULL,
  start_ms         bigint NOT NULL,
  end_ms           bigint,
  offset_token     text,
  polled_at        timestamptz,
  last_error       text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, portal_id)
);
`;
