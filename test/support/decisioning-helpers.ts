import type { CardView } from '../../app/cards/card-view';
import { waitFor } from './services';
import type { ApiClient } from './runs-helpers';

/** An Etc/GMT zone whose local hour right now is in [from, to] (both 0–23, from ≤ to). */
export function zoneWithLocalHour(from: number, to: number, now = new Date()): string {
  for (let offset = -12; offset <= 14; offset++) {
    const hour = (now.getUTCHours() + offset + 24) % 24;
    if (hour >= from && hour <= to) return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  }
  throw new Error(`no zone has a local hour in [${from}, ${to}]`);
}

/** Daytime (10:00–15:59) and the middle of the night (01:00–04:59) somewhere, whatever the time of the test. */
export const dayZone = (): string => zoneWithLocalHour(10, 15);
export const nightZone = (): string => zoneWithLocalHour(1, 4);

export interface Ingested {
  eventId: string;
  profileId: string;
}

let counter = 0;

/** POST /events about a person (by email) and wait until the pipeline has processed it. */
export async function ingest(
  api: ApiClient,
  email: string,
  type: string,
  extra: {
    text?: string;
    traits?: Record<string, string | number | boolean>;
    properties?: Record<string, unknown>;
    occurredAt?: string;
    id?: string;
  } = {},
): Promise<Ingested> {
  counter += 1;
  const r = await api.call<Ingested & { error?: unknown }>('POST', '/events', {
    id: extra.id ?? `test-${Date.now()}-${counter}`,
    source: 'api',
    type,
    occurredAt: extra.occurredAt ?? new Date().toISOString(),
    subject: { identifiers: [{ type: 'email', value: email }], traits: extra.traits ?? {} },
    ...(extra.text === undefined ? {} : { text: extra.text }),
    ...(extra.properties === undefined ? {} : { properties: extra.properties }),
  });
  if (r.status !== 202) throw new Error(`ingest failed: ${r.status} ${JSON.stringify(r.body)}`);
  await waitFor(async () => {
    const e = await api.call<{ processedAt: string | null }>('GET', `/events/${r.body.eventId}`);
    return e.body.processedAt !== null;
  }, `event ${r.body.eventId} to be processed`);
  return r.body;
}

export interface DecisionJson {
  decisionId: string;
  action: { id: string; label: string; channel: string } | null;
  holdout: boolean;
  propensity: number;
  score: number | null;
  status: string;
  explanation: {
    actionId: string;
    fate: string;
    blockedBy?: { policy: string; reason: string };
    deferredUntil?: string;
    deferReason?: string;
    factors?: { evidence: number; propensityMean: number; score: number };
  }[];
}

export const card = async (api: ApiClient, profileId: string): Promise<CardView> =>
  (await api.call<CardView>('GET', `/profiles/${profileId}/card`)).body;
