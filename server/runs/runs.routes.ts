import { Router, type Response } from 'express';
import { z } from 'zod';
import type { RunControlBody, RunListBody } from '../../app/contracts';
import {
  cancelRun,
  jsonObjectSchema,
  resumeRun,
  RUN_STATUSES,
  startRun,
  submitApproval,
  updateRunContext,
  type ControlResult,
  type RunStatus,
} from '../../app/orchestration';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import { encodeCursor, pageCursor } from '../http/page-cursor';
import { runView, snapshotView } from './run.view';
import type { RunsService } from './runs.service';

const startBody = z.strictObject({
  playbookId: z.string().trim().min(1, 'must name a playbook'),
  profileId: z.string().trim().min(1, 'must name the profile the run is about').max(200),
  context: jsonObjectSchema.optional(),
  version: z.number().int().min(1).optional(),
});
const statusList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )
  .pipe(z.array(z.enum(RUN_STATUSES, { error: `each status must be one of ${RUN_STATUSES.join(', ')}` })));
const listQuery = z.strictObject({
  profileId: z.string().min(1).optional(),
  playbookId: z.string().min(1).optional(),
  status: statusList.optional(),
  limit: z.coerce.number().int().min(1).max(1000, 'must be at most 1000').default(100),
  cursor: pageCursor.optional(),
  order: z.enum(['oldest', 'newest'], { error: 'must be oldest or newest' }).default('oldest'),
});
const contextBody = z.strictObject({ context: jsonObjectSchema });
const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });
const approveBody = z.strictObject({
  stepId: z.string().min(1).optional(),
  decision: z.enum(['approved', 'rejected']).default('approved'),
  actor: z.string().max(200).optional(),
  comment: z.string().max(2000).optional(),
});

function answer(res: Response, result: ControlResult): void {
  if (result.ok) {
    res.json({ ...snapshotView(result.snapshot), alreadyApplied: result.alreadyApplied } satisfies RunControlBody);
    return;
  }
  throw new HttpError(result.code === 'run_not_found' ? 404 : 409, result.code, result.message);
}

const runIdOf = (params: Record<string, string | undefined>): string => params['runId'] ?? '';

/** Runs API: start (or get the active run), read with steps, list (filtered, paginated), resume, cancel, approve, change context. */
export function runRoutes(service: RunsService): Router {
  const router = Router();
  const { deps } = service;

  router.post('/runs', async (req, res) => {
    const tenantId = tenantOf(res);
    await service.ensureSamples(tenantId);
    const body = startBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    const { playbookId, profileId, context, version } = body.data;
    const result = await startRun(deps, {
      tenantId,
      playbookId,
      profileId,
      ...(context === undefined ? {} : { context }),
      ...(version === undefined ? {} : { version }),
    });
    if (!result.ok) {
      const hint =
        result.error.code === 'playbook_not_found'
          ? ' (GET /api/v1/playbooks lists yours)'
          : ' (publish it with POST /api/v1/playbooks/:id/publish)';
      throw new HttpError(result.error.code === 'playbook_not_found' ? 404 : 409, result.error.code, `${result.error.message}${hint}`);
    }
    res.status(result.created ? 201 : 200).json({ ...snapshotView(result.snapshot), created: result.created } satisfies RunControlBody);
  });

  router.get('/runs', async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const { profileId, playbookId, status, limit, cursor, order } = query.data;
    const statuses: readonly RunStatus[] | undefined = status === undefined || status.length === 0 ? undefined : status;
    // One more than asked tells whether another page exists.
    const found = await deps.runs.list(tenantOf(res), {
      limit: limit + 1,
      order,
      ...(profileId === undefined ? {} : { profileId }),
      ...(playbookId === undefined ? {} : { playbookId }),
      ...(statuses === undefined ? {} : { statuses }),
      ...(cursor === undefined ? {} : { after: cursor }),
    });
    const page = found.slice(0, limit);
    const last = page.at(-1);
    res.json({
      runs: page.map(runView),
      nextCursor: found.length > limit && last !== undefined ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
    } satisfies RunListBody);
  });

  router.get('/runs/:runId', async (req, res) => {
    const snapshot = await deps.runs.load(tenantOf(res), runIdOf(req.params));
    if (snapshot === null) throw new HttpError(404, 'run_not_found', `no run "${runIdOf(req.params)}" in your tenant`);
    res.json(snapshotView(snapshot));
  });

  router.post('/runs/:runId/resume', async (req, res) => {
    answer(res, await resumeRun(deps, tenantOf(res), runIdOf(req.params)));
  });

  router.post('/runs/:runId/cancel', async (req, res) => {
    const body = cancelBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    answer(res, await cancelRun(deps, tenantOf(res), runIdOf(req.params), body.data.reason ?? 'cancelled through the API'));
  });

  // Context change (JSON Merge Patch into the run's context): exit criteria are re-evaluated and may end the run.
  router.patch('/runs/:runId/context', async (req, res) => {
    const body = contextBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    const result = await updateRunContext(deps, tenantOf(res), runIdOf(req.params), body.data.context);
    if (!result.ok) throw new HttpError(result.code === 'run_not_found' ? 404 : 409, result.code, result.message);
    res.json({
      ...snapshotView(result.snapshot),
      effect: result.effect,
      ...(result.effect === 'exited' ? { criterionId: result.criterionId } : {}),
    });
  });

  router.post('/runs/:runId/approve', async (req, res) => {
    const tenantId = tenantOf(res);
    const runId = runIdOf(req.params);
    const body = approveBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    let stepId = body.data.stepId;
    if (stepId === undefined) {
      const snapshot = await deps.runs.load(tenantId, runId);
      if (snapshot === null) throw new HttpError(404, 'run_not_found', `no run "${runId}" in your tenant`);
      if (snapshot.run.cursor === null)
        throw new HttpError(409, 'not_awaiting_approval', `run ${runId} is ${snapshot.run.status} and waits for nothing`);
      stepId = snapshot.run.cursor;
    }
    const { decision, actor, comment } = body.data;
    answer(
      res,
      await submitApproval(deps, tenantId, runId, {
        stepId,
        decision,
        ...(actor === undefined ? {} : { actor }),
        ...(comment === undefined ? {} : { comment }),
      }),
    );
  });
  return router;
}
