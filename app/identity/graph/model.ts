/** Rows of the identity graph: nodes (records and identifiers), evidence edges, profiles, reviews. */
import type { IdentifierType, Provenance } from '../types';
import type { FieldWeight } from '../model/matcher';

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
  readonly seq: number;
}

/**
 * Evidence. `carries`: a source record carried an identifier. `crm-merge`: a CRM merged two records
 * (authoritative, not subject to limits). `probabilistic`: two records scored above the link
 * threshold. `candidate`: a possible same number (WhatsApp country quirks), never linking.
 */
export type EdgeKind = 'carries' | 'crm-merge' | 'probabilistic' | 'candidate';

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
