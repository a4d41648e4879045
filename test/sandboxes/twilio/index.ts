/**
 * A local Twilio Messaging API (reference zendesk-messaging.md §3): account fetch, Messages create
 * and list under /2010-04-01/Accounts/{sid}, Basic auth AccountSid:AuthToken, error bodies
 * `{ code, message, more_info, status }` (21610 opted out, 63016 outside the WhatsApp window), 429
 * with Retry-After on demand, STOP/START keyword handling per sender, and signed webhooks to Baton:
 * inbound messages and status callbacks (X-Twilio-Signature over the exact URL + sorted params).
 * Driven by the real `twilio` SDK whose request client is pointed here.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { twilioSignature } from '../../../connectors/twilio/client/signature';
import { OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS } from '../../../connectors/twilio/client/inbound';
import { Injections, listen, type Injected } from '../messaging-support';

export interface TwilioMessageRow {
  sid: string;
  to: string;
  from: string | null;
  body: string | null;
  contentSid: string | null;
  status: string;
  statusCallback: string | null;
  dateCreated: string;
}

export interface TwilioSandboxState {
  readonly accountSid: string;
  readonly authToken: string;
  readonly messages: TwilioMessageRow[];
  /** Addresses (E.164, or whatsapp:+E164) that texted STOP. */
  readonly optedOut: Set<string>;
  /** WhatsApp addresses (whatsapp:+E164) with an open 24-hour window (they wrote last day). */
  readonly whatsappSessions: Set<string>;
  readonly requests: { method: string; path: string }[];
  /** When true, every sent message reports `sent` then `delivered` to its StatusCallback (as Twilio does). */
  autoStatus: boolean;
  inject(method: string, path: RegExp, ...responses: Injected[]): void;
}

