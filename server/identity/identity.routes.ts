/**
 * Identity API (mounted under /api/v1 behind API-key auth): profiles, search, explanations, splits,
 * merges, review decisions and privacy erasure. Every handler works inside one transaction on the
 * caller's tenant only.
 */
import { systemClock, type Clock } from '../../app/shared/clock';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { ProfileSearchBody } from '../../app/contracts';
import type { IdentityResolver } from '../../app/identity/graph/engine';
import { UnknownIdentifierError } from '../../app/identity/graph/refs';
import type { Database, Queryable } from '../db/database';
import type { ServiceModule } from '../module';
import { defaultMatcherConfig } from '../../app/identity/model/defaults';
import { levelWeights } from '../../app/identity/model/parameters';
import { deleteTenantModel, loadTenantModel, type StoredTenantModel } from './model.repository';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import { newId } from '../security/ids';
import type { IdentityService } from './identity.service';
import { nodeKeyFromParam, requireMember } from './identifier-param';
import {
  beginErasure,
  currentProfileId,
  eraseProfileData,
  firstRecordKey,
  loadProfileIdentity,
  profileAliases,
  profilesOfKeys,
  profilesWithKey,
  profileSummaries,
  reviewViews,
  searchProfiles,
  setReviewStatus,
} from './profiles.repository';

/** Another module's part of GET /profiles/:id (stage, hotness, signals, runs, decision...). */
export interface ProfileSection {
  readonly name: string;
  load(q: Queryable, tenantId: string, profileId: string): Promise<unknown>;
}

