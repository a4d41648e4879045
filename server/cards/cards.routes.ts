/**
 * The record card for the console (mounted under /api/v1): the card of a profile and its buttons. The
 * CRMs' card endpoints serve the same CardService from their own signed routes.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { cardActionRequestSchema } from '../../app/cards/card-view';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import type { CardService } from './card.service';

const idParam = z.string().trim().min(1).max(200);

function param(req: Request, name: string): string {
  const parsed = idParam.safeParse(req.params[name]);
  if (!parsed.success) throw validationError(parsed.error, `path parameter ${name}`);
  return parsed.data;
}

export function cardRoutes(cards: CardService): Router {
  const router = Router();

  router.get('/profiles/:profileId/card', async (req, res) => {
    const profileId = param(req, 'profileId');
    const card = await cards.view(tenantOf(res), profileId);
    // The CRM cards show an empty card for a record Baton has not seen; by profile id, unknown is a 404.
    if (card.profileId === null) throw new HttpError(404, 'not_found', `no profile ${profileId} in your tenant`);
    res.json(card);
  });

  router.post('/cards/actions', async (req, res) => {
    const parsed = cardActionRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const user = req.header('x-baton-user');
    res.json(await cards.act(tenantOf(res), parsed.data, { source: 'console', ...(user === undefined ? {} : { userId: user }) }));
  });

  return router;
}
