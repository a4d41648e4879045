/** Row mapping between the identity tables (migration 003) and the graph's row types. */
import { createHash } from 'node:crypto';
import type { CannotLink, EdgeRow, NodeRow, ProbabilisticDetail, RefusalReason, ReviewItem } from '../../app/identity/graph/model';
import type { IdentifierType } from '../../app/identity/types';

export interface NodeDbRow {
  key: string;
  kind: NodeRow['kind'];
  profile_id: string | null;
  type: string | null;
  limit_group: string | null;
  shared: boolean;
  first_names: string[];
  match: Record<string, string> | null;
  seq: number;
}

export interface EdgeDbRow {
  id: string;
  kind: EdgeRow['kind'];
  a: string;
  b: string;
  source: string;
  record_id: string;
  at: string;
  seq: number;
  status: EdgeRow['status'];
  reason: string | null;
  detail: ProbabilisticDetail | null;
}

export interface ReviewDbRow {
  id: string;
  public_id: string;
  kind: ReviewItem['kind'];
  a: string;
  b: string;
  profiles: string[];
  reason: string | null;
  detail: ProbabilisticDetail | null;
  source: string;
  record_id: string;
  at: string;
  status: 'open' | 'confirmed' | 'rejected';
}

export const NODE_COLUMNS = 'key, kind, profile_id, type, limit_group, shared, first_names, match, seq';
export const EDGE_COLUMNS = 'id, kind, a, b, source, record_id, at, seq, status, reason, detail';
export const REVIEW_COLUMNS = 'id, public_id, kind, a, b, profiles, reason, detail, source, record_id, at, status';

export function nodeFromDb(r: NodeDbRow): NodeRow {
  return {
    key: r.key,
    kind: r.kind,
    profileId: r.profile_id ?? undefined,
    ...(r.type === null ? {} : { type: r.type as IdentifierType }),
    ...(r.limit_group === null ? {} : { limitGroup: r.limit_group }),
    shared: r.shared,
    firstNames: r.first_names,
    ...(r.match === null ? {} : { match: r.match }),
    seq: Number(r.seq),
  };
}

export function nodeToJson(n: NodeRow): Record<string, unknown> {
  return {
    key: n.key,
    kind: n.kind,
    profile_id: n.profileId ?? null,
    type: n.type ?? null,
    limit_group: n.limitGroup ?? null,
    shared: n.shared,
    first_names: n.firstNames,
    match: n.match ?? null,
    seq: n.seq,
  };
}

export function edgeFromDb(r: EdgeDbRow): EdgeRow {
  return {
    id: r.id,
    kind: r.kind,
    a: r.a,
    b: r.b,
    provenance: { source: r.source, recordId: r.record_id, at: r.at },
    seq: Number(r.seq),
    status: r.status,
    ...(r.reason === null ? {} : { reason: r.reason as RefusalReason }),
    ...(r.detail === null ? {} : { detail: r.detail }),
  };
}

export function edgeToJson(e: EdgeRow): Record<string, unknown> {
  return {
    id: e.id,
    kind: e.kind,
    a: e.a,
    b: e.b,
    source: e.provenance.source,
    record_id: e.provenance.recordId,
    at: e.provenance.at,
    seq: e.seq,
    status: e.status,
    reason: e.reason ?? null,
    detail: e.detail ?? null,
  };
}

export function cannotLinkFromDb(r: { a: string; b: string; source: string; record_id: string; at: string }): CannotLink {
  return { a: r.a, b: r.b, provenance: { source: r.source, recordId: r.record_id, at: r.at } };
}

/** URL-safe, stable id of a review item. */
export function reviewPublicId(id: string): string {
  return `rev_${createHash('sha256').update(id).digest('hex').slice(0, 24)}`;
}

export function reviewFromDb(r: ReviewDbRow): ReviewItem {
  return {
    id: r.id,
    kind: r.kind,
    a: r.a,
    b: r.b,
    profiles: r.profiles,
    ...(r.reason === null ? {} : { reason: r.reason as RefusalReason }),
    ...(r.detail === null ? {} : { detail: r.detail }),
    provenance: { source: r.source, recordId: r.record_id, at: r.at },
  };
}

export function reviewToJson(item: ReviewItem): Record<string, unknown> {
  return {
    id: item.id,
    public_id: reviewPublicId(item.id),
    kind: item.kind,
    a: item.a,
    b: item.b,
    profiles: item.profiles,
    reason: item.reason ?? null,
    detail: item.detail ?? null,
    source: item.provenance.source,
    record_id: item.provenance.recordId,
    at: item.provenance.at,
  };
}

/** Two 32-bit hashes of a lock name (FNV-1a with two offsets), for pg_advisory_xact_lock(int, int). */
export function lockPair(name: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return [h1 | 0, h2 | 0];
}

/** Last row per key: one INSERT … ON CONFLICT DO UPDATE must not touch a row twice. */
export function lastByKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const map = new Map<string, T>();
  for (const r of rows) map.set(key(r), r);
  return [...map.values()];
}