const profileIdSchema = z.string().trim().min(1).max(200);
const searchSchema = z
  .object({
    email: z.string().trim().min(3).max(320).optional(),
    phone: z.string().trim().min(3).max(64).optional(),
    q: z.string().trim().min(2, 'must be at least 2 characters').max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((s) => [s.email, s.phone, s.q].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of email, phone or q' });
const explainSchema = z.object({ a: z.string().trim().min(1).max(400), b: z.string().trim().min(1).max(400) });
const splitSchema = z
  .object({ a: z.string().trim().min(1).max(400), b: z.string().trim().min(1).max(400), note: z.string().max(500).optional() })
  .strict();
const mergeSchema = z.object({ profileIds: z.array(profileIdSchema).min(2, 'name at least two profiles').max(20) }).strict();
const decisionSchema = z.enum(['confirm', 'reject'], { error: 'must be confirm or reject' });

function param(req: Request, name: string): string {
  const parsed = profileIdSchema.safeParse(req.params[name]);
  if (!parsed.success) throw validationError(parsed.error, `path parameter ${name}`);
  return parsed.data;
}

export interface IdentityRouteDeps {
  readonly db: Database;
  readonly service: IdentityService;
  readonly sections?: readonly ProfileSection[];
  /** Modules whose `erase` hook privacy erasure calls (looked up at request time). */
  readonly modules?: () => readonly ServiceModule[];
  /** Provenance times of manual merges, splits and review verdicts (default the system clock). */
  readonly clock?: Clock;
}

export function identityRoutes(deps: IdentityRouteDeps): Router {
  const router = Router();
  const { db, service } = deps;
  const clock = deps.clock ?? systemClock;
  const now = (): string => new Date(clock.now()).toISOString();

  /** Runs `fn` in a transaction with a resolver for the caller's tenant; unusable identifiers are a 400. */
  async function withResolver<T>(tenantId: string, fn: (tx: Queryable, resolver: IdentityResolver) => Promise<T>): Promise<T> {
    try {
      return await db.transaction(async (tx) => fn(tx, await service.resolver(tx, tenantId)));
    } catch (err) {
      if (err instanceof UnknownIdentifierError) throw new HttpError(400, 'invalid_identifier', err.message);
      throw err;
    }
  }

  async function liveProfile(q: Queryable, tenantId: string, id: string): Promise<string> {
    const current = await currentProfileId(q, tenantId, id);
    if (current === undefined) throw new HttpError(404, 'not_found', `no profile ${id} in your tenant`);
    return current;
  }

  router.get('/profiles', async (req, res) => {
    const parsed = searchSchema.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error, 'query');
    const tenantId = tenantOf(res);
    const s = parsed.data;
    const profiles = await withResolver(tenantId, async (tx, resolver) => {
      let ids: string[];
      if (s.q !== undefined) ids = await searchProfiles(tx, tenantId, s.q, s.limit);
      else {
        const raw = s.email !== undefined ? { type: 'email', value: s.email } : { type: 'phone', value: s.phone ?? '' };
        const key = resolver.normalizer.normalize([raw]).identifiers.find((i) => i.type === raw.type)?.key;
        if (key === undefined)
          throw new HttpError(
            400,
            'invalid_identifier',
            `${raw.type} "${raw.value}" is not a usable ${raw.type} (invalid, junk or a role address)`,
          );
        ids = await profilesWithKey(tx, tenantId, key);
      }
      return profileSummaries(tx, tenantId, ids);
    });
    res.json({ profiles } satisfies ProfileSearchBody);
  });

  router.post('/profiles/merge', async (req, res) => {
    const parsed = mergeSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const tenantId = tenantOf(res);
    const result = await withResolver(tenantId, async (tx, resolver) => {
      const ids = [...new Set(await Promise.all(parsed.data.profileIds.map((id) => liveProfile(tx, tenantId, id))))];
      const anchors: string[] = [];
      for (const id of ids) {
        anchors.push(await firstRecordKey(tx, tenantId, id));
      }
      const provenance = { source: 'api', recordId: newId('merge'), at: now() };
      let profileId = ids[0] as string;
      for (const anchor of anchors.slice(1)) {
        const merged = await resolver.merge({ key: anchors[0] as string }, { key: anchor }, provenance, 'manual-merge');
        profileId = merged.profileId ?? profileId;
      }
      return { profileId, merged: ids.filter((id) => id !== profileId) };
    });
    res.json(result);
  });

  router.get('/profiles/:profileId', async (req, res) => {
    const requested = param(req, 'profileId');
    const tenantId = tenantOf(res);
    const view = await db.transaction(async (tx) => {
      const id = await liveProfile(tx, tenantId, requested);
      const identity = await loadProfileIdentity(tx, tenantId, id);
      if (identity === undefined) throw new HttpError(404, 'not_found', `no profile ${requested} in your tenant`);
      const sections: Record<string, unknown> = {};
      for (const s of deps.sections ?? []) sections[s.name] = await s.load(tx, tenantId, id);
      return { ...identity, ...(id === requested ? {} : { requestedId: requested }), ...sections };
    });
    res.json(view);
  });

  router.get('/profiles/:profileId/explain', async (req, res) => {
    const requested = param(req, 'profileId');
    const parsed = explainSchema.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error, 'query');
    const tenantId = tenantOf(res);
    const out = await withResolver(tenantId, async (tx, resolver) => {
      const id = await liveProfile(tx, tenantId, requested);
      const a = await requireMember(tx, tenantId, id, nodeKeyFromParam(resolver.normalizer, parsed.data.a), parsed.data.a);
      const b = await requireMember(tx, tenantId, id, nodeKeyFromParam(resolver.normalizer, parsed.data.b), parsed.data.b);
      const why = await resolver.explain({ key: a }, { key: b });
      const chain = why.sameProfile
        ? why.chain.map((s) => ({
            from: s.from,
            to: s.to,
            kind: s.edge.kind,
            provenance: s.edge.provenance,
            ...(s.edge.detail === undefined ? {} : { probability: s.edge.detail.probability, fields: s.edge.detail.fields }),
          }))
        : [];
      return { profileId: id, a, b, chain };
    });
    res.json(out);
  });

  router.post('/profiles/:profileId/split', async (req, res) => {
    const requested = param(req, 'profileId');
    const parsed = splitSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const tenantId = tenantOf(res);
    const out = await withResolver(tenantId, async (tx, resolver) => {
      const id = await liveProfile(tx, tenantId, requested);
      const a = await requireMember(tx, tenantId, id, nodeKeyFromParam(resolver.normalizer, parsed.data.a), parsed.data.a);
      const b = await requireMember(tx, tenantId, id, nodeKeyFromParam(resolver.normalizer, parsed.data.b), parsed.data.b);
      if (a === b) throw new HttpError(400, 'invalid_request', 'a and b name the same identifier');
      const change = await resolver.notSamePerson({ key: a }, { key: b }, { source: 'api', recordId: newId('split'), at: now() });
      const nodes = await profilesOfKeys(tx, tenantId, [a, b]);
      const profileOf = (k: string): string | null => nodes.get(k) ?? null;
      return {
        profiles: change.profiles,
        created: change.created,
        removed: change.removed,
        a: { key: a, profileId: profileOf(a) },
        b: { key: b, profileId: profileOf(b) },
      };
    });
    res.json(out);
  });

  router.delete('/profiles/:profileId', async (req, res) => {
    const requested = param(req, 'profileId');
    const tenantId = tenantOf(res);
    const out = await withResolver(tenantId, async (tx, resolver) => {
      await beginErasure(tx);
      const id = await liveProfile(tx, tenantId, requested);
      const aliases = await profileAliases(tx, tenantId, id);
      const erased = await resolver.erase(id);
      const events = await eraseProfileData(tx, tenantId, aliases, erased.records);
      // Every other module's data about the person (decisions, runs, signals...), same transaction.
      const erasedBy: string[] = [];
      for (const m of deps.modules?.() ?? []) {
        if (m.erase === undefined) continue;
        await m.erase(tx, tenantId, aliases);
        erasedBy.push(m.name);
      }
      return {
        erased: {
          profileId: id,
          profileIds: aliases,
          identifiers: erased.identifiers.length,
          records: erased.records.length,
          events,
          modules: erasedBy,
        },
      };
    });
    res.json(out);
  });

  // The tenant's online match model: trained by EM on its own records, replacing the built-in priors.
  router.get('/identity/model', async (_req, res) => {
    const tenantId = tenantOf(res);
    const model = await loadTenantModel(db, tenantId);
    res.json({ model: model === undefined ? null : modelView(model) });
  });

  router.post('/identity/model/train', async (_req, res) => {
    const tenantId = tenantOf(res);
    const out = await db.transaction((tx) => service.trainModel(tx, tenantId));
    if (out.model === undefined)
      throw new HttpError(409, 'not_enough_data', `cannot train a match model yet: ${out.reason ?? 'not enough data'}`);
    res.json({ model: modelView(out.model) });
  });

  router.delete('/identity/model', async (_req, res) => {
    const tenantId = tenantOf(res);
    const deleted = await deleteTenantModel(db, tenantId);
    service.forget(tenantId);
    res.json({ deleted });
  });

  router.get('/possible-matches', async (req, res) => {
    const status = z.enum(['open', 'confirmed', 'rejected']).default('open').safeParse(req.query['status']);
    if (!status.success) throw validationError(status.error, 'query');
    const tenantId = tenantOf(res);
    const items = await reviewViews(db, tenantId, `r.status = $2 AND r.kind <> 'conflict'`, [status.data]);
    res.json({ possibleMatches: items });
  });

  router.post('/possible-matches/:reviewId/:decision', async (req, res) => {
    const reviewId = param(req, 'reviewId');
    const decision = decisionSchema.safeParse(req.params['decision']);
    if (!decision.success)
      throw new HttpError(
        404,
        'not_found',
        `no route for POST ${req.path}: use /possible-matches/:id/confirm or /possible-matches/:id/reject`,
      );
    const tenantId = tenantOf(res);
    const out = await withResolver(tenantId, async (tx, resolver) => {
      const found = await reviewViews(tx, tenantId, 'r.public_id = $2', [reviewId]);
      const item = found[0];
      if (item === undefined) throw new HttpError(404, 'not_found', `no possible match ${reviewId} in your tenant`);
      if (item.status !== 'open') throw new HttpError(409, 'already_decided', `possible match ${reviewId} was already ${item.status}`);
      if (item.profiles[0] === null || item.profiles[1] === null)
        throw new HttpError(409, 'stale', 'one side of this possible match no longer exists');
      const provenance = { source: 'review', recordId: reviewId, at: now() };
      let profileId: string | null = null;
      if (decision.data === 'confirm')
        profileId = (await resolver.merge({ key: item.a }, { key: item.b }, provenance, 'manual-merge')).profileId ?? null;
      else if (item.kind !== 'conflict') await resolver.notSamePerson({ key: item.a }, { key: item.b }, provenance);
      const status = decision.data === 'confirm' ? 'confirmed' : 'rejected';
      await setReviewStatus(tx, tenantId, reviewId, status);
      return { id: reviewId, status, ...(profileId === null ? {} : { profileId }) };
    });
    res.json(out);
  });

  return router;
}

/** A model as the API shows it: per field, the m and u of each comparison level and its weight. */
function modelView(model: StoredTenantModel): unknown {
  const config = defaultMatcherConfig(model.fields);
  const weights = levelWeights(model.params);
  return {
    trainedAt: model.trainedAt,
    records: model.records,
    candidatePairs: model.pairs,
    lambda: model.params.lambda,
    fields: config.comparisons.map((c, i) => ({
      field: c.field,
      levels: c.levels.map((label, l) => ({
        level: label,
        m: model.params.m[i]?.[l],
        u: model.params.u[i]?.[l],
        weight: weights[i]?.[l + 1],
      })),
    })),
  };
}
