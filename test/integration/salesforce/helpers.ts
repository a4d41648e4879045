import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyCard, type CardActionRequest, type CardView } from '../../../app/cards/card-view';
import { signRequest } from '../../../connectors/salesforce/client';
import { CARD_SERVICE, type CardService } from '../../../server/cards/card.service';
import { OUTCOME_SERVICE } from '../../../server/decisioning/outcome.service';
import { parseConfig } from '../../../server/config';
import { identityModule } from '../../../server/identity/identity.module';
import type { ModuleFactory } from '../../../server/module';
import { runsModule } from '../../../server/runs';
import { startService, type Runtime } from '../../../server/runtime';
import { salesforceModuleWith } from '../../../connectors/salesforce/salesforce.module';
import type { SalesforceSandbox } from '../../sandboxes/salesforce';
import { TEST_KEY } from '../../support/runtime';
import { TEST_DATABASE_URL } from '../../support/services';

export interface StubValues {
  stage?: NonNullable<CardView['journey']>['stage'];
  hotness?: number;
  nextAction?: { decisionId: string; id: string; label: string; reason: string };
}

/**
 * Stands in for the decisioning module's card service (built separately): the card of a profile shows
 * what the test put in `values`; button presses are recorded.
 */
export interface StubOutcome {
  tenantId: string;
  decisionId: string;
  outcome: 'positive' | 'negative';
  value: number | undefined;
}

export function stubCards(
  values: Map<string, StubValues>,
  acts: { tenantId: string; request: CardActionRequest; source: string }[],
  outcomes: StubOutcome[] = [],
): ModuleFactory {
  const service: CardService = {
    async view(_tenantId, profileId) {
      const v = values.get(profileId);
      const now = new Date().toISOString();
      const card = emptyCard(new Date());
      if (v === undefined) return { ...card, profileId };
      return {
        ...card,
        profileId,
        journey: v.stage === undefined ? null : { stage: v.stage, enteredAt: now, timeInStageMs: 0, history: [] },
        hotness: v.hotness === undefined ? null : { score: v.hotness, trend: 'rising', updatedAt: now },
        nextBestAction:
          v.nextAction === undefined
            ? null
            : {
                decisionId: v.nextAction.decisionId,
                action: { id: v.nextAction.id, label: v.nextAction.label, channel: 'task' },
                score: 0.5,
                propensity: 0.3,
                reasons: [{ code: 'score.propensity', text: v.nextAction.reason }],
                requiresApproval: false,
                status: 'proposed',
                decidedAt: now,
              },
      };
    },
    async act(tenantId, request, actor) {
      acts.push({ tenantId, request, source: actor.source });
      return { message: 'done', card: await service.view(tenantId, request.profileId) };
    },
  };
  return (ctx) => {
    ctx.services.provide(CARD_SERVICE, service);
    // Stands in for decisioning's outcome recording: each decision settles once.
    ctx.services.provide(OUTCOME_SERVICE, {
      async record(tenantId, decisionId, outcome, value) {
        if (outcomes.some((o) => o.tenantId === tenantId && o.decisionId === decisionId))
          return { ok: false, decisionId, reason: 'already_settled' };
        outcomes.push({ tenantId, decisionId, outcome, value });
        return { ok: true, decisionId, outcome, learned: true };
      },
      // No runs carry out decisions here.
      recordForRun: async () => null,
    });
    return { name: 'test-cards' };
  };
}

export function sfModules(
  values: Map<string, StubValues>,
  acts: { tenantId: string; request: CardActionRequest; source: string }[],
  outcomes: StubOutcome[] = [],
): ModuleFactory[] {
  return [
    identityModule,
    runsModule({ engine: { leaseMs: 5_000 }, stuckSweepIntervalMs: 500, stuckGraceMs: 2_000 }),
    stubCards(values, acts, outcomes),
    salesforceModuleWith({ streamPollMs: 200, streamLeaseMs: 3_000, streamRestartMs: 200, rateLimitRetryMs: 100 }),
  ];
}

export const sfEnv = (sb: SalesforceSandbox): Record<string, string> => ({
  SALESFORCE_CLIENT_ID: 'sandbox-client-id',
  SALESFORCE_CLIENT_SECRET: 'sandbox-client-secret',
  SALESFORCE_LOGIN_URL: sb.url,
  SALESFORCE_PUBSUB_ENDPOINT: sb.pubsub.address,
  SALESFORCE_PUBSUB_TLS: 'false',
});

/** The whole service on PostgreSQL (in-process dispatch) in a given schema, so a test can stop and restart it. */
export async function startOnSchema(schema: string, sb: SalesforceSandbox, modules: ModuleFactory[]): Promise<Runtime> {
  const config = parseConfig({
    PORT: '0',
    LOG_LEVEL: process.env['SF_LOG'] ?? 'silent',
    BATON_ENCRYPTION_KEY: TEST_KEY,
    BATON_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'baton-sf-')),
    DATABASE_URL: TEST_DATABASE_URL,
    ...sfEnv(sb),
  });
  return startService(config, { host: '127.0.0.1', schema, modules, sweepIntervalMs: 100, redispatchAfterMs: 500 });
}

/** Installs Baton in the sandbox org the way an admin does: install → Salesforce consent → callback. */
export async function installOrg(
  baseUrl: string,
): Promise<{ status: number; body: { connected?: boolean; orgId: string; tenantId: string; apiKey?: string; newTenant: boolean } }> {
  const start = await fetch(`${baseUrl}/oauth/salesforce/install`, { redirect: 'manual' });
  const authorize = start.headers.get('location');
  if (start.status !== 302 || authorize === null) throw new Error(`install answered ${start.status}`);
  const consent = await fetch(authorize, { redirect: 'manual' });
  const back = consent.headers.get('location');
  if (back === null) throw new Error('the sandbox did not redirect back');
  const res = await fetch(`${baseUrl}/oauth/salesforce/callback?${new URL(back).searchParams.toString()}`);
  return { status: res.status, body: (await res.json()) as never };
}

/** A request signed the way the package's Apex code signs it. */
export async function signedFetch(
  baseUrl: string,
  secret: string,
  orgId: string,
  method: string,
  pathWithQuery: string,
  body?: unknown,
  at = Math.floor(Date.now() / 1000),
): Promise<Response> {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(at);
  const signature = signRequest(secret, { method, path: pathWithQuery, timestamp, orgId, body: payload });
  return fetch(`${baseUrl}${pathWithQuery}`, {
    method,
    headers: {
      'x-baton-org': orgId,
      'x-baton-timestamp': timestamp,
      'x-baton-signature': signature,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: payload }),
  });
}
