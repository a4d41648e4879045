/**
 * Cross-channel frequency caps over the contact history: per channel and in total ("all" counts
 * every customer-contact channel: email, SMS, WhatsApp), per day and per week. Periods are rolling
 * windows (the last 24 hours, the last 7 days) so a cap cannot be dodged at midnight; the reason
 * names the cap, the count and when the oldest counted contact leaves the window.
 */
import { isCustomerContactChannel, type Channel } from '../catalog';
import { ALLOW, DAY_MS, formatInstant, type BoundPolicy, type ContactPolicy, type PolicyInput, type PolicyVerdict } from './types';

const PERIOD_MS = { day: DAY_MS, week: 7 * DAY_MS } as const;

interface WindowCount {
  count: number;
  oldest: number;
}

export const frequencyCapPolicy: ContactPolicy = {
  id: 'frequency_cap',
  summary: 'Limit contacts per person per day and week, per channel and across all channels.',
  bind(input: PolicyInput): BoundPolicy {
    const caps = input.config.frequencyCaps;
    if (caps.length === 0) return () => ALLOW;
    const now = input.now;
    // counts[period][channel | 'all']
    const counts = { day: new Map<string, WindowCount>(), week: new Map<string, WindowCount>() };
    for (const record of input.contactHistory) {
      if (record.at > now) continue;
      for (const period of ['day', 'week'] as const) {
        if (record.at <= now - PERIOD_MS[period]) continue;
        const keys = isCustomerContactChannel(record.channel) ? [record.channel, 'all'] : [record.channel];
        for (const key of keys) {
          const entry = counts[period].get(key);
          if (entry === undefined) counts[period].set(key, { count: 1, oldest: record.at });
          else {
            entry.count += 1;
            if (record.at < entry.oldest) entry.oldest = record.at;
          }
        }
      }
    }
    const verdicts = new Map<Channel, PolicyVerdict>();
    const verdictFor = (channel: Channel): PolicyVerdict => {
      for (const cap of caps) {
        const applies = cap.channel === channel || (cap.channel === 'all' && isCustomerContactChannel(channel));
        if (!applies) continue;
        const entry = counts[cap.period].get(cap.channel);
        const used = entry?.count ?? 0;
        if (used >= cap.max) {
          const frees = entry
            ? ` (oldest counted contact leaves the window at ${formatInstant(entry.oldest + PERIOD_MS[cap.period])})`
            : '';
          const scope = cap.channel === 'all' ? 'all channels' : cap.channel;
          return { kind: 'block', reason: `${scope} cap ${cap.max}/${cap.period} reached: ${used} in the last ${cap.period}${frees}` };
        }
      }
      return ALLOW;
    };
    return (candidate) => {
      const channel = candidate.action.channel;
      let verdict = verdicts.get(channel);
      if (verdict === undefined) {
        verdict = verdictFor(channel);
        verdicts.set(channel, verdict);
      }
      return verdict;
    };
  },
};
