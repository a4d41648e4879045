import { z } from 'zod';
import type { PagePosition } from '../../app/shared/page-position';

export type { PagePosition };

/** Opaque page cursors (base64url JSON of the last item's position), shared by the list endpoints. */
const cursorSchema = z.strictObject({ c: z.number().int().min(0), i: z.string().min(1) });

export const encodeCursor = (position: PagePosition): string =>
  Buffer.from(JSON.stringify({ c: position.at, i: position.id })).toString('base64url');

export const pageCursor = z.string().transform((value, ctx): PagePosition => {
  try {
    const parsed = cursorSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return { at: parsed.c, id: parsed.i };
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor returned as "nextCursor" by this endpoint' });
    return z.NEVER;
  }
});
