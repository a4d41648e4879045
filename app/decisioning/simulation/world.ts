/**
 * A simulated world for the decisioning bench and the demo: a catalog, a tenant configuration with
 * engagement and contact policies, and a population of customers whose response to each action
 * depends on their segment through hidden probabilities that only the simulator knows.
 * Everything is drawn from one seed.
 */
import { type Action, type Channel } from '../catalog';
import { defaultDecisioningConfig, type DecisioningConfig } from '../config';
import { createSampler } from '../random/distributions';
import { createSeededRandom, randomInt, type Random } from '../random/prng';
import { type ProfileSnapshot } from '../types';

export interface WorldSettings {
  readonly seed: number;
  readonly actions: number;
  readonly customers: number;
  readonly segments: readonly string[];
  /** Engagement rate of a customer who receives nothing (the holdout's organic rate). */
  readonly organicRate: number;
}

export const DEFAULT_WORLD: WorldSettings = {
  seed: 42,
  actions: 50,
  customers: 5000,
  segments: ['lead', 'engaged', 'active', 'at_risk'],
  organicRate: 0.01,
};

export interface SimulatedCustomer {
  readonly profile: ProfileSnapshot;
  readonly segmentIndex: number;
}

export interface World {
  readonly settings: WorldSettings;
  readonly catalog: readonly Action[];
  readonly config: DecisioningConfig;
  readonly customers: readonly SimulatedCustomer[];
  /** hidden[actionIndex][segmentIndex]: probability of a positive outcome when the action is delivered. */
  readonly hidden: readonly (readonly number[])[];
  /** A marketer's priority list: action ids, best guess first (by noisy overall rate, blind to segments). */
  readonly ruleListOrder: readonly string[];
}

const CHANNEL_MIX: readonly Channel[] = ['email', 'email', 'email', 'sms', 'whatsapp', 'task', 'crm_update'];
const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/Berlin', 'Europe/London', 'Asia/Tokyo', 'Australia/Sydney'];

function lognormal(rng: Random, sigma: number): number {
  return Math.exp(sigma * createSampler(rng).normal());
}

export function buildWorld(settings: WorldSettings = DEFAULT_WORLD): World {
  const rng = createSeededRandom(`world:${settings.seed}`);
  const sampler = createSampler(rng);
  const segments = settings.segments;

  const catalog: Action[] = [];
  const hidden: number[][] = [];
  const guessed: { id: string; guess: number }[] = [];
  for (let a = 0; a < settings.actions; a++) {
    const channel = CHANNEL_MIX[a % CHANNEL_MIX.length] ?? 'email';
    const id = `act_${String(a).padStart(2, '0')}_${channel}`;
    // A third of the actions are limited to some stages (engagement policy as data).
    const stages = a % 3 === 0 ? segments.filter((_, s) => (s + a) % 2 === 0) : null;
    catalog.push({
      id,
      label: `Simulated ${channel} action ${a}`,
      channel,
      value: 1,
      ...(stages !== null ? { eligibility: { in: [{ var: 'profile.stage' }, stages] } } : {}),
      ...(channel === 'whatsapp' ? { template: `template_${a}` } : {}),
    });
    const base = sampler.beta(1.5, 28);
    hidden.push(segments.map(() => Math.min(0.6, base * lognormal(rng, 0.9))));
    guessed.push({ id, guess: base * lognormal(rng, 0.5) });
  }

  const config = defaultDecisioningConfig({
    engagementPolicies: [
      { id: 'adults', kind: 'eligibility', rule: { '>=': [{ var: 'profile.traits.age' }, 18] } },
      { id: 'not-churned', kind: 'applicability', rule: { '!=': [{ var: 'profile.stage' }, 'churned'] } },
      {
        id: 'no-sms-to-enterprise',
        kind: 'suitability',
        description: 'enterprise contacts are not texted',
        rule: { '!': { and: [{ '==': [{ var: 'action.channel' }, 'sms'] }, { '==': [{ var: 'profile.traits.plan' }, 'enterprise'] }] } },
      },
    ],
    // Day caps are generous: the simulator decides for each person at most every few days.
    frequencyCaps: [
      { channel: 'all', period: 'day', max: 3 },
      { channel: 'all', period: 'week', max: 8 },
    ],
  });

  const customers: SimulatedCustomer[] = [];
  for (let c = 0; c < settings.customers; c++) {
    const segmentIndex = randomInt(rng, segments.length);
    const stage = segments[segmentIndex] ?? 'lead';
    customers.push({
      segmentIndex,
      profile: {
        profileId: `sim_${c}`,
        stage,
        segment: stage,
        timeZone: ZONES[randomInt(rng, ZONES.length)] ?? 'UTC',
        traits: { age: 18 + randomInt(rng, 50), plan: rng.next() < 0.2 ? 'enterprise' : 'pro' },
        consent: {
          email: rng.next() < 0.95 ? 'opted_in' : 'opted_out',
          sms: rng.next() < 0.6 ? 'opted_in' : 'unknown',
          whatsapp: rng.next() < 0.5 ? 'opted_in' : 'unknown',
        },
      },
    });
  }
  const ruleListOrder = guessed.sort((x, y) => y.guess - x.guess).map((g) => g.id);
  return { settings, catalog, config, customers, hidden, ruleListOrder };
}
