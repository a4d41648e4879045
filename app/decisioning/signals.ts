/**
 * The signals a decision looks at: the profile's recent understood messages plus the message that
 * triggered the request (`context.signal`), newest first. The context is free-form JSON from the
 * API, so its signal is checked structurally before use.
 */
import { CHANNELS, type Channel } from './catalog';
import { type DecisionContext, type ProfileSnapshot, type SignalObservation, type Urgency } from './types';

const URGENCIES: ReadonlySet<string> = new Set(['low', 'medium', 'high']);
const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);

export function readSignal(value: unknown): SignalObservation | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.intent !== 'string' || typeof v.sentiment !== 'number' || !Number.isFinite(v.sentiment)) return null;
  if (typeof v.urgency !== 'string' || !URGENCIES.has(v.urgency)) return null;
  // `at` is epoch ms, or an ISO-8601 string as JSON clients tend to send.
  const at = typeof v.at === 'string' ? Date.parse(v.at) : v.at;
  if (typeof at !== 'number' || !Number.isFinite(at)) return null;
  return {
    intent: v.intent,
    sentiment: Math.max(-1, Math.min(1, v.sentiment)),
    urgency: v.urgency as Urgency,
    at,
    ...(v.legalThreat === true ? { legalThreat: true } : {}),
    ...(typeof v.channel === 'string' && CHANNEL_SET.has(v.channel) ? { channel: v.channel as Channel } : {}),
  };
}

export function collectSignals(profile: ProfileSnapshot, context: DecisionContext): SignalObservation[] {
  const signals = [...(profile.recentSignals ?? [])];
  const triggering = readSignal(context.signal);
  if (triggering !== null) signals.push(triggering);
  signals.sort((a, b) => b.at - a.at);
  return signals;
}
