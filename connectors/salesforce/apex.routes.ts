/**
 * Endpoints the Baton package's Apex code calls (LWC controller and Flow invocable actions), all under
 * `/salesforce/...` and all signed per org (see connectors/salesforce/client/signing.ts): the org named in
 * `X-Baton-Org` must be an active installation and the HMAC over the canonical request must verify
 * with that org's secret, else 401. Flow actions are bulk: `{ requests: [...] }` in, `{ results: [...] }`
 * out, same length and order, one failed item never failing the others. "Record outcome" settles the
 * decision through the decisioning module's OUTCOME_SERVICE (the path of POST /api/v1/decisions/:id/outcome),
 * so the posterior learns and lift counts it, whichever entry point reported it.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { cardActionRequestSchema, emptyCard } from '../../app/cards/card-view';
import type { SalesforceCardAnswer } from '../../app/contracts';
import { startRun } from '../../app/orchestration';
import { SALESFORCE_ID, SIGNATURE_HEADERS, verifyRequest } from './client';
import {
  assertNoNul,
  type CardService,
  type Database,
  HttpError,
  type Logger,
  type OutcomeService,
  type RunsService,
  validationError,
} from '../../server/platform';
import type { Installation, SalesforceInstallations } from './installations';
import { profileOfRecord } from './records.repository';
import { systemClock } from '../../app/shared/clock';

const recordId = z.string().regex(SALESFORCE_ID, 'must be a 15- or 18-character Salesforce id');
const bulk = <T extends z.ZodType>(item: T) =>
  z.strictObject({ requests: z.array(item).min(1).max(200, 'at most 200 requests per call (one Flow batch)') });
const nbaSchema = bulk(z.object({ recordId, context: z.record(z.string(), z.unknown()).optional() }));
const startSchema = bulk(z.object({ recordId, playbookId: z.string().min(1).max(200) }));
const outcomeSchema = bulk(
  z.object({
    recordId,
    decisionId: z.string().min(1).max(200).nullish(),
    outcome: z.enum(['positive', 'negative']),
    value: z.number().finite().optional(),
  }),
);
const cardActionSchema = z.strictObject({ recordId, action: cardActionRequestSchema });

const installOf = (res: Response): Installation => res.locals['salesforceInstall'] as Installation;

export interface ApexDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly installations: SalesforceInstallations;
  /** The services the package's calls use, when their modules are loaded (503 otherwise). */
  readonly cards: CardService | undefined;
  readonly runs: RunsService | undefined;
  readonly outcomes: OutcomeService | undefined;
  readonly now?: () => number;
}

