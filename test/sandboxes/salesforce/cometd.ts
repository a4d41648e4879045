import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { SalesforceSandboxState } from './state';

interface Session {
  readonly clientId: string;
  readonly token: string;
  /** Channel → replay id of the last event delivered (or the subscribe position). */
  readonly cursors: Map<string, number>;
}

type Message = Record<string, unknown> & { channel?: string; id?: string; clientId?: string };

const AUTH_INVALID = { sfdc: { failureReason: '401::Authentication invalid' } };

/**
 * The Streaming API's CometD (Bayeux) endpoint `/cometd/<version>` as Salesforce serves it for
 * Change Data Capture: handshake, subscribe with the `replay` extension, long-polling connect,
 * disconnect; invalid replay ids refused with the documented 400 message; revoked sessions told
 * `advice.reconnect = none` with the 401 failure reason.
 */
export class CometdEndpoint {
  private readonly sessions = new Map<string, Session>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly state: SalesforceSandboxState, private readonly holdMs: number) {
    state.onEvent(() => this.wakeAll());
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  /** Subscribed sessions (tests check a subscriber is live). */
  get subscriptions(): { clientId: string; channels: string[] }[] {
    return [...this.sessions.values()].map((s) => ({ clientId: s.clientId, channels: [...s.cursors.keys()] }));
  }

  handle = async (req: Request, res: Response): Promise<void> => {
    const auth = req.get('authorization') ?? '';
    const token = auth.replace(/^(OAuth|Bearer)\s+/i, '');
    const messages: Message[] = Array.isArray(req.body) ? (req.body as Message[]) : [req.body as Message];
    const out: unknown[] = [];
    for (const m of messages) out.push(...(await this.one(m, token)));
    res.json(out);
  };

  private pending(session: Session): { channel: string; data: unknown }[] {
    const out: { channel: string; data: unknown }[] = [];
    for (const [channel, cursor] of session.cursors) {
      for (const e of this.state.eventsAfter(channel, cursor)) {
        out.push({ channel, data: e.data });
        session.cursors.set(channel, e.replayId);
      }
    }
    return out;
  }

  private async one(m: Message, token: string): Promise<unknown[]> {
    const base = { channel: m.channel, id: m.id };
    switch (m.channel) {
      case '/meta/handshake': {
        if (!this.state.tokenValid(token)) {
          return [{ ...base, successful: false, error: '403::Handshake denied', advice: { reconnect: 'none' }, ext: AUTH_INVALID }];
        }
        const clientId = randomBytes(12).toString('base64url');
        this.sessions.set(clientId, { clientId, token, cursors: new Map() });
        return [{ ...base, version: '1.0', minimumVersion: '1.0', clientId, supportedConnectionTypes: ['long-polling'], successful: true, ext: { replay: true, payload_format: true }, advice: { reconnect: 'retry', interval: 0, timeout: 110_000 } }];
      }
      case '/meta/subscribe': {
        const session = this.sessions.get(m.clientId ?? '');
        if (session === undefined) return [{ ...base, successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake', interval: 0 } }];
        const subscription = String(m['subscription'] ?? '');
        if (!/^\/data\/\w+ChangeEvent$/.test(subscription) && subscription !== '/data/ChangeEvents') {
          return [{ ...base, clientId: session.clientId, subscription, successful: false, error: `403::Unknown channel` }];
        }
        const replayMap = ((m['ext'] as { replay?: Record<string, unknown> } | undefined)?.replay ?? {});
        const replay = Number(replayMap[subscription] ?? -1);
        if (!this.state.replayValid(replay)) {
          return [{ ...base, clientId: session.clientId, subscription, successful: false,
            error: `400::The replayId {${replay}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.` }];
        }
        session.cursors.set(subscription, replay === -1 ? this.state.latestReplayId() : replay === -2 ? this.state.purgedThrough : replay);
        return [{ ...base, clientId: session.clientId, subscription, successful: true }];
      }
      case '/meta/unsubscribe': {
        const session = this.sessions.get(m.clientId ?? '');
        session?.cursors.delete(String(m['subscription'] ?? ''));
        return [{ ...base, clientId: m.clientId, subscription: m['subscription'], successful: session !== undefined }];
      }
      case '/meta/connect': {
        const session = this.sessions.get(m.clientId ?? '');
        if (session === undefined) return [{ ...base, successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake', interval: 0 } }];
        const ok = { ...base, clientId: session.clientId, successful: true, advice: { reconnect: 'retry', interval: 0, timeout: 110_000 } };
        const deadline = Date.now() + this.holdMs;
        for (;;) {
          if (!this.state.tokenValid(session.token)) {
            this.sessions.delete(session.clientId);
            return [{ ...base, clientId: session.clientId, successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' }, ext: AUTH_INVALID }];
          }
          const events = this.pending(session);
          if (events.length > 0 || this.closed || Date.now() >= deadline) return [ok, ...events];
          await new Promise<void>((resolve) => {
            const wake = (): void => {
              this.waiters.delete(wake);
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
            this.waiters.add(wake);
          });
        }
      }
      case '/meta/disconnect':
        this.sessions.delete(m.clientId ?? '');
        return [{ ...base, clientId: m.clientId, successful: true }];
      default:
        return [{ ...base, successful: false, error: '400::Unknown channel' }];
    }
  }
}
