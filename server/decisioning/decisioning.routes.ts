/**
 * Decisioning API (mounted under /api/v1): the action catalog, policies, decisions with their full
 * explanation, outcomes and lift (the record card's routes are the cards module's). Every handler is scoped to the
 * caller's tenant; another tenant's decision is "not found".
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { CatalogBody, DecisionListBody, LiftReportBody, OutcomeRecordedBody, PoliciesResponseBody } from '../../app/contracts';
import { LIFT_BUCKETS, parseCatalog, parseDecisioningConfig } from '../../app/decisioning';
import { identifierSchema } from '../../app/events/canonical-event';
import { isValidTimeZone } from '../../app/orchestration';
import type { Database } from '../db/database';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import { encodeCursor, pageCursor } from '../http/page-cursor';
import { toRaw, type IdentityService } from '../identity/identity.service';
import { currentProfileId, profileAliases, profileByIdentifierKeys } from '../identity/profiles.repository';
import type { Decisioning } from './decisioning';
import { deliveryReport, liftOverTime, SeriesTooLongError } from './lift.repository';
import { loadCatalog, loadConfig, loadPolicyInput, saveCatalog, savePolicies } from './settings.repository';
import { decisionDetail, decisionResponse, decisionSummary } from './views';

const idParam = z.string().trim().min(1).max(200);
const decisionRequest = z
  .strictObject({
    profileId: idParam.optional(),
    identifiers: z.array(identifierSchema).min(1, 'name at least one identifier').max(50).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => (b.profileId === undefined) !== (b.identifiers === undefined), {
    message: 'give exactly one of profileId or identifiers',
  });
const outcomeRequest = z.strictObject({
  outcome: z.enum(['positive', 'negative'], { error: 'must be positive or negative' }),
  value: z.number().finite().min(0, 'must be zero or positive').optional(),
});
const liftQuery = z.strictObject({
  confidence: z.coerce
    .number()
    .refine((c) => [0.8, 0.9, 0.95, 0.99].includes(c), 'must be one of 0.8, 0.9, 0.95, 0.99')
    .default(0.95),
  bucket: z.enum([...LIFT_BUCKETS, 'auto'] as const, { error: `must be one of ${LIFT_BUCKETS.join(', ')} or auto` }).default('auto'),
});

const listQuery = z.strictObject({
  profileId: idParam.optional(),
  actionId: idParam.optional(),
  limit: z.coerce.number().int().min(1).max(200, 'must be at most 200').default(50),
  cursor: pageCursor.optional(),
});

function issuesError(code: string, what: string, issues: { path: string; message: string }[]): HttpError {
  const first = issues[0];
  const summary =
    first === undefined
      ? `invalid ${what}`
      : `invalid ${what}: ${first.path || '(root)'} ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`;
  return new HttpError(
    400,
    code,
    summary,
    issues.map((i) => ({ path: i.path || '(root)', message: i.message })),
  );
}

function param(req: Request, name: string): string {
  const parsed = idParam.safeParse(req.params[name]);
  if (!parsed.success) throw validationError(parsed.error, `path parameter ${name}`);
  return parsed.data;
}

export interface DecisioningRoutesDeps {
  readonly db: Database;
  readonly decisioning: Decisioning;
  /** Absent without the identity module: decisions are then asked for by profileId only. */
  readonly identity: IdentityService | undefined;
}

