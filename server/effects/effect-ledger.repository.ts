/**
 * The effect ledger in SQL (effect_ledger, migration 025): the one EffectLedger every vendor's action
 * port and the run engine's test recording port use, one row per (tenant, idempotency key). Besides
 * the port, the server side forgets a vendor's entries (disconnect purges) and a profile's entries
 * (privacy erasure). Nothing else reads or writes the table.
 */
import type {
  EffectEntry,
  EffectLedger,
  EffectOutcome,
  EffectReservation,
  EffectState,
  Reservation,
  ReserveOptions,
} from '../../app/orchestration/effect-ledger';
import type { JsonValue } from '../../app/orchestration/json';
import { withStrictDurability, type Queryable } from '../db/database';

interface Row {
  vendor: string;
  kind: string;
  account_id: string | null;
  state: EffectState;
  output: JsonValue | null;
  provider_ref: string | null;
  delivery_status: string | null;
  error_code: string | null;
  channel: string | null;
  recipient: string | null;
  profile_id: string | null;
  run_id: string | null;
  step_id: string | null;
  request: JsonValue;
  attempts: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS =
  'vendor, kind, account_id, state, output, provider_ref, delivery_status, error_code, channel, recipient, profile_id, run_id, step_id, request, attempts, created_at, updated_at';

const toEntry = (r: Row): EffectEntry => ({
  vendor: r.vendor,
  kind: r.kind,
  accountId: r.account_id,
  state: r.state,
  output: r.output,
  providerRef: r.provider_ref,
  deliveryStatus: r.delivery_status,
  errorCode: r.error_code,
  channel: r.channel,
  recipient: r.recipient,
  profileId: r.profile_id,
  runId: r.run_id,
  stepId: r.step_id,
  request: r.request,
  attempts: r.attempts,
  createdAt: new Date(r.created_at).getTime(),
  updatedAt: new Date(r.updated_at).getTime(),
});

const INSERT = `INSERT INTO effect_ledger (tenant_id, idempotency_key, vendor, kind, account_id, channel, recipient, profile_id, run_id, step_id, request, state, output)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

export class SqlEffectLedger implements EffectLedger {
  private readonly db: Queryable;

  /**
   * On a database (not a transaction's queryable) every statement commits durably, even when called
   * from derived work running with relaxed durability (server/db/database.ts): a side effect's record is
   * never one a PostgreSQL crash could take back after the vendor saw the call.
   */
  constructor(db: Queryable) {
    this.db = { query: (sql, params) => withStrictDurability(() => db.query(sql, params)) };
  }

  async reserve(e: EffectReservation, options: ReserveOptions = {}): Promise<Reservation> {
    const done = options.doneOutput !== undefined;
    const params = [
      e.tenantId,
      e.idempotencyKey,
      e.vendor,
      e.kind,
      e.accountId ?? null,
      e.channel ?? null,
      e.recipient ?? null,
      e.profileId ?? null,
      e.runId ?? null,
      e.stepId ?? null,
      JSON.stringify(e.request ?? {}),
      done ? 'done' : 'pending',
      done ? JSON.stringify(options.doneOutput) : null,
    ];
    switch (options.onConflict ?? 'keep') {
      case 'count': {
        // One statement: a new row, or the stored one with this attempt counted (xmax = 0 only on insert).
        const r = await this.db.query<Row & { inserted: boolean }>(
          `${INSERT} ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET attempts = effect_ledger.attempts + 1, updated_at = now()
           RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
          params,
        );
        const row = r.rows[0];
        if (row === undefined) throw new Error('effect_ledger upsert returned no row');
        return row.inserted ? { fresh: true } : { fresh: false, entry: toEntry(row) };
      }
      case 'reclaim-failed': {
        const r = await this.db.query(
          `${INSERT} ON CONFLICT (tenant_id, idempotency_key) DO UPDATE
             SET state = 'pending', attempts = effect_ledger.attempts + 1, vendor = EXCLUDED.vendor, account_id = EXCLUDED.account_id, channel = EXCLUDED.channel,
                 recipient = EXCLUDED.recipient, request = EXCLUDED.request, error_code = NULL, updated_at = now()
           WHERE effect_ledger.state = 'failed'
           RETURNING idempotency_key`,
          params,
        );
        if (r.rows.length > 0) return { fresh: true };
        break;
      }
      case 'keep': {
        const r = await this.db.query(`${INSERT} ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING idempotency_key`, params);
        if (r.rows.length > 0) return { fresh: true };
        break;
      }
    }
    const entry = await this.lookup(e.tenantId, e.idempotencyKey);
    if (entry === undefined) throw new Error('effect_ledger entry vanished while reserving it');
    return { fresh: false, entry };
  }

  async lookup(tenantId: string, idempotencyKey: string): Promise<EffectEntry | undefined> {
    const r = await this.db.query<Row>(`SELECT ${COLUMNS} FROM effect_ledger WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      idempotencyKey,
    ]);
    const row = r.rows[0];
    return row === undefined ? undefined : toEntry(row);
  }

  async settle(tenantId: string, idempotencyKey: string, outcome: EffectOutcome): Promise<void> {
    if (outcome.state === 'done') {
      await this.db.query(
        `UPDATE effect_ledger SET state = 'done', output = $3, provider_ref = coalesce($4, provider_ref), delivery_status = coalesce(delivery_status, $5), updated_at = now()
          WHERE tenant_id = $1 AND idempotency_key = $2`,
        [tenantId, idempotencyKey, JSON.stringify(outcome.output), outcome.providerRef ?? null, outcome.deliveryStatus ?? null],
      );
    } else {
      await this.db.query(
        `UPDATE effect_ledger SET state = $3, error_code = $4, updated_at = now() WHERE tenant_id = $1 AND idempotency_key = $2`,
        [tenantId, idempotencyKey, outcome.state, outcome.errorCode],
      );
    }
  }

  async rearm(tenantId: string, idempotencyKey: string): Promise<void> {
    await this.db.query(
      `UPDATE effect_ledger SET state = 'pending', attempts = attempts + 1, updated_at = now() WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, idempotencyKey],
    );
  }

  async release(tenantId: string, idempotencyKey: string): Promise<void> {
    await this.db.query(`DELETE FROM effect_ledger WHERE tenant_id = $1 AND idempotency_key = $2 AND state = 'pending'`, [
      tenantId,
      idempotencyKey,
    ]);
  }

  async recordDelivery(
    tenantId: string,
    vendor: string,
    providerRef: string,
    status: string,
    rank: number,
    errorCode: string | null,
  ): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE effect_ledger SET delivery_status = $4, delivery_rank = $5, error_code = coalesce($6, error_code), updated_at = now()
        WHERE tenant_id = $1 AND vendor = $2 AND provider_ref = $3 AND delivery_rank <= $5 RETURNING idempotency_key`,
      [tenantId, vendor, providerRef, status, rank, errorCode],
    );
    return r.rows.length > 0;
  }

  async hasDoneOutput(
    tenantId: string,
    m: { readonly vendor: string; readonly accountId?: string; readonly kind: string; readonly field: string; readonly value: string },
  ): Promise<boolean> {
    const r = await this.db.query(
      `SELECT 1 FROM effect_ledger WHERE tenant_id = $1 AND vendor = $2 AND ($3::text IS NULL OR account_id = $3) AND kind = $4 AND state = 'done' AND output->>$5 = $6 LIMIT 1`,
      [tenantId, m.vendor, m.accountId ?? null, m.kind, m.field, m.value],
    );
    return r.rows.length > 0;
  }

  // ---- server side only (purges, erasure, views) ----

  /** Disconnect purge: every entry of these vendors for the tenant. */
  async forgetVendor(tenantId: string, vendors: readonly string[]): Promise<number> {
    const r = await this.db.query('DELETE FROM effect_ledger WHERE tenant_id = $1 AND vendor = ANY($2::text[])', [tenantId, [...vendors]]);
    return r.rowCount;
  }

  /** Privacy erasure: the given vendors' entries about these profiles; returns the recipients they named. */
  async eraseProfiles(tenantId: string, vendors: readonly string[], profileIds: readonly string[]): Promise<string[]> {
    const r = await this.db.query<{ recipient: string | null }>(
      'DELETE FROM effect_ledger WHERE tenant_id = $1 AND vendor = ANY($2::text[]) AND profile_id = ANY($3::text[]) RETURNING recipient',
      [tenantId, [...vendors], [...profileIds]],
    );
    return [...new Set(r.rows.flatMap((row) => (row.recipient === null ? [] : [row.recipient])))];
  }

  /** The entries of one run (oldest first): what its steps did, for tests and views. */
  async ofRun(tenantId: string, runId: string): Promise<(EffectEntry & { readonly idempotencyKey: string })[]> {
    const r = await this.db.query<Row & { idempotency_key: string }>(
      `SELECT idempotency_key, ${COLUMNS} FROM effect_ledger WHERE tenant_id = $1 AND run_id = $2 ORDER BY created_at, idempotency_key`,
      [tenantId, runId],
    );
    return r.rows.map((row) => ({ idempotencyKey: row.idempotency_key, ...toEntry(row) }));
  }
}
