/** Rows of the identity graph: nodes (records and identifiers), evidence edges, profiles, reviews. */
import type { IdentifierType, Provenance } from '../types';
import type { FieldWeight } from '../model/matcher';

/** Normalized values of the matcher's fields (see model/defaults.ts MATCH_FIELDS); absent = unknown. */
export type MatchVector = Readonly<Record<string, string>>;

export type NodeKind = 'record' | 'identifier';

export interface NodeRow {
  /** `rec:<source>:<recordId>` for records, the identifier key for identifiers. */
  readonly key: string;
  readonly kind: NodeKind;
  /** The profile the node belongs to; undefined for identifiers no record links (yet). */
  readonly profileId: string | undefined;
  /** Identifier type (identifier nodes only). */
  readonly type?: IdentifierType;
  /** Limit group (type plus scope, e.g. one HubSpot contact id per portal). */
  readonly limitGroup?: string;
  /** Seen on more than the allowed number of profiles: kept, but never links. */
  readonly shared: boolean;
  /** Given names seen on the record (records only), for the name guard. */
  readonly firstNames: readonly string[];
  /** Normalized match fields of a record (traits, email, phone), for online probabilistic scoring. */
  readonly match?: MatchVector;
  readonly seq: number;
}

/**
 * Evidence. `carries`: a source record carried an identifier. `crm-merge`: a CRM merged two records
 * (authoritative, not subject to limits). `manual-merge`: a person confirmed two are one (same
 * authority as a CRM merge). `probabilistic`: two records scored above the link threshold.
 * `household`: a record carrying only a shared identifier (a family phone) joined the one profile
 * among that identifier's carriers whose given name is compatible. `candidate`: a possible same
 * number (WhatsApp country quirks), never linking.
 */
export type EdgeKind = 'carries' | 'crm-merge' | 'manual-merge' | 'probabilistic' | 'household' | 'candidate';

/** Merges no limit can refuse. */
export function isAuthoritative(kind: EdgeKind): boolean {
  return kind === 'crm-merge' || kind === 'manual-merge';
}

/** `active` joins its ends; `conflict` was refused (see reason); `inactive` never links. */
export type EdgeStatus = 'active' | 'conflict' | 'inactive';

export type RefusalReason = 'limit' | 'name-mismatch' | 'cannot-link' | 'shared';

export interface ProbabilisticDetail {
  readonly probability: number;
  readonly fields: readonly FieldWeight[];
}

export interface EdgeRow {
  readonly id: string;
  readonly kind: EdgeKind;
  readonly a: string;
  readonly b: string;
  readonly provenance: Provenance;
  /** Global insertion order: replaying edges by seq reproduces the online decisions. */
  readonly seq: number;
  readonly status: EdgeStatus;
  readonly reason?: RefusalReason;
  readonly detail?: ProbabilisticDetail;
}

export interface ProfileRow {
  readonly id: string;
  readonly createdAt: string;
  readonly seq: number;
}

/** "Not the same person": the two nodes must never be in one profile. */
export interface CannotLink {
  readonly a: string;
  readonly b: string;
  readonly provenance: Provenance;
}

export type ReviewKind = 'conflict' | 'possible-match' | 'quirk-candidate';

/** Something a person should look at: a refused link, a possible match, a country-quirk candidate. */
export interface ReviewItem {
  readonly id: string;
  readonly kind: ReviewKind;
  readonly a: string;
  readonly b: string;
  readonly profiles: readonly string[];
  readonly reason?: RefusalReason;
  readonly detail?: ProbabilisticDetail;
  readonly provenance: Provenance;
}

export function recordKey(source: string, recordId: string): string {
  return `rec:${source}:${recordId}`;
}

export function edgeId(kind: EdgeKind, a: string, b: string, extra = ''): string {
  return `${kind}|${a}|${b}${extra ? `|${extra}` : ''}`;
}