export interface TwilioSandbox {
  readonly url: string;
  readonly state: TwilioSandboxState;
  /** Sends a signed inbound message webhook to `target` (Baton's public URL); records STOP/START and the WhatsApp window like Twilio. */
  inbound(
    target: string,
    message: { from: string; to: string; body: string; profileName?: string; waId?: string },
  ): Promise<{ status: number; text: string; messageSid: string }>;
  /** Sends a signed status callback for a message to its StatusCallback URL. */
  statusCallback(messageSid: string, status: string, errorCode?: string): Promise<{ status: number; text: string }>;
  /** Posts arbitrary signed (or unsigned with `signature`) form params. */
  post(target: string, params: Record<string, string>, signature?: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

const hex = (n: number): string => randomBytes(n).toString('hex');
const sidOf = (prefix: string): string => `${prefix}${hex(16)}`;

export async function startTwilioSandbox(options: { port?: number; accountSid?: string; authToken?: string } = {}): Promise<TwilioSandbox> {
  const injections = new Injections();
  const state: TwilioSandboxState = {
    accountSid: options.accountSid ?? sidOf('AC'),
    authToken: options.authToken ?? hex(16),
    messages: [],
    optedOut: new Set(),
    whatsappSessions: new Set(),
    requests: [],
    autoStatus: false,
    inject(method, path, ...responses) {
      injections.add(method, path, responses);
    },
  };
  const error = (status: number, code: number, message: string) => ({
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });

  const post = async (target: string, params: Record<string, string>, signature?: string) => {
    const res = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature ?? twilioSignature(state.authToken, target, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, text: await res.text() };
  };

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const account = express.Router({ mergeParams: true });
  app.use(
    '/2010-04-01/Accounts/:sid',
    (req, res, next) => {
      state.requests.push({ method: req.method, path: req.originalUrl.split('?')[0] ?? '' });
      const expected = `Basic ${Buffer.from(`${state.accountSid}:${state.authToken}`).toString('base64')}`;
      const sid = req.originalUrl
        .split('/')[3]
        ?.replace(/\.json.*$/, '')
        .split('?')[0];
      if (req.get('authorization') !== expected || sid !== state.accountSid) {
        res.status(401).json(error(401, 20003, 'Authenticate'));
        return;
      }
      if (!injections.serve(req, res)) next();
    },
    account,
  );
  app.get(/^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\.json$/, (_req, res) => {
    res.json({
      sid: state.accountSid,
      friendly_name: 'Sandbox account',
      status: 'active',
      type: 'Full',
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${state.accountSid}.json`,
    });
  });
  const resource = (m: TwilioMessageRow) => ({
    sid: m.sid,
    account_sid: state.accountSid,
    to: m.to,
    from: m.from,
    body: m.body ?? '',
    status: m.status,
    num_segments: '1',
    num_media: '0',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: new Date(m.dateCreated).toUTCString(),
    date_updated: new Date(m.dateCreated).toUTCString(),
    date_sent: new Date(m.dateCreated).toUTCString(),
    error_code: null,
    error_message: null,
    messaging_service_sid: null,
    price: null,
    price_unit: 'USD',
    uri: `/2010-04-01/Accounts/${state.accountSid}/Messages/${m.sid}.json`,
    subresource_uris: {},
  });
  account.post('/Messages.json', (req, res) => {
    const p = req.body as Record<string, string | undefined>;
    if (p['To'] === undefined || (p['From'] === undefined && p['MessagingServiceSid'] === undefined)) {
      res.status(400).json(error(400, 21604, "A 'To' phone number and a 'From' number or MessagingServiceSid are required."));
      return;
    }
    if (p['Body'] === undefined && p['ContentSid'] === undefined && p['MediaUrl'] === undefined) {
      res.status(400).json(error(400, 21602, 'Message body is required.'));
      return;
    }
    if (state.optedOut.has(p['To'])) {
      res.status(400).json(error(400, 21610, 'Attempt to send to unsubscribed recipient'));
      return;
    }
    if (p['To'].startsWith('whatsapp:') && p['ContentSid'] === undefined && !state.whatsappSessions.has(p['To'])) {
      res
        .status(400)
        .json(error(400, 63016, 'Failed to send freeform message because you are outside the allowed window. Please use a Template.'));
      return;
    }
    const m: TwilioMessageRow = {
      sid: sidOf('SM'),
      to: p['To'],
      from: p['From'] ?? null,
      body: p['Body'] ?? null,
      contentSid: p['ContentSid'] ?? null,
      status: 'queued',
      statusCallback: p['StatusCallback'] ?? null,
      dateCreated: new Date().toISOString(),
    };
    state.messages.push(m);
    res.status(201).json(resource(m));
    if (state.autoStatus && m.statusCallback !== null) {
      const callback = m.statusCallback;
      setTimeout(() => {
        void (async () => {
          for (const status of ['sent', 'delivered']) {
            m.status = status;
            const params = {
              MessageSid: m.sid,
              SmsSid: m.sid,
              MessageStatus: status,
              SmsStatus: status,
              AccountSid: state.accountSid,
              To: m.to,
              From: m.from ?? '',
              ApiVersion: '2010-04-01',
            };
            await post(callback, params).catch(() => undefined);
          }
        })();
      }, 20);
    }
  });
  account.get('/Messages.json', (req, res) => {
    const to = req.query['To'];
    const from = req.query['From'];
    const after = req.query['DateSent>'] ?? req.query['DateSent>='];
    const list = state.messages.filter(
      (m) =>
        (to === undefined || m.to === to) &&
        (from === undefined || m.from === from) &&
        (typeof after !== 'string' || Date.parse(m.dateCreated) >= Date.parse(after)),
    );
    res.json({
      messages: list.map(resource),
      first_page_uri: '',
      next_page_uri: null,
      previous_page_uri: null,
      page: 0,
      page_size: 50,
      start: 0,
      end: list.length,
      uri: req.originalUrl,
    });
  });

  const { url, close } = await listen(app, options.port);
  return {
    url,
    state,
    post,
    async inbound(target, message) {
      const whatsapp = message.from.startsWith('whatsapp:');
      const word = message.body.trim().toUpperCase();
      if (OPT_OUT_KEYWORDS.has(word)) state.optedOut.add(message.from);
      if (OPT_IN_KEYWORDS.has(word)) state.optedOut.delete(message.from);
      if (whatsapp) state.whatsappSessions.add(message.from);
      const messageSid = sidOf('SM');
      const params: Record<string, string> = {
        ToCountry: 'US',
        SmsMessageSid: messageSid,
        NumMedia: '0',
        SmsSid: messageSid,
        SmsStatus: 'received',
        Body: message.body,
        To: message.to,
        NumSegments: '1',
        MessageSid: messageSid,
        AccountSid: state.accountSid,
        From: message.from,
        ApiVersion: '2010-04-01',
        ...(whatsapp
          ? {
              WaId: message.waId ?? message.from.replace(/^whatsapp:\+/, ''),
              ...(message.profileName === undefined ? {} : { ProfileName: message.profileName }),
            }
          : {}),
      };
      return { ...(await post(target, params)), messageSid };
    },
    async statusCallback(messageSid, status, errorCode) {
      const m = state.messages.find((x) => x.sid === messageSid);
      if (m === undefined || m.statusCallback === null) throw new Error(`no status callback for ${messageSid}`);
      m.status = status;
      const params: Record<string, string> = {
        MessageSid: m.sid,
        SmsSid: m.sid,
        MessageStatus: status,
        SmsStatus: status,
        AccountSid: state.accountSid,
        To: m.to,
        From: m.from ?? '',
        ApiVersion: '2010-04-01',
        ...(errorCode === undefined ? {} : { ErrorCode: errorCode }),
      };
      return post(m.statusCallback, params);
    },
    close,
  };
}
