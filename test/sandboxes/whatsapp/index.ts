/**
 * A local WhatsApp Cloud API (reference zendesk-messaging.md §4): `GET /{version}/{phone-number-id}`,
 * `POST /{version}/{phone-number-id}/messages` (Bearer token; text only inside the 24-hour window,
 * else error 131047; templates any time; Graph error envelope), and webhook delivery to Baton: the
 * verification handshake and signed (X-Hub-Signature-256) message and status notifications.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { whatsappSignature } from '../../../connectors/whatsapp/client/signature';
import { answer, Injections, listen, type Injected } from '../messaging-support';

export interface SentRow {
  id: string;
  to: string;
  type: 'text' | 'template';
  text?: string;
  template?: string;
  at: number;
}

export interface WhatsAppSandboxState {
  readonly phoneNumberId: string;
  readonly displayPhoneNumber: string;
  readonly accessToken: string;
  readonly appSecret: string;
  readonly sent: SentRow[];
  /** wa_id → epoch ms of the person's last inbound message (opens the 24-hour window). */
  readonly lastInbound: Map<string, number>;
  /** When set, every sent message reports `sent` then `delivered` to this webhook URL (as Meta does). */
  webhook: string | undefined;
  inject(method: string, path: RegExp, ...responses: Injected[]): void;
}

export interface WhatsAppSandbox {
  readonly url: string;
  readonly state: WhatsAppSandboxState;
  /** Delivers a signed text message from `waId` to `target` and opens the window. */
  inbound(
    target: string,
    message: { waId: string; name?: string; text: string; at?: number },
  ): Promise<{ status: number; body: unknown; messageId: string }>;
  /** Delivers a signed status notification for a sent message. */
  status(target: string, messageId: string, status: string): Promise<{ status: number; body: unknown }>;
  /** POSTs `body` with the signature of `signedBody ?? body` (tests of tampering). */
  postRaw(target: string, body: string, signature?: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

const WINDOW_MS = 24 * 60 * 60_000;

export async function startWhatsAppSandbox(
  options: { port?: number; phoneNumberId?: string; appSecret?: string; accessToken?: string; now?: () => number } = {},
): Promise<WhatsAppSandbox> {
  const now = options.now ?? Date.now;
  const injections = new Injections();
  const state: WhatsAppSandboxState = {
    phoneNumberId: options.phoneNumberId ?? String(100_000_000_000_000 + Math.floor(Math.random() * 1e12)),
    displayPhoneNumber: '15550783881',
    accessToken: options.accessToken ?? `EAAG${randomBytes(12).toString('hex')}`,
    appSecret: options.appSecret ?? randomBytes(16).toString('hex'),
    sent: [],
    lastInbound: new Map(),
    webhook: undefined,
    inject(method, path, ...responses) {
      injections.add(method, path, responses);
    },
  };
  const graphError = (code: number, message: string, type = 'OAuthException') => ({
    error: { message, type, code, fbtrace_id: randomBytes(8).toString('hex') },
  });

  const postRaw = async (target: string, body: string, signature?: string) => {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature ?? whatsappSignature(state.appSecret, body) },
      body,
    });
    return answer(res);
  };
  const envelope = (value: Record<string, unknown>) =>
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: state.displayPhoneNumber, phone_number_id: state.phoneNumberId },
                ...value,
              },
            },
          ],
        },
      ],
    });
  const sendStatus = (target: string, messageId: string, status: string) => {
    const row = state.sent.find((x) => x.id === messageId);
    return postRaw(
      target,
      envelope({ statuses: [{ id: messageId, status, timestamp: String(Math.floor(now() / 1000)), recipient_id: row?.to ?? '0' }] }),
    );
  };

  const app = express();
  app.use(express.json());
  app.use((req, res, next) => {
    if (req.get('authorization') !== `Bearer ${state.accessToken}`) {
      res.status(401).json(graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
      return;
    }
    if (!injections.serve(req, res)) next();
  });
  app.get('/:version/:id', (req, res) => {
    if (req.params['id'] !== state.phoneNumberId) {
      res
        .status(400)
        .json(
          graphError(100, `Unsupported get request. Object with ID '${String(req.params['id'])}' does not exist`, 'GraphMethodException'),
        );
      return;
    }
    res.json({
      id: state.phoneNumberId,
      display_phone_number: state.displayPhoneNumber,
      verified_name: 'Sandbox Business',
      quality_rating: 'GREEN',
    });
  });
  app.post('/:version/:id/messages', (req, res) => {
    if (req.params['id'] !== state.phoneNumberId) {
      res.status(400).json(graphError(100, 'Invalid parameter'));
      return;
    }
    const b = req.body as {
      messaging_product?: string;
      to?: string;
      type?: string;
      text?: { body?: string };
      template?: { name?: string; language?: { code?: string } };
    };
    if (b.messaging_product !== 'whatsapp' || typeof b.to !== 'string' || (b.type !== 'text' && b.type !== 'template')) {
      res.status(400).json(graphError(100, '(#100) Invalid parameter'));
      return;
    }
    const waId = b.to.replace(/^\+/, '');
    if (b.type === 'text') {
      const last = state.lastInbound.get(waId);
      if (last === undefined || now() - last >= WINDOW_MS) {
        res.status(400).json(graphError(131047, 'Re-engagement message'));
        return;
      }
      if (typeof b.text?.body !== 'string' || b.text.body === '') {
        res.status(400).json(graphError(100, '(#100) The parameter text[body] is required.'));
        return;
      }
    } else if (typeof b.template?.name !== 'string' || typeof b.template.language?.code !== 'string') {
      res.status(400).json(graphError(132000, 'Number of parameters does not match the expected number of params'));
      return;
    }
    const id = `wamid.${randomBytes(18).toString('base64url')}`;
    state.sent.push({
      id,
      to: waId,
      type: b.type,
      ...(b.type === 'text' ? { text: b.text?.body ?? '' } : { template: b.template?.name ?? '' }),
      at: now(),
    });
    res.json({ messaging_product: 'whatsapp', contacts: [{ input: b.to, wa_id: waId }], messages: [{ id }] });
    const hook = state.webhook;
    if (hook !== undefined) {
      setTimeout(() => {
        void (async () => {
          for (const status of ['sent', 'delivered']) await sendStatus(hook, id, status).catch(() => undefined);
        })();
      }, 20);
    }
  });

  const { url, close } = await listen(app, options.port);
  return {
    url,
    state,
    postRaw,
    async inbound(target, m) {
      const at = m.at ?? now();
      state.lastInbound.set(m.waId, at);
      const messageId = `wamid.${randomBytes(18).toString('base64url')}`;
      const body = envelope({
        contacts: [{ profile: { name: m.name ?? 'WhatsApp User' }, wa_id: m.waId }],
        messages: [{ from: m.waId, id: messageId, timestamp: String(Math.floor(at / 1000)), type: 'text', text: { body: m.text } }],
      });
      return { ...(await postRaw(target, body)), messageId };
    },
    status: sendStatus,
    close,
  };
}
