/** Pieces the Zendesk, Twilio and WhatsApp sandboxes share: queued fault injection, listening, reading answers. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Request, Response } from 'express';

export interface Injected {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Responses queued for the next matching requests (method + path regex), served before the real handler. */
export class Injections {
  private readonly queue: { method: string; path: RegExp; responses: Injected[] }[] = [];

  add(method: string, path: RegExp, responses: Injected[]): void {
    this.queue.push({ method: method.toUpperCase(), path, responses });
  }

  /** Answers `req` with the next injected response for it; false when none is queued. */
  serve(req: Request, res: Response): boolean {
    const hit = this.queue.find((i) => i.method === req.method && i.path.test(req.path) && i.responses.length > 0);
    const injected = hit?.responses.shift();
    if (injected === undefined) return false;
    res
      .status(injected.status)
      .set(injected.headers ?? {})
      .json(injected.body ?? {});
    return true;
  }
}

export async function listen(app: Express, port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A webhook answer: status and body (parsed when JSON). */
export async function answer(res: globalThis.Response): Promise<{ status: number; body: unknown }> {
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
