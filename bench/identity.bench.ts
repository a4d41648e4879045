/**
 * Identity resolution: FEBRL 1/2/3 (dedupe) and 4 (linkage, dataset4a/4b) pairwise precision /
 * recall / F1 and records/s (when ../shared/datasets/febrl has them), incremental link operations/s
 * and SQL round trips per event, and a seeded CRM-like
 * synthetic population. Baselines measured in the same run: exact match on all fields (accuracy),
 * a trivial normalise-and-hash pass over the same rows (speed), exact-email linking (synthetic).
 * The incremental SQL figures include the ingest path's shape (issue #16, target 4: >= 2,000 link
 * operations/s on PostgreSQL at <= 3 statements per event): linkMany on micro-batches of 16 and 32
 * events, one and two transactions at a time, each beside one-row INSERT transactions at the same
 * concurrency, with CPU ms per event of this process and (PostgreSQL on this machine) of the database
 * backends serving the bench, read from /proc: wall-clock rates swing with the machine's other load.
 * Knobs: BATON_BENCH_IDENTITY_EVENTS (events per incremental run, default 1500),
 * BATON_BENCH_IDENTITY_SQL (which databases, default pglite,postgres), BATON_BENCH_IDENTITY_RUNS=ingest
 * (only the ingest-shape SQL runs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { pairwiseScores } from '../app/identity/batch/evaluate';
import { resolveBatch, type BatchRecord } from '../app/identity/batch/resolve-batch';
import { IdentityResolver } from '../app/identity/graph/engine';
import { InMemoryGraphStore } from '../app/identity/graph/memory-store';
import { IdentifierNormalizer } from '../app/identity/normalize/identifier';
import { generateCrmPopulation } from '../app/identity/synthetic/crm-population';
import type { RawIdentifier } from '../app/identity/types';
import { seededRandom } from '../app/identity/util/prng';
import { migrate } from '../server/db/migrate';
import type { Database, Queryable } from '../server/db/database';
import { openPglite } from '../server/db/pglite';
import { startPlannerStatistics } from '../server/db/planner-statistics';
import { dropSchema, openPostgres } from '../server/db/postgres';
import { createLogger } from '../server/observability/logger';
import { IdentityService } from '../server/identity/identity.service';
import type { CanonicalEvent } from '../app/events/canonical-event';
import { createTenant } from '../server/tenants/tenants.repository';
import type { SyntheticRecord } from '../app/identity/synthetic/crm-population';
import { BackendCpu } from './support';
import type { BenchFigure, BenchSuite } from './types';
import {
  ALL_CATEGORIES,
  clusterByKeys,
  generateTrapPopulation,
  HELD_OUT_PEOPLE,
  HELD_OUT_SEED,
  scorePairs,
  type PairScore,
  type TrapRecord,
} from '../test/fixtures/identity-traps/generator';
import { resolveTrapsBatch, resolveTrapsLive } from '../test/unit/identity/trap-harness';

const FEBRL_DIR = path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'febrl');
const FEBRL_MAP: Readonly<Record<string, string>> = {
  given_name: 'firstName',
  surname: 'lastName',
  street_number: 'streetNumber',
  address_1: 'street',
  address_2: 'addressLine2',
  suburb: 'city',
  postcode: 'postcode',
  state: 'region',
  date_of_birth: 'birthDate',
  soc_sec_id: 'nationalId',
};
const AT = '2026-01-01T00:00:00.000Z';

function loadFebrl(file: string): { records: BatchRecord[]; truth: string[] } {
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, trim: true }) as Record<string, string>[];
  const records = rows.map((row) => {
    const values: Record<string, string> = {};
    for (const [col, field] of Object.entries(FEBRL_MAP)) if (row[col]) values[field] = row[col];
    return { source: path.basename(file), recordId: row['rec_id'] ?? '', values };
  });
  return { records, truth: rows.map((row) => (row['rec_id'] ?? '').split('-')[1] ?? '') };
}

/** Exact match on all mapped fields: the accuracy baseline. */
function exactAllFields(records: readonly BatchRecord[]): string[] {
  return records.map((r) =>
    JSON.stringify(
      Object.entries(r.values)
        .sort()
        .map(([k, v]) => [k, (v ?? '').trim().toLowerCase()]),
    ),
  );
}

