/**
 * `GET /api/v1/lift` over SQL: settled decisions' lift observations counted per (group, action,
 * bucket of the settlement time, UTC), then the pure statistics of app/decisioning/learning/lift.ts
 * (overall, per action, and the cumulative series of each). With `bucket=auto` the bucket is the
 * smallest one that draws the observed span in at most 60 points.
 */
import {
  bucketsBetween,
  chooseBucket,
  liftReportOverTime,
  type LiftBucket,
  type LiftReportOverTime,
  type TimedLiftRow,
} from '../../app/decisioning/learning/lift';
import type { Queryable } from '../db/database';

export async function liftRowsByBucket(q: Queryable, tenantId: string, bucket: LiftBucket): Promise<TimedLiftRow[]> {
  const r = await q.query<{
    lift_group: 'treated' | 'holdout';
    lift_action_id: string | null;
    bucket_ms: string | number;
    decisions: string | number;
    positives: string | number;
  }>(
    `SELECT lift_group, lift_action_id, (extract(epoch FROM date_trunc($2::text, at AT TIME ZONE 'UTC')) * 1000)::bigint AS bucket_ms,
            count(*) AS decisions, count(*) FILTER (WHERE lift_positive) AS positives
       FROM decision_outcomes WHERE tenant_id = $1 AND lift_group IS NOT NULL
      GROUP BY lift_group, lift_action_id, bucket_ms`,
    [tenantId, bucket],
  );
  return r.rows.map((row) => ({
    group: row.lift_group,
    actionId: row.lift_action_id,
    at: Number(row.bucket_ms),
    decisions: Number(row.decisions),
    positives: Number(row.positives),
  }));
}

/** First and last settlement time of the tenant's lift observations (epoch ms), or null when there are none. */
async function liftSpan(q: Queryable, tenantId: string): Promise<{ first: number; last: number } | null> {
  const r = await q.query<{ first: Date | string | null; last: Date | string | null }>(
    'SELECT min(at) AS first, max(at) AS last FROM decision_outcomes WHERE tenant_id = $1 AND lift_group IS NOT NULL',
    [tenantId],
  );
  const row = r.rows[0];
  if (row === undefined || row.first === null || row.last === null) return null;
  return { first: new Date(row.first).getTime(), last: new Date(row.last).getTime() };
}

/** Most buckets an explicitly asked bucket may span (a minute series over a year would be 525,600 points). */
export const MAX_SERIES_BUCKETS = 2000;

export class SeriesTooLongError extends Error {}

export async function liftOverTime(
  q: Queryable,
  tenantId: string,
  bucket: LiftBucket | 'auto',
  confidenceLevel: number,
): Promise<LiftReportOverTime> {
  const span = await liftSpan(q, tenantId);
  const chosen: LiftBucket = bucket !== 'auto' ? bucket : span === null ? 'day' : chooseBucket(span.first, span.last);
  if (span !== null && bucketsBetween(span.first, span.last, chosen) > MAX_SERIES_BUCKETS) {
    throw new SeriesTooLongError(
      `the outcomes span ${bucketsBetween(span.first, span.last, chosen)} ${chosen}s; ask for a larger bucket (at most ${MAX_SERIES_BUCKETS} points) or bucket=auto`,
    );
  }
  return liftReportOverTime(await liftRowsByBucket(q, tenantId, chosen), chosen, confidenceLevel);
}

// ---- delivery ------------------------------------------------------------------------------------

/** How many decided actions runs tried to carry out, and how many reached the person. */
export interface DeliveryCounts {
  /** Decisions whose action a run step tried to carry out (delivered + undeliverable). */
  readonly attempted: number;
  readonly delivered: number;
  readonly undeliverable: number;
  /** delivered / attempted, or null before any attempt. */
  readonly rate: number | null;
}

export interface DeliveryReport {
  readonly overall: DeliveryCounts;
  readonly perAction: readonly (DeliveryCounts & { readonly actionId: string })[];
}

/**
 * Records whether a decision's action reached the person. `delivered` wins over an earlier
 * `undeliverable` (a resumed run delivered it after the CRM record appeared); never the reverse.
 */
export async function recordDecisionDelivery(
  q: Queryable,
  tenantId: string,
  decisionId: string,
  delivered: boolean,
  reason: string | null,
): Promise<void> {
  await q.query(
    `UPDATE decisions SET delivery = $3, delivery_reason = $4, delivery_at = now()
      WHERE tenant_id = $1 AND id = $2 AND (delivery IS NULL OR (delivery = 'undeliverable' AND $3 = 'delivered'))`,
    [tenantId, decisionId, delivered ? 'delivered' : 'undeliverable', delivered ? null : reason],
  );
}

const counts = (delivered: number, undeliverable: number): DeliveryCounts => {
  const attempted = delivered + undeliverable;
  return { attempted, delivered, undeliverable, rate: attempted === 0 ? null : delivered / attempted };
};

/**
 * Delivery of treated (non-holdout) decisions per action. Lift itself stays intention-to-treat (every
 * treated decision counts, delivered or not); this says how much of the treatment actually arrived.
 */
export async function deliveryReport(q: Queryable, tenantId: string): Promise<DeliveryReport> {
  const r = await q.query<{ action_id: string; delivered: string | number; undeliverable: string | number }>(
    `SELECT action_id, count(*) FILTER (WHERE delivery = 'delivered') AS delivered, count(*) FILTER (WHERE delivery = 'undeliverable') AS undeliverable
       FROM decisions WHERE tenant_id = $1 AND NOT holdout AND action_id IS NOT NULL AND delivery IS NOT NULL
      GROUP BY action_id ORDER BY action_id`,
    [tenantId],
  );
  const perAction = r.rows.map((row) => ({ actionId: row.action_id, ...counts(Number(row.delivered), Number(row.undeliverable)) }));
  const total = perAction.reduce((sum, a) => ({ d: sum.d + a.delivered, u: sum.u + a.undeliverable }), { d: 0, u: 0 });
  return { overall: counts(total.d, total.u), perAction };
}
