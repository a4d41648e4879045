import type {
  JsonObject,
  JsonValue,
  Run,
  RunEnd,
  RunStatus,
  StepExecution,
  StepStatus,
  WaitReason,
  AttemptRecord,
  StepError,
  StepKind,
} from '../../app/orchestration';

/**
 * Mapping between run/step rows and the engine's objects. Rows are read as `to_jsonb(row)`, so both
 * drivers (pg, PGlite) hand over the same shapes: timestamps arrive as ISO strings, jsonb as values.
 */
export type RunJson = Record<string, JsonValue>;

/**
 * The ISO text of the instants rendered last, in slots by their low bits: a commit renders the same
 * few instants many times (the step finished, the next one scheduled and started, the run updated,
 * all at one `now`; the unchanged timestamps of earlier commits), and `Date#toISOString` was the
 * largest single cost of turning a commit into records.
 */
const ISO_SLOTS = 16;
const isoMs = new Float64Array(ISO_SLOTS).fill(Number.NaN);
const isoText: string[] = new Array<string>(ISO_SLOTS).fill('');

/** Epoch ms → ISO timestamp parameter (null stays null). */
export function toTimestamp(ms: number | null): string | null {
  if (ms === null) return null;
  const slot = ms & (ISO_SLOTS - 1);
  if (isoMs[slot] === ms) return isoText[slot] ?? new Date(ms).toISOString();
  const iso = new Date(ms).toISOString();
  isoMs[slot] = ms;
  isoText[slot] = iso;
  return iso;
}

const ms = (value: JsonValue | undefined): number | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new Error(`expected a timestamp, got ${JSON.stringify(value)}`);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new Error(`unreadable timestamp ${value}`);
  return parsed;
};
const requiredMs = (value: JsonValue | undefined, what: string): number => {
  const v = ms(value);
  if (v === null) throw new Error(`${what} is missing`);
  return v;
};
const str = (value: JsonValue | undefined, what: string): string => {
  if (typeof value !== 'string') throw new Error(`${what} is not text`);
  return value;
};
const optStr = (value: JsonValue | undefined): string | null => (typeof value === 'string' ? value : null);
const int = (value: JsonValue | undefined): number => (typeof value === 'number' ? value : 0);
const json = (value: JsonValue | undefined): JsonValue => (value === undefined ? null : value);
const obj = (value: JsonValue | undefined): JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};

/** Stored JSON written by this adapter from the engine's own typed values, read back as those types. */
function stored<T>(value: JsonValue | undefined): T | null {
  return value === null || value === undefined ? null : (value as unknown as T);
}

export function runFromJson(r: RunJson): Run {
  const leaseOwner = optStr(r['lease_owner']);
  const leaseExpiresAt = ms(r['lease_expires_at']);
  const consumed = r['consumed_event_ids'];
  return {
    tenantId: str(r['tenant_id'], 'tenant_id'),
    id: str(r['id'], 'id'),
    playbookId: str(r['playbook_id'], 'playbook_id'),
    playbookVersion: int(r['playbook_version']),
    profileId: str(r['profile_id'], 'profile_id'),
    concurrencyKey: optStr(r['concurrency_key']),
    status: str(r['status'], 'status') as RunStatus,
    context: obj(r['context']),
    cursor: optStr(r['cursor']),
    waitingFor: optStr(r['waiting_for']) as WaitReason | null,
    wakeAt: ms(r['wake_at']),
    error: stored<StepError & { readonly stepId: string }>(r['error']),
    end: stored<RunEnd>(r['ended_by']),
    lease: leaseOwner === null || leaseExpiresAt === null ? null : { owner: leaseOwner, expiresAt: leaseExpiresAt },
    resumeCount: int(r['resume_count']),
    consumedEventIds: Array.isArray(consumed) ? consumed.filter((c): c is string => typeof c === 'string') : [],
    version: int(r['version']),
    createdAt: requiredMs(r['created_at'], 'created_at'),
    updatedAt: requiredMs(r['updated_at'], 'updated_at'),
    startedAt: ms(r['started_at']),
    endedAt: ms(r['ended_at']),
  };
}

export function stepFromJson(s: RunJson): StepExecution {
  const attempts = s['attempts'];
  return {
    stepId: str(s['step_id'], 'step_id'),
    kind: str(s['kind'], 'kind') as StepKind,
    status: str(s['status'], 'status') as StepStatus,
    input: json(s['input']),
    output: json(s['output']),
    attempt: int(s['attempt']),
    rateLimitWaits: int(s['rate_limit_waits']),
    error: stored<StepError>(s['error']),
    idempotencyKey: optStr(s['idempotency_key']),
    keyGeneration: int(s['key_generation']),
    decision: s['decision'] === null || s['decision'] === undefined ? null : obj(s['decision']),
    dueAt: ms(s['due_at']),
    attempts: Array.isArray(attempts) ? (attempts as unknown as AttemptRecord[]) : [],
    scheduledAt: requiredMs(s['scheduled_at'], 'scheduled_at'),
    startedAt: ms(s['started_at']),
    attemptStartedAt: ms(s['attempt_started_at']),
    finishedAt: ms(s['finished_at']),
    updatedAt: requiredMs(s['updated_at'], 'updated_at'),
  };
}

/** A step execution as a record for `jsonb_to_recordset` (the column list is STEP_RECORD_COLUMNS). */
export function stepRecord(tenantId: string, runId: string, position: number, exec: StepExecution): Record<string, unknown> {
  return {
    tenant_id: tenantId,
    run_id: runId,
    step_id: exec.stepId,
    position,
    kind: exec.kind,
    status: exec.status,
    input: exec.input,
    output: exec.output,
    attempt: exec.attempt,
    rate_limit_waits: exec.rateLimitWaits,
    error: exec.error,
    idempotency_key: exec.idempotencyKey,
    key_generation: exec.keyGeneration,
    decision: exec.decision,
    due_at: toTimestamp(exec.dueAt),
    attempts: exec.attempts,
    scheduled_at: toTimestamp(exec.scheduledAt),
    started_at: toTimestamp(exec.startedAt),
    attempt_started_at: toTimestamp(exec.attemptStartedAt),
    finished_at: toTimestamp(exec.finishedAt),
    updated_at: toTimestamp(exec.updatedAt),
  };
}

export const STEP_RECORD_COLUMNS = `tenant_id text, run_id text, step_id text, position integer, kind text, status text,
  input jsonb, output jsonb, attempt integer, rate_limit_waits integer, error jsonb, idempotency_key text,
  key_generation integer, decision jsonb, due_at timestamptz, attempts jsonb, scheduled_at timestamptz,
  started_at timestamptz, attempt_started_at timestamptz, finished_at timestamptz, updated_at timestamptz`;