/** A trivial pass over the same rows (trim, lower-case, hash into a map): the speed baseline. */
function trivialPass(records: readonly BatchRecord[]): number {
  const seen = new Map<string, number>();
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as BatchRecord;
    let key = '';
    for (const v of Object.values(r.values)) key += `${(v ?? '').trim().toLowerCase()}|`;
    seen.set(key, i);
  }
  return seen.size;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function timeRecordsPerSecond(n: number, run: () => Promise<unknown> | unknown, repeats: number): Promise<number> {
  return (await timeRates(n, run, repeats)).wall;
}

/**
 * Median records/s by wall clock and by this process's CPU time (user + system, GC threads
 * included). On a machine shared with other work the CPU-time figure is the one-core throughput.
 */
async function timeRates(n: number, run: () => Promise<unknown> | unknown, repeats: number): Promise<{ wall: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(n / ((performance.now() - t0) / 1000));
    const c = process.cpuUsage(c0);
    cpu.push(n / ((c.user + c.system) / 1e6));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function accuracyFigures(
  prefix: string,
  predicted: readonly string[],
  baseline: readonly string[],
  truth: readonly string[],
): BenchFigure[] {
  const s = pairwiseScores(predicted, truth);
  const b = pairwiseScores(baseline, truth);
  const fig = (name: string, value: number, base: number): BenchFigure => ({
    name: `${prefix}.${name}`,
    value: round(value),
    unit: 'ratio',
    baseline: round(base),
    ...(base > 0 ? { ratio: round(value / base) } : {}),
  });
  return [fig('precision', s.precision, b.precision), fig('recall', s.recall, b.recall), fig('f1', s.f1, b.f1)];
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

function identifiersOf(r: BatchRecord): RawIdentifier[] {
  const out: RawIdentifier[] = [];
  const v = r.values;
  if (v.hubspotContactId) out.push({ type: 'hubspotContactId', value: v.hubspotContactId });
  if (v.zendeskUserId) out.push({ type: 'zendeskUserId', value: v.zendeskUserId });
  if (v.email) out.push({ type: 'email', value: v.email });
  if (v.whatsappId) out.push({ type: 'whatsapp', value: v.whatsappId });
  if (v.phone) out.push({ type: 'phone', value: v.phone });
  return out;
}

const POSTGRES_URL =
  process.env['BATON_BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A synthetic record as the canonical event the ingest path hands to identity. */
function eventOf(r: SyntheticRecord): CanonicalEvent {
  return {
    source: r.source,
    type: 'contact.updated',
    occurredAt: AT,
    subject: { identifiers: identifiersOf(r), traits: r.values },
  } as CanonicalEvent;
}

interface SqlRun {
  rate: number;
  statementsPerEvent: number;
  /** CPU ms per event: this process (user + system) and the database's backends (PostgreSQL only). */
  nodeCpuMs: number;
  dbCpuMs: number | undefined;
}

/**
 * Incremental link operations/s through the service's identity path on SQL, as the pipeline runs it:
 * `identify` (one event per transaction, the ingest hook) or `linkMany` (a micro-batch of events per
 * transaction, the identity stage), `concurrency` transactions at a time, on a fresh tenant.
 * Deterministic, household and probabilistic matching on. Every statement identity sends inside the
 * transaction is counted (BEGIN / COMMIT belong to the caller's transaction and are not).
 */
async function sqlIdentity(
  db: Database,
  events: readonly CanonicalEvent[],
  concurrency: number,
  batchSize: number,
  appName: string | undefined,
): Promise<SqlRun> {
  const { tenantId } = await createTenant(db, 'bench');
  await db.query(`UPDATE tenants SET settings = jsonb_set(settings, '{identity}', '{"defaultRegion":"US"}') WHERE id = $1`, [tenantId]);
  const service = new IdentityService();
  await db.transaction((tx) => service.resolver(tx, tenantId)); // settings and model read once, as a running worker has them
  let statements = 0;
  const counting = (tx: Queryable): Queryable => ({ query: (sql, params) => (statements++, tx.query(sql, params)) });
  let next = 0;
  let seq = 0;
  const worker = async (): Promise<void> => {
    for (let i = next; i < events.length; i = next) {
      next = i + batchSize;
      const slice = events.slice(i, i + batchSize).map((event) => ({ eventId: `evt_bench_${++seq}`, event }));
      await db.transaction(async (tx): Promise<unknown> =>
        batchSize === 1
          ? service.identify(counting(tx), { tenantId, ...(slice[0] as { eventId: string; event: CanonicalEvent }) })
          : service.linkMany(counting(tx), tenantId, slice),
      );
    }
  };
  // This bench's backends, by the pool's application name (none embedded).
  const backends =
    appName === undefined
      ? undefined
      : await BackendCpu.begin(async () =>
          (await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName])).rows.map((r) =>
            Number(r.pid),
          ),
        );
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const dbCpu = await backends?.end();
  return {
    rate: events.length / (wall / 1000),
    statementsPerEvent: statements / events.length,
    nodeCpuMs: (c.user + c.system) / 1000 / events.length,
    dbCpuMs: dbCpu === undefined ? undefined : (dbCpu * 1000) / events.length,
  };
}

/** Baseline: the same number of durable one-row INSERT transactions on the same database, `concurrency` at a time. */
async function insertBaseline(db: Database, records: readonly SyntheticRecord[], concurrency: number): Promise<number> {
  await db.exec('CREATE TABLE IF NOT EXISTS bench_rows (tenant_id text, id int, body jsonb)');
  let next = 0;
  const insert = async (): Promise<void> => {
    for (let i = next++; i < records.length; i = next++) {
      await db.transaction((tx) =>
        tx.query('INSERT INTO bench_rows VALUES ($1, $2, $3)', ['bench', i, JSON.stringify((records[i] as SyntheticRecord).values)]),
      );
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, insert));
  return records.length / ((performance.now() - t0) / 1000);
}

const BATCH = 100;
/** The ingest path's shape: one linkMany per group-commit micro-batch (8–32 events), up to two transactions at a time. */
const INGEST_BATCHES = [16, 32] as const;
const INGEST_TARGET = { opsPerS: 2000, statementsPerEvent: 3 };

async function sqlModeFigures(
  mode: 'pglite' | 'postgres',
  db: Database,
  sample: readonly SyntheticRecord[],
  progress: (m: string) => void,
  appName?: string,
): Promise<BenchFigure[]> {
  const events = sample.map(eventOf);
  const figures: BenchFigure[] = [];
  const prefix = `identity.incremental_sql.${mode}`;
  const fig = (name: string, rate: number, baseline: number): BenchFigure => ({
    name,
    value: Math.round(rate),
    unit: 'ops/s',
    baseline: Math.round(baseline),
    ratio: round(rate / baseline),
  });
  // [concurrent transactions, events per transaction]: identify one by one, linkMany in the ingest
  // path's micro-batches (16 and 32 events, one and two streams), and linkMany in batches of 100.
  const ingest: [number, number][] = INGEST_BATCHES.flatMap((size) => [[1, size] as [number, number], [2, size] as [number, number]]);
  const all: [number, number][] =
    mode === 'postgres'
      ? [[1, 1], [8, 1], ...ingest, [1, BATCH], [2, BATCH]]
      : [[1, 1], ...INGEST_BATCHES.map((size): [number, number] => [1, size]), [1, BATCH]];
  const runs = process.env['BATON_BENCH_IDENTITY_RUNS'] === 'ingest' ? all.filter(([c, size]) => c <= 2 && size > 1 && size < BATCH) : all;
  const baselines = new Map<number, number>();
  for (const [c, size] of runs) {
    let baseline = baselines.get(c);
    if (baseline === undefined) {
      baseline = await insertBaseline(db, sample, c);
      baselines.set(c, baseline);
    }
    const run = await sqlIdentity(db, events, c, size, appName);
    const name = `${prefix}${c === 1 ? '' : `_${c}_concurrent`}${size === 1 ? '' : `.batch_${size}`}`;
    const shape = (INGEST_BATCHES as readonly number[]).includes(size) && c <= 2;
    const target = shape
      ? ` (ingest shape; target >= ${INGEST_TARGET.opsPerS} ops/s at <= ${INGEST_TARGET.statementsPerEvent} statements/event)`
      : '';
    figures.push(fig(`${name}.link_ops_per_s${target}`, run.rate, baseline));
    figures.push({ name: `${name}.statements_per_event`, value: round(run.statementsPerEvent), unit: 'statements' });
    // CPU per event (wall-clock rates swing with the machine's other load): the bench process, and the
    // database's backends when it is local (PostgreSQL; PGlite runs inside this process).
    figures.push({ name: `${name}.node_cpu_ms_per_event`, value: round(run.nodeCpuMs), unit: 'ms' });
    if (run.dbCpuMs !== undefined) {
      figures.push({ name: `${name}.db_cpu_ms_per_event`, value: round(run.dbCpuMs), unit: 'ms' });
      figures.push({ name: `${name}.cpu_ms_per_event`, value: round(run.dbCpuMs + run.nodeCpuMs), unit: 'ms' });
    }
    const cpu = `CPU ${run.nodeCpuMs.toFixed(3)} ms/event node${run.dbCpuMs === undefined ? '' : ` + ${run.dbCpuMs.toFixed(3)} ms/event database`}`;
    progress(
      `incremental through SQL: ${mode}, ${events.length} events, ${c} transaction(s) at a time, ${size === 1 ? 'identify (one event per transaction)' : `linkMany (${size} events per transaction)`}: ${Math.round(run.rate)}/s, ${round(run.statementsPerEvent)} statements/event, ${cpu}; baseline ${Math.round(baseline)} one-row INSERT transactions/s`,
    );
  }
  return figures;
}

export async function sqlFigures(synthetic: readonly SyntheticRecord[], progress: (m: string) => void): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const sample = synthetic.slice(0, Number(process.env['BATON_BENCH_IDENTITY_EVENTS'] ?? 1500));
  const modes = (process.env['BATON_BENCH_IDENTITY_SQL'] ?? 'pglite,postgres').split(',');
  if (modes.includes('pglite')) {
    const lite = await openPglite({ dataDir: undefined });
    try {
      await migrate(lite);
      figures.push(...(await sqlModeFigures('pglite', lite, sample, progress)));
    } finally {
      await lite.close();
    }
  }
  if (!modes.includes('postgres')) return figures;
  const schema = `bench_identity_${Date.now().toString(36)}`;
  let pg: Database | undefined;
  try {
    pg = await openPostgres({ connectionString: POSTGRES_URL, schema, max: 8, applicationName: schema });
    await migrate(pg);
  } catch (err) {
    progress(`incremental through SQL: PostgreSQL not reachable (${(err as Error).message}), skipped`);
    await pg?.close();
    return figures;
  }
  // As the service does (server/runtime.ts): tables never analyzed get statistics once they hold 16 pages.
  const statistics = startPlannerStatistics(pg, createLogger('silent'), 2_000);
  try {
    figures.push(...(await sqlModeFigures('postgres', pg, sample, progress, schema)));
  } finally {
    await statistics.stop();
    await pg.close();
    await dropSchema(POSTGRES_URL, schema);
  }
  return figures;
}

