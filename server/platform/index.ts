/**
 * The platform: the one module a vendor folder (`connectors/<vendor>/`) may import from `server/`.
 *
 * A vendor plugs into the service as a capability module and uses the server only through what is
 * re-exported here: the database, the work queue and its job types, HTTP error helpers, the module
 * and service-registry types, the services other capabilities offer (identity, cards, runs, outcomes),
 * logging, metrics, configuration and the secret box. Anything else under `server/` is a capability's
 * internals and stays out of reach (ESLint `no-restricted-imports` and dependency-cruiser enforce it).
 *
 * This file never imports a vendor folder (the server picks vendors up in `server/modules.ts`).
 * Add an export here only when a vendor needs it, next to its kin.
 */

// Configuration, storage, security
export type { Config } from '../config';
export type { Database, Queryable } from '../db/database';
export type { SecretBox } from '../security/secret-box';
export { newId, newToken } from '../security/ids';
export { createTenant } from '../tenants/tenants.repository';

// Module shape and the service registry
export { defineModule, provide, type ModuleContext, type ModuleFactory, type ServiceModule } from '../module';
export type { ServiceRegistry } from '../services';

// Durable work
export type { WorkQueue } from '../dispatch/work-queue';
export { Doorbell } from '../dispatch/doorbell';
export { RateLimitedError, RetryLaterError, type JobHandler } from '../dispatch/work-runner';
export type { JobRef } from '../dispatch/outbox.repository';
export { startPeriodic, type Periodic } from '../dispatch/periodic';

// Events in: storing a vendor's canonical event, and pipeline stages
export { ingestEvent, ingestEvents, type Identify, type IdentifyMany } from '../events/events.repository';
export type { EventStage } from '../events/event-processor';

// HTTP
export { assertNoNul, HttpError, notConfigured, validationError } from '../http/errors';
export { tenantOf } from '../http/auth';

// Observability
export type { Logger } from '../observability/logger';
export type { Metrics } from '../observability/metrics';

// The manifest (scopes, webhooks, cards and actions each CRM platform declares)
export { manifestSchema, type Manifest } from '../manifest/manifest.schema';

// Services other capabilities offer
export { IDENTITY_SERVICE } from '../identity/identity.module';
export { toRaw, type IdentityService } from '../identity/identity.service';
// Identity's profile lookups vendors still read directly (record ↔ profile mapping, purges).
export { beginErasure, currentProfileId, eraseProfileData, profileAliases } from '../identity/profiles.repository';
export { CARD_SERVICE, type CardService } from '../cards/card.service';
export { OUTCOME_SERVICE, type OutcomeService } from '../decisioning/outcome.service';
// The policy settings HubSpot's settings page reads and writes.
export { loadConfig, loadPolicyInput, savePolicies } from '../decisioning/settings.repository';
export { ACTION_REGISTRY, DECIDER, RUNS_SERVICE } from '../runs/runs.module';
export type { RunsService } from '../runs/runs.service';
export { SqlPlaybookStore } from '../runs/playbook.repository';
// The one effect ledger (at most one effect per idempotency key, every vendor)
export { SqlEffectLedger } from '../effects/effect-ledger.repository';

// Connections (Zendesk, Twilio, WhatsApp, warehouses) and messaging: storing vendor events, channel state, the message port's senders
export { ConnectionsRepository, type Connection } from '../connections/connections.repository';
export type { TwilioConfig, WarehouseConfig, WhatsAppConfig, ZendeskConfig } from '../connections/connection-config';
export { badSignature, connectorIngest, parseJsonBody, unknownConnection, type Ingest } from '../messaging/ingest';
export { linkProfile, recordConsent, recordInbound, upsertTicket, type MessagingChannel } from '../messaging/messaging-state.repository';
export { addressKey, consentEvent, DELIVERY_RANK } from '../messaging/channel-state';
export { profileAddresses } from '../messaging/recipients';
export { MESSAGE_SENDERS, templateRequired, type MessageSender, type SendOutcome } from '../messaging/senders';
// The one connection store (every vendor's connection or installation row)
export {
  connectionStore,
  ConnectionUniqueError,
  type ConnectionFilter,
  type SealedSecrets,
  type StoredConnection,
} from '../connections/connection-store.repository';
// Identity's public reads of record ↔ profile mapping (vendors never read identity's tables)
export { identifierValuesOfProfile, profileOfNodeKey } from '../identity/identifier-lookups.repository';
