/**
 * The contract every contact policy module follows. A policy is bound once per decision to the
 * decision's inputs (so per-decision work such as counting contacts or reading the local time is
 * done once) and then checked against each candidate action.
 */
import { type Action } from '../catalog';
import { type DecisioningConfig } from '../config';
import { type ContactRecord, type DecisionContext, type ProfileSnapshot, type SignalObservation } from '../types';

export const POLICY_IDS = [
  'eligibility',
  'applicability',
  'suitability',
  'consent',
  'whatsapp_window',
  'high_risk',
  'ticket_suppression',
  'sentiment_suppression',
  'frequency_cap',
  'quiet_hours',
] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

export type PolicyVerdict =
  | { readonly kind: 'allow'; readonly note?: string }
  | { readonly kind: 'block'; readonly reason: string }
  | { readonly kind: 'defer'; readonly until: number; readonly reason: string };

export const ALLOW: PolicyVerdict = Object.freeze({ kind: 'allow' });

/** Everything a contact policy may look at, assembled once per decision. */
export interface PolicyInput {
  readonly profile: ProfileSnapshot;
  readonly context: DecisionContext;
  readonly config: DecisioningConfig;
  readonly contactHistory: readonly ContactRecord[];
  readonly now: number;
  /** The profile's recent signals plus the context's triggering signal, newest first. */
  readonly signals: readonly SignalObservation[];
}

/** An action as the policies see it: the catalog entry plus tenant settings resolved. */
export interface CandidateView {
  readonly action: Action;
  readonly promotional: boolean;
}

export type BoundPolicy = (candidate: CandidateView) => PolicyVerdict;

export interface ContactPolicy {
  readonly id: PolicyId;
  /** One line for settings pages and docs. */
  readonly summary: string;
  bind(input: PolicyInput): BoundPolicy;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