export const identityBench: BenchSuite = {
  name: 'identity',
  async run(progress) {
    const figures: BenchFigure[] = [];
    for (const k of [1, 2, 3]) {
      const file = path.join(FEBRL_DIR, `dataset${k}.csv`);
      if (!existsSync(file)) {
        progress(`FEBRL${k}: ${file} not present, skipped`);
        continue;
      }
      const { records, truth } = loadFebrl(file);
      progress(`FEBRL${k}: ${records.length} records`);
      // Warm-up to steady state (JIT tiers): about 20,000 records' worth, so a 1,000-record file is not
      // measured mostly on cold code.
      for (let w = Math.max(1, Math.ceil(20_000 / records.length)); w > 0; w--)
        await resolveBatch(records, { random: seededRandom(1), at: AT });
      let result = await resolveBatch(records, { random: seededRandom(1), at: AT });
      figures.push(...accuracyFigures(`identity.febrl${k}`, result.profileIds, exactAllFields(records), truth));
      const rates = await timeRates(
        records.length,
        async () => {
          result = await resolveBatch(records, { random: seededRandom(1), at: AT });
        },
        5,
      );
      const rate = rates.wall;
      const base = await timeRecordsPerSecond(records.length, () => trivialPass(records), 5);
      figures.push({
        name: `identity.febrl${k}.batch_records_per_s`,
        value: Math.round(rate),
        unit: 'records/s',
        baseline: Math.round(base),
        ratio: round(rate / base),
      });
      figures.push({ name: `identity.febrl${k}.batch_records_per_cpu_s`, value: Math.round(rates.cpu), unit: 'records/s' });
      progress(
        `FEBRL${k}: F1 ${figures.find((f) => f.name === `identity.febrl${k}.f1`)?.value}, ${Math.round(rate)} records/s (${Math.round(rates.cpu)} per CPU second)`,
      );
    }

    const a4 = path.join(FEBRL_DIR, 'dataset4a.csv');
    const b4 = path.join(FEBRL_DIR, 'dataset4b.csv');
    if (existsSync(a4) && existsSync(b4)) {
      // Linkage: two files of the same people; the truth is the rec id number.
      const a = loadFebrl(a4);
      const b = loadFebrl(b4);
      const records = [...a.records, ...b.records];
      const truth = [...a.truth, ...b.truth];
      progress(`FEBRL4: ${records.length} records in two files`);
      const result = await resolveBatch(records, { random: seededRandom(1), at: AT });
      figures.push(...accuracyFigures('identity.febrl4', result.profileIds, exactAllFields(records), truth));
      const rate = await timeRecordsPerSecond(records.length, () => resolveBatch(records, { random: seededRandom(1), at: AT }), 3);
      figures.push({ name: 'identity.febrl4.batch_records_per_s', value: Math.round(rate), unit: 'records/s' });
    } else {
      progress(`FEBRL4: ${a4} / dataset4b.csv not present, skipped`);
    }

    progress('synthetic CRM population: generating 5,000 people');
    const synthetic = generateCrmPopulation(seededRandom(42), 5000);
    const truth = synthetic.map((r) => String(r.person));
    const normalizer = new IdentifierNormalizer({ defaultRegion: 'US' });
    const emailOnly = synthetic.map(
      (r, i) =>
        (r.values.email ? normalizer.normalize([{ type: 'email', value: r.values.email }]).identifiers[0]?.key : undefined) ?? `solo-${i}`,
    );
    const resolveSynthetic = () => resolveBatch(synthetic, { random: seededRandom(7), at: AT, normalizer: { defaultRegion: 'US' } });
    let batch = await resolveSynthetic(); // also the warm-up
    const syntheticRates = await timeRates(
      synthetic.length,
      async () => {
        batch = await resolveSynthetic();
      },
      3,
    );
    const syntheticRate = syntheticRates.wall;
    figures.push(...accuracyFigures('identity.synthetic', batch.profileIds, emailOnly, truth));
    figures.push({ name: 'identity.synthetic.batch_records_per_s', value: Math.round(syntheticRate), unit: 'records/s' });
    figures.push({ name: 'identity.synthetic.batch_records_per_cpu_s', value: Math.round(syntheticRates.cpu), unit: 'records/s' });
    progress(
      `synthetic: ${synthetic.length} records, ${batch.stats.profiles} profiles, ${batch.possibleMatches.length} possible matches for review`,
    );

    figures.push(...(await trapFigures(progress)));

    progress('incremental: resolving synthetic records one event at a time');
    const incremental = async (): Promise<void> => {
      let n = 0;
      const resolver = new IdentityResolver({ store: new InMemoryGraphStore(), normalizer, newProfileId: () => `p${++n}` });
      for (const r of synthetic)
        await resolver.resolve({ identifiers: identifiersOf(r), traits: r.values }, { source: r.source, recordId: r.recordId, at: AT });
    };
    await incremental(); // warm-up
    const opsRate = await timeRecordsPerSecond(synthetic.length, incremental, 3);
    const mapBaseline = await timeRecordsPerSecond(
      synthetic.length,
      () => {
        const index = new Map<string, number>();
        synthetic.forEach((r, i) => {
          for (const id of identifiersOf(r)) index.set(`${id.type}:${id.value.trim().toLowerCase()}`, i);
        });
      },
      5,
    );
    figures.push({
      name: 'identity.incremental.link_ops_per_s',
      value: Math.round(opsRate),
      unit: 'ops/s',
      baseline: Math.round(mapBaseline),
      ratio: round(opsRate / mapBaseline),
    });
    figures.push(...(await sqlFigures(synthetic, progress)));
    return figures;
  },
};

