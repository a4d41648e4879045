import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ZodError } from 'zod';
import type { ApiErrorBody } from '../../app/contracts';
import type { Logger } from '../observability/logger';

/** The one error envelope: `{ "error": { "code", "message", "details"? } }` (its contract: app/contracts/common.ts). */
export type ErrorEnvelope = ApiErrorBody;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
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
  const summary =
    first === undefined
      ? `invalid ${what}`
      : `invalid ${what}: ${first.path} ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`;
  return new HttpError(400, 'invalid_request', summary, details);
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(envelope('not_found', `no route for ${req.method} ${req.path}`));
};

/**
 * The one answer for a route whose vendor this server is not set up for (HubSpot or Salesforce app
 * credentials missing): 404 `not_configured`, whatever the request carries, before any signature or
 * body check. `details.vendor` names the vendor.
 */
export function notConfigured(vendor: 'hubspot' | 'salesforce', message: string): HttpError {
  return new HttpError(404, 'not_configured', message, { vendor });
}

/** A JSON `\u0000` escape (not an escaped backslash followed by "u0000"). */
const JSON_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * PostgreSQL stores no NUL character (text or jsonb), so input carrying one is refused up front with
 * a 400 rather than failing in the database: a raw 0x00 byte or a JSON `\u0000` escape.
 */
export function assertNoNul(raw: Buffer | string, what = 'the request body'): void {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.includes('\u0000') || JSON_NUL.test(text))
    throw new HttpError(400, 'invalid_request', `${what} contains a NUL character (\\u0000), which no field accepts`);
}

interface ClientError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

/** body-parser (raw-body) error types and the code each answers with. */
const BODY_ERRORS: Record<string, { code: string; message: string }> = {
  'entity.parse.failed': { code: 'invalid_json', message: 'the request body is not valid JSON' },
  'entity.too.large': { code: 'payload_too_large', message: 'the request body is larger than this endpoint accepts' },
  'encoding.unsupported': {
    code: 'unsupported_encoding',
    message: 'the Content-Encoding of the request body is not supported (use gzip, deflate, br or none)',
  },
  'charset.unsupported': { code: 'unsupported_charset', message: 'the charset of the request body is not supported (use utf-8)' },
  'request.size.invalid': { code: 'bad_request', message: 'the request body is not as long as its Content-Length says' },
  'request.aborted': { code: 'bad_request', message: 'the request was aborted before its body arrived' },
  'stream.encoding.set': { code: 'bad_request', message: 'the request body could not be read' },
  'parameters.too.many': { code: 'bad_request', message: 'the request body has too many parameters' },
};

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
    const ce = (typeof err === 'object' && err !== null ? err : {}) as ClientError;
    const known = ce.type === undefined ? undefined : BODY_ERRORS[ce.type];
    const status = ce.status ?? ce.statusCode;
    if (known !== undefined && typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json(envelope(known.code, known.message));
      return;
    }
    // A path parameter that is not valid percent-encoding (the router's decodeURIComponent).
    if (err instanceof URIError && status === 400) {
      res.status(400).json(envelope('bad_request', 'the request path is not valid percent-encoding'));
      return;
    }
    // Any other client error raised by Express or its middleware (body inflation, http-errors).
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res
        .status(status)
        .json(envelope('bad_request', ce.expose === true && err instanceof Error ? err.message : 'the request could not be read'));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json(envelope('internal', 'something went wrong on our side; the request id in X-Request-Id helps us find it'));
  };
}

/**
 * Bytes that are not an HTTP request Node can parse (a body sent without its length, a malformed
 * header, headers too large) never reach Express: Node answers a bare 400 and closes. This answers
 * the same status with the error envelope instead.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's own handler writes nothing either when a response is already on its way on this socket.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify(
      envelope(
        status === 400 ? 'bad_request' : status === 431 ? 'headers_too_large' : 'request_timeout',
        status === 400 ? 'the request is not valid HTTP' : (STATUS_CODES[status] ?? 'bad request'),
      ),
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