export function apexRoutes(deps: ApexDeps): Router {
  const router = Router();
  const cards = () => {
    const c = deps.cards;
    if (c === undefined) throw new HttpError(503, 'cards_unavailable', 'the card service is not running on this server');
    return c;
  };

  router.use('/salesforce', express.raw({ type: () => true, limit: '1mb' }), async (req: Request, res, next) => {
    const orgId = req.get(SIGNATURE_HEADERS.org) ?? '';
    const timestamp = req.get(SIGNATURE_HEADERS.timestamp) ?? '';
    const signature = req.get(SIGNATURE_HEADERS.signature) ?? '';
    const refuse = (why: string): void => {
      res.status(401).json({ error: { code: 'invalid_signature', message: `request refused: ${why}` } });
    };
    if (orgId === '' || signature === '') return refuse('X-Baton-Org and X-Baton-Signature are required');
    const install = await deps.installations.byOrg(deps.db, orgId);
    if (install === undefined || install.status !== 'active') return refuse('this organization has no active Baton installation');
    const secret = await deps.installations.signingSecret(install);
    if (secret === undefined) return refuse('this organization has no signing secret; install Baton again');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyRequest(
      secret,
      { method: req.method, path: req.originalUrl, timestamp, orgId, body },
      signature,
      Math.floor((deps.now?.() ?? systemClock.now()) / 1000),
    );
    if (!verdict.ok) return refuse(verdict.reason);
    res.locals['salesforceInstall'] = install;
    if (body.length > 0) {
      assertNoNul(body);
      try {
        req.body = JSON.parse(body.toString('utf8')) as unknown;
      } catch {
        throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON');
      }
    } else req.body = {};
    next();
  });

  router.get('/salesforce/cards/record', async (req, res) => {
    const parsed = z.object({ recordId }).safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error, 'query');
    const install = installOf(res);
    const profileId = await profileOfRecord(deps.db, install.tenantId, install.orgId, parsed.data.recordId);
    const card = profileId === null ? emptyCard(new Date(systemClock.now())) : await cards().view(install.tenantId, profileId);
    res.json({ recordId: parsed.data.recordId, card } satisfies SalesforceCardAnswer);
  });

  router.post('/salesforce/cards/actions', async (req, res) => {
    const parsed = cardActionSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error, 'card action');
    const install = installOf(res);
    const profileId = await profileOfRecord(deps.db, install.tenantId, install.orgId, parsed.data.recordId);
    if (profileId === null)
      throw new HttpError(404, 'record_unknown', 'Baton has not seen this record yet; it appears after its next change');
    if (parsed.data.action.profileId !== profileId)
      throw new HttpError(409, 'stale_card', 'this card is out of date (the record now belongs to another profile); refresh it');
    const userId = req.get('x-baton-user');
    res.json(
      await cards().act(install.tenantId, parsed.data.action, { source: 'salesforce', ...(userId === undefined ? {} : { userId }) }),
    );
  });

  router.post('/salesforce/flow/next-best-action', async (req, res) => {
    const parsed = nbaSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error, 'Flow requests');
    const install = installOf(res);
    const results = [];
    for (const r of parsed.data.requests) {
      try {
        const profileId = await profileOfRecord(deps.db, install.tenantId, install.orgId, r.recordId);
        const nba = profileId === null ? null : (await cards().view(install.tenantId, profileId)).nextBestAction;
        results.push(
          nba === null
            ? { recordId: r.recordId, found: false, decisionId: null, actionId: null, actionLabel: null, channel: null, error: null }
            : {
                recordId: r.recordId,
                found: true,
                decisionId: nba.decisionId,
                actionId: nba.action.id,
                actionLabel: nba.action.label,
                channel: nba.action.channel,
                error: null,
              },
        );
      } catch (err) {
        results.push({
          recordId: r.recordId,
          found: false,
          decisionId: null,
          actionId: null,
          actionLabel: null,
          channel: null,
          error: (err as Error).message,
        });
      }
    }
    res.json({ results });
  });

  router.post('/salesforce/flow/start-playbook', async (req, res) => {
    const parsed = startSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error, 'Flow requests');
    const install = installOf(res);
    const runs = deps.runs;
    if (runs === undefined) throw new HttpError(503, 'runs_unavailable', 'playbooks are not running on this server');
    await runs.ensureSamples(install.tenantId);
    const results = [];
    for (const r of parsed.data.requests) {
      const profileId = await profileOfRecord(deps.db, install.tenantId, install.orgId, r.recordId);
      if (profileId === null) {
        results.push({ recordId: r.recordId, runId: null, runStatus: null, error: 'Baton has not seen this record yet' });
        continue;
      }
      const started = await startRun(runs.deps, {
        tenantId: install.tenantId,
        playbookId: r.playbookId,
        profileId,
        context: { salesforce: { orgId: install.orgId, recordId: r.recordId } },
      });
      results.push(
        started.ok
          ? { recordId: r.recordId, runId: started.snapshot.run.id, runStatus: started.snapshot.run.status, error: null }
          : { recordId: r.recordId, runId: null, runStatus: null, error: started.error.message },
      );
    }
    res.json({ results });
  });

  router.post('/salesforce/flow/record-outcome', async (req, res) => {
    const parsed = outcomeSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error, 'Flow requests');
    const install = installOf(res);
    const outcomes = deps.outcomes;
    if (outcomes === undefined) throw new HttpError(503, 'decisioning_unavailable', 'decisioning is not running on this server');
    const results = [];
    // One at a time, in request order: a decision named twice in a batch is settled once, then already_settled.
    for (const r of parsed.data.requests) {
      const failed = (error: string, decisionId: string | null = r.decisionId ?? null) => ({
        recordId: r.recordId,
        status: 'failed',
        recorded: false,
        decisionId,
        learned: false,
        error,
      });
      try {
        const profileId = await profileOfRecord(deps.db, install.tenantId, install.orgId, r.recordId);
        if (profileId === null) {
          results.push(failed('Baton has not seen this record yet'));
          continue;
        }
        // Without a decision id: the record's current next best action (as the HubSpot workflow action does).
        const decisionId = r.decisionId ?? (await cards().view(install.tenantId, profileId)).nextBestAction?.decisionId;
        if (decisionId === undefined) {
          results.push(failed('this record has no decision to settle; pass a Decision Id'));
          continue;
        }
        // The same path as POST /api/v1/decisions/:id/outcome: settles the decision, updates the posterior, counts for lift.
        const result = await outcomes.record(install.tenantId, decisionId, r.outcome, r.value);
        if (result.ok)
          results.push({ recordId: r.recordId, status: 'recorded', recorded: true, decisionId, learned: result.learned, error: null });
        else if (result.reason === 'already_settled' || /already/.test(result.reason))
          results.push({ recordId: r.recordId, status: 'already_settled', recorded: false, decisionId, learned: false, error: null });
        else results.push(failed(result.reason === 'not_found' ? `no decision ${decisionId} in Baton` : result.reason, decisionId));
      } catch (err) {
        deps.logger.warn({ err, orgId: install.orgId }, 'recording a Flow outcome failed');
        results.push(failed((err as Error).message));
      }
    }
    res.json({ results });
  });
  return router;
}
