/**
 * Sustained load over the public API: `message.received` events with text for distinct people (two
 * messages each, email + phone + HubSpot contact id), at a steady rate. Every event carries its own
 * id, so a request whose answer was lost (the web process killed mid-request) is sent again and
 * stored once: an event counts as acknowledged only when Baton answered 2xx for it.
 */
import type { HubSpotSandbox } from '../../test/sandboxes/hubspot';
import { PORTAL_ID } from './setup';

const TEXTS = [
  'Hi, can we book a demo of the product next week?',
  'I was charged twice this month, please refund one of the payments.',
  'How do I change the email address on my account?',
  'Your service has been down all morning and my team cannot work. This is unacceptable!',
  'Thanks a lot, the new dashboard is great.',
  'Could you send me a quote for 40 seats on the annual plan?',
  'I want to cancel my subscription at the end of the month.',
  'Hola, ¿pueden llamarme mañana por la tarde?',
  'The invoice PDF does not open, can you resend it?',
  'Is there a discount for non-profit organisations?',
  'Urgent: our integration stopped syncing contacts since yesterday.',
  'Bonjour, je voudrais parler à un conseiller commercial.',
];

export interface Person {
  readonly index: number;
  readonly email: string;
  readonly phone: string;
  readonly contactId: string;
}

export interface LoadStats {
  sent: number;
  acknowledged: number;
  /** Requests that got no 2xx (connection refused, 5xx while a process was down) and were sent again. */
  refusedAttempts: number;
  /** Events given up on (never acknowledged before the deadline); not counted as acknowledged. */
  abandoned: number;
  /** Ticks where the in-flight cap was reached and an event was not started. */
  throttled: number;
  /** Epoch ms of every acknowledgement, in order. */
  readonly ackTimes: number[];
  /** Source event ids acknowledged. */
  readonly acked: string[];
  /** Baton's event ids of the acknowledged events (from the answers). */
  readonly eventIds: string[];
  /** Requests Baton refused for good (a 4xx): a harness bug, reported. */
  readonly errors: string[];
  readonly people: Person[];
}

export interface LoadGenerator {
  readonly stats: LoadStats;
  /** Stops starting new events and waits for those in flight (each retried until acknowledged or `giveUpMs`). */
  stop(): Promise<void>;
}

export function startLoad(options: {
  baseUrl: string;
  apiKey: string;
  rate: number;
  tag: string;
  hubspot: HubSpotSandbox;
  maxInFlight?: number;
  giveUpMs?: number;
}): LoadGenerator {
  const stats: LoadStats = {
    sent: 0,
    acknowledged: 0,
    refusedAttempts: 0,
    abandoned: 0,
    throttled: 0,
    ackTimes: [],
    acked: [],
    eventIds: [],
    errors: [],
    people: [],
  };
  const maxInFlight = options.maxInFlight ?? 64;
  const giveUpMs = options.giveUpMs ?? 180_000;
  let inFlight = 0;
  let stopped = false;
  let n = 0;
  let credit = 0;
  const pending = new Set<Promise<void>>();

  const personOf = (index: number): Person => {
    const existing = stats.people[index];
    if (existing !== undefined) return existing;
    const email = `p${index}-${options.tag}@chaos.example`;
    const phone = `+1617${String(2_000_000 + index).padStart(7, '0')}`;
    const contact = options.hubspot.state.createObject(PORTAL_ID, 'contacts', {
      email,
      phone,
      firstname: `Person${index}`,
      lastname: 'Chaos',
    });
    const person = { index, email, phone, contactId: contact.id };
    stats.people[index] = person;
    return person;
  };

  const post = async (seq: number): Promise<void> => {
    const person = personOf(Math.floor(seq / 2));
    const id = `chaos-${options.tag}-${seq}`;
    const body = JSON.stringify({
      id,
      source: 'api',
      type: 'message.received',
      occurredAt: new Date().toISOString(),
      subject: {
        identifiers: [
          { type: 'email', value: person.email },
          { type: 'phone', value: person.phone },
          { type: 'hubspotContactId', value: person.contactId, scope: PORTAL_ID },
        ],
        traits: { firstName: `Person${person.index}` },
      },
      text: TEXTS[(seq * 7 + person.index) % TEXTS.length],
    });
    const started = Date.now();
    stats.sent++;
    for (;;) {
      try {
        const res = await fetch(`${options.baseUrl}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (res.status >= 200 && res.status < 300) {
          stats.acknowledged++;
          stats.ackTimes.push(Date.now());
          stats.acked.push(id);
          stats.eventIds.push((JSON.parse(text) as { eventId: string }).eventId);
          return;
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 429)
          throw new Error(`POST /api/v1/events answered ${res.status} for ${id}`);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('POST /api/v1/events answered')) throw err;
      }
      stats.refusedAttempts++;
      if (Date.now() - started > giveUpMs) {
        stats.abandoned++;
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const tickMs = 50;
  const timer = setInterval(() => {
    if (stopped) return;
    credit += (options.rate * tickMs) / 1000;
    while (credit >= 1) {
      if (inFlight >= maxInFlight) {
        stats.throttled++;
        credit = Math.min(credit, 1);
        break;
      }
      credit -= 1;
      inFlight++;
      const p = post(n++)
        .catch((err: unknown) => {
          stats.errors.push(err instanceof Error ? err.message : String(err));
        })
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
  }, tickMs);

  return {
    stats,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