/**
 * The independent CRM-like trap population (test/fixtures/identity-traps), held-out draw only:
 * pairwise precision / recall and per category recall and false-merge rate, for the batch resolver
 * and the live path (events one at a time). Baseline: a naive union on normalised email / phone.
 */
async function trapFigures(progress: (m: string) => void): Promise<BenchFigure[]> {
  const { records } = generateTrapPopulation({ seed: HELD_OUT_SEED, people: HELD_OUT_PEOPLE });
  progress(`identity traps: held-out draw, ${records.length} records`);
  const normalizer = new IdentifierNormalizer({ defaultRegion: 'US' });
  const naive = scorePairs(
    clusterByKeys(records, (r: TrapRecord) =>
      normalizer
        .normalize(r.identifiers.filter((i) => i.type !== 'crm_id').map((i) => ({ type: i.type, value: i.value })))
        .identifiers.map((i) => i.key),
    ),
    records,
  );
  const figures: BenchFigure[] = [];
  const add = (mode: string, score: PairScore): void => {
    const fig = (name: string, value: number | null, base?: number | null): BenchFigure => ({
      name: `identity.traps.${mode}.${name}`,
      value: round(value ?? 1),
      unit: 'ratio',
      ...(base === undefined || base === null ? {} : { baseline: round(base) }),
    });
    figures.push(
      fig('precision', score.precision, naive.precision),
      fig('recall', score.recall, naive.recall),
      fig('f1', score.f1, naive.f1),
    );
    for (const c of ALL_CATEGORIES) {
      const cat = score.categories[c];
      if (cat.recall !== null) figures.push(fig(`${c}.recall`, cat.recall, naive.categories[c].recall));
      if (cat.falseMergeRate !== null) figures.push(fig(`${c}.false_merge_rate`, cat.falseMergeRate, naive.categories[c].falseMergeRate));
    }
  };
  const batch = await resolveTrapsBatch(records);
  add('batch', scorePairs(batch.clusterOf, records));
  const live = await resolveTrapsLive(records);
  add('live', scorePairs(live.clusterOf, records));
  const b = figures.find((f) => f.name === 'identity.traps.batch.f1')?.value;
  const l = figures.find((f) => f.name === 'identity.traps.live.f1')?.value;
  progress(`identity traps: batch F1 ${b}, live F1 ${l}, naive union F1 ${round(naive.f1)}`);
  return figures;
}
