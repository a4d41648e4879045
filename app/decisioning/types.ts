/**
 * Plain data the decision function reads and writes. Times are epoch milliseconds (numbers), so a
 * snapshot can be built from any store and a decision replayed exactly.
 */
import { type Action, type Channel } from './catalog';

export type Urgency = 'low' | 'medium' | 'high';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type ConsentStatus = 'opted_in' | 'opted_out' | 'unknown';

/** The minimal shape of an understood message (structural: the signals module's output fits it). */
export interface SignalObservation {
  readonly intent: string;
  /** In [-1, 1]. */
  readonly sentiment: number;
  readonly urgency: Urgency;
  /** When the message was received (epoch ms). */
  readonly at: number;
  /** Set when the text threatens legal action (lawyer, lawsuit, regulator...). */
  readonly legalThreat?: boolean;
  readonly channel?: Channel;
}

export interface OpenTicket {
  readonly id: string;
  readonly priority: TicketPriority;
  readonly openedAt?: number;
}

/** What the decision needs to know about one person. */
export interface ProfileSnapshot {
  readonly profileId: string;
  /** Propensity segment; defaults to the stage, then "all". */
  readonly segment?: string;
  readonly stage?: string;
  readonly hotness?: number;
  /** IANA time zone, e.g. "Europe/Berlin". */
  readonly timeZone?: string;
  /** ISO 639-1: the person's language trait, else the language of their latest understood message. */
  readonly language?: string;
  /** Account value (ARR, deal amount) used for "high-value account" rules. */
  readonly accountValue?: number;
  readonly traits?: Readonly<Record<string, unknown>>;
  readonly consent?: Readonly<Partial<Record<Channel, ConsentStatus>>>;
  readonly openTickets?: readonly OpenTicket[];
  /** Recent understood messages, any order. */
  readonly recentSignals?: readonly SignalObservation[];
  /** Last message received from the person per channel (epoch ms); WhatsApp's 24-hour window uses it. */
  readonly lastInboundAt?: Readonly<Partial<Record<Channel, number>>>;
}

/**
 * Free-form context of the request (trigger, source event...). `signal`, the message that triggered
 * the decision, is read when it has the SignalObservation shape (`at` as epoch ms or ISO string).
 */
export interface DecisionContext {
  readonly trigger?: string;
  readonly signal?: unknown;
  readonly [key: string]: unknown;
}

/** One past contact with this person (what frequency caps count). */
export interface ContactRecord {
  readonly actionId: string;
  readonly channel: Channel;
  readonly at: number;
}

export interface OutcomeCounts {
  readonly positives: number;
  readonly negatives: number;
}

/** Learned evidence for one action: overall and per segment. */
export interface ActionEvidence extends OutcomeCounts {
  readonly segments?: Readonly<Record<string, OutcomeCounts>>;
}

/** Evidence per action id; a missing action is brand new. */
export type PropensityTable = Readonly<Record<string, ActionEvidence>>;

export type { Action, Channel };