export function decisioningRoutes(deps: DecisioningRoutesDeps): Router {
  const { db, decisioning } = deps;
  const router = Router();

  /** The live profile named by id or by identifiers; 404 when Baton has not seen the person. */
  async function profileOf(
    tenantId: string,
    body: { profileId?: string | undefined; identifiers?: z.infer<typeof identifierSchema>[] | undefined },
  ): Promise<string> {
    if (body.profileId !== undefined) {
      const live = await currentProfileId(db, tenantId, body.profileId);
      if (live === undefined) throw new HttpError(404, 'profile_not_found', `no profile ${body.profileId} in your tenant`);
      return live;
    }
    const identity = deps.identity;
    if (identity === undefined)
      throw new HttpError(503, 'identity_unavailable', 'identity resolution is not installed; name the profile by profileId');
    const keys = await db.transaction(async (tx) =>
      (await identity.resolver(tx, tenantId)).normalizer.normalize((body.identifiers ?? []).map(toRaw)).identifiers.map((i) => i.key),
    );
    if (keys.length === 0)
      throw new HttpError(400, 'invalid_identifier', 'none of the identifiers is usable (invalid, junk or a role address)');
    const found = await profileByIdentifierKeys(db, tenantId, keys);
    if (found === undefined)
      throw new HttpError(
        404,
        'profile_not_found',
        'no profile carries these identifiers; send an event about the person first (POST /api/v1/events)',
      );
    return found;
  }

  router.put('/actions', async (req, res) => {
    const parsed = parseCatalog(req.body);
    if (!parsed.ok) throw issuesError('invalid_catalog', 'action catalog', parsed.issues);
    const tenantId = tenantOf(res);
    await db.transaction((tx) => saveCatalog(tx, tenantId, parsed.catalog.actions));
    decisioning.settings.invalidate(tenantId);
    res.json({ actions: parsed.catalog.actions } satisfies CatalogBody);
  });

  router.get('/actions', async (_req, res) => {
    res.json({ actions: await loadCatalog(db, tenantOf(res)) } satisfies CatalogBody);
  });

  router.get('/policies', async (_req, res) => {
    const tenantId = tenantOf(res);
    const [stored, config] = await Promise.all([loadPolicyInput(db, tenantId), loadConfig(db, tenantId)]);
    res.json({ policies: config, version: stored?.version ?? 0, updatedAt: stored?.updatedAt ?? null } satisfies PoliciesResponseBody);
  });

  router.put('/policies', async (req, res) => {
    const parsed = parseDecisioningConfig(req.body);
    if (!parsed.ok) throw issuesError('invalid_policies', 'policies', parsed.issues);
    if (!isValidTimeZone(parsed.config.quietHours.defaultTimeZone)) {
      throw issuesError('invalid_policies', 'policies', [
        {
          path: 'quietHours.defaultTimeZone',
          message: `"${parsed.config.quietHours.defaultTimeZone}" is not an IANA time zone (e.g. Europe/Berlin)`,
        },
      ]);
    }
    const tenantId = tenantOf(res);
    await savePolicies(db, tenantId, req.body ?? {});
    decisioning.settings.invalidate(tenantId);
    const stored = await loadPolicyInput(db, tenantId);
    res.json({
      policies: parsed.config,
      version: stored?.version ?? 1,
      updatedAt: stored?.updatedAt ?? null,
    } satisfies PoliciesResponseBody);
  });

  router.post('/decisions', async (req, res) => {
    const parsed = decisionRequest.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const tenantId = tenantOf(res);
    const profileId = await profileOf(tenantId, parsed.data);
    const decision = await decisioning.decide.decide(
      tenantId,
      profileId,
      { trigger: 'api', ...(parsed.data.context ?? {}) },
      { origin: 'api' },
    );
    res.json(decisionResponse(decision));
  });

  // The tenant's decisions, newest first; a profile's include those made on ids merged into it.
  router.get('/decisions', async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const tenantId = tenantOf(res);
    const { profileId, actionId, limit, cursor } = query.data;
    let profileIds: string[] | undefined;
    if (profileId !== undefined) {
      const live = await currentProfileId(db, tenantId, profileId);
      profileIds = live === undefined ? [profileId] : await profileAliases(db, tenantId, live);
    }
    const found = await decisioning.decisions.list(db, tenantId, {
      limit: limit + 1,
      ...(profileIds === undefined ? {} : { profileIds }),
      ...(actionId === undefined ? {} : { actionId }),
      ...(cursor === undefined ? {} : { before: { decidedAt: cursor.at, id: cursor.id } }),
    });
    const page = found.slice(0, limit);
    const last = page.at(-1)?.record;
    res.json({
      decisions: page.map(decisionSummary),
      nextCursor: found.length > limit && last !== undefined ? encodeCursor({ at: last.decidedAt, id: last.decisionId }) : null,
    } satisfies DecisionListBody);
  });

  router.get('/decisions/:decisionId', async (req, res) => {
    const id = param(req, 'decisionId');
    const decision = await decisioning.decisions.get(db, tenantOf(res), id);
    if (decision === undefined) throw new HttpError(404, 'decision_not_found', `no decision ${id} in your tenant`);
    res.json(decisionDetail(decision));
  });

  router.post('/decisions/:decisionId/outcome', async (req, res) => {
    const id = param(req, 'decisionId');
    const parsed = outcomeRequest.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const result = await decisioning.outcomes.recordOutcome(tenantOf(res), id, parsed.data.outcome, parsed.data.value);
    if (!result.ok) {
      if (result.reason === 'not_found') throw new HttpError(404, 'decision_not_found', `no decision ${id} in your tenant`);
      throw new HttpError(409, 'outcome_refused', result.reason);
    }
    const s = result.settlement;
    res.json({
      decisionId: id,
      outcome: s.outcome,
      value: s.value,
      at: new Date(s.at).toISOString(),
      learned: s.posteriorUpdate !== null,
      lift: s.lift?.group ?? null,
    } satisfies OutcomeRecordedBody);
  });

  router.get('/lift', async (req, res) => {
    const parsed = liftQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error, 'query');
    try {
      const tenantId = tenantOf(res);
      res.json({
        ...(await liftOverTime(db, tenantId, parsed.data.bucket, parsed.data.confidence)),
        delivery: await deliveryReport(db, tenantId),
      } satisfies LiftReportBody);
    } catch (err) {
      if (err instanceof SeriesTooLongError) throw new HttpError(400, 'series_too_long', err.message);
      throw err;
    }
  });

  return router;
}
