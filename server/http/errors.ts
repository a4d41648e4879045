import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ZodError } from 'zod';
import type { Logger } from '../observability/logger';

/** The one error envelope: `{ "error": { "code", "message", "details"? } }`. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'HttpError';
  }
}

export function envelope(code: string, message: string, details?: unknown): ErrorEnvelope {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

/** Turns a zod error into a 400 whose details name each bad field and what is wrong with it. */
export function validationError(err: ZodError, what = 'request body'): HttpError {
  const details = err.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const first = details[0];
  const summary = first === undefined ? `invalid ${what}` : `invalid ${what}: ${first.path} ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`;
  return new HttpError(400, 'invalid_request', summary, details);
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(envelope('not_found', `no route for ${req.method} ${req.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json(envelope(err.code, err.message, err.details));
      return;
    }
    const bp = err as BodyParserError;
    if (bp.type === 'entity.parse.failed') {
      res.status(400).json(envelope('invalid_json', 'the request body is not valid JSON'));
      return;
    }
    if (bp.type === 'entity.too.large') {
      res.status(413).json(envelope('payload_too_large', 'the request body is larger than this endpoint accepts'));
      return;
    }
    if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500 && bp.expose === true) {
      res.status(bp.status).json(envelope('bad_request', (err as Error).message));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json(envelope('internal', 'something went wrong on our side; the request id in X-Request-Id helps us find it'));
  };
}
