import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PlaybookListBody } from '../../app/contracts';
import {
  archivePlaybook,
  createPlaybookVersion,
  publishPlaybook,
  type PlaybookServiceResult,
  type StoredPlaybook,
} from '../../app/orchestration';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import { playbookView } from './run.view';
import type { RunsService } from './runs.service';

const versionBody = z.strictObject({
  version: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'versions start at 1').optional(),
});
const listQuery = z.strictObject({ id: z.string().min(1).optional(), status: z.enum(['draft', 'published', 'archived']).optional() });

function failure(result: Exclude<PlaybookServiceResult, { ok: true }>): HttpError {
  switch (result.code) {
    case 'invalid_playbook': {
      const [first] = result.issues;
      const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more; see details)` : '';
      return new HttpError(
        400,
        'invalid_playbook',
        first === undefined ? result.message : `invalid playbook: ${first.message}${more}`,
        result.issues,
      );
    }
    case 'version_exists':
      return new HttpError(409, 'version_exists', `${result.message}; omit "version" to create the next one`);
    case 'playbook_not_found':
      return new HttpError(404, 'playbook_not_found', result.message);
    case 'status_conflict':
      return new HttpError(409, 'status_conflict', result.message);
  }
}

function pick(versions: StoredPlaybook[], statuses: readonly string[]): StoredPlaybook | undefined {
  return versions.filter((v) => statuses.includes(v.playbook.status)).at(-1);
}

/** Playbooks API: create a draft version, list, publish, archive. */
export function playbookRoutes(service: RunsService): Router {
  const router = Router();
  const { playbooks, clock } = service.deps;

  router.post('/playbooks', async (req, res) => {
    const tenantId = tenantOf(res);
    await service.ensureSamples(tenantId);
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new HttpError(400, 'invalid_playbook', 'send the playbook definition as a JSON object: { "id", "name", "steps": [...] }');
    }
    const result = await createPlaybookVersion(playbooks, clock, tenantId, req.body);
    if (!result.ok) throw failure(result);
    res.status(201).json(playbookView(result.stored));
  });

  router.get('/playbooks', async (req, res) => {
    const tenantId = tenantOf(res);
    await service.ensureSamples(tenantId);
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw validationError(query.error, 'query');
    const all = query.data.id === undefined ? await playbooks.list(tenantId) : await playbooks.listVersions(tenantId, query.data.id);
    const status = query.data.status;
    res.json({
      playbooks: all.filter((p) => status === undefined || p.playbook.status === status).map(playbookView),
    } satisfies PlaybookListBody);
  });

  const transition =
    (action: 'publish' | 'archive') =>
    async (req: Request, res: Response): Promise<void> => {
      const tenantId = tenantOf(res);
      await service.ensureSamples(tenantId);
      const id: unknown = req.params['id'];
      const playbookId = typeof id === 'string' ? id : '';
      const body = versionBody.safeParse(req.body ?? {});
      if (!body.success) throw validationError(body.error);
      let version = body.data.version;
      if (version === undefined) {
        const versions = await playbooks.listVersions(tenantId, playbookId);
        if (versions.length === 0) throw new HttpError(404, 'playbook_not_found', `no playbook "${playbookId}" in your tenant`);
        const chosen = action === 'publish' ? pick(versions, ['draft']) : (pick(versions, ['published']) ?? pick(versions, ['draft']));
        if (chosen === undefined) {
          throw new HttpError(
            409,
            'status_conflict',
            action === 'publish'
              ? `playbook "${playbookId}" has no draft version to publish; create one with POST /api/v1/playbooks or name a version`
              : `playbook "${playbookId}" has no published or draft version to archive`,
          );
        }
        version = chosen.playbook.version;
      }
      if (action === 'publish') {
        const stored = await playbooks.get(tenantId, playbookId, version);
        const unsupported = stored === null ? [] : await service.unsupportedSteps(tenantId, stored.playbook);
        const [first] = unsupported;
        if (first !== undefined) {
          const more = unsupported.length > 1 ? ` (and ${unsupported.length - 1} more step(s); see details)` : '';
          throw new HttpError(
            400,
            'undeliverable_steps',
            `playbook "${playbookId}" v${version} cannot be published: ${first.reason}${more}`,
            unsupported,
          );
        }
      }
      const result =
        action === 'publish'
          ? await publishPlaybook(playbooks, clock, tenantId, playbookId, version)
          : await archivePlaybook(playbooks, clock, tenantId, playbookId, version);
      if (!result.ok) throw failure(result);
      res.json(playbookView(result.stored));
    };
  router.post('/playbooks/:id/publish', transition('publish'));
  router.post('/playbooks/:id/archive', transition('archive'));
  return router;
}
