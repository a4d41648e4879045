/**
 * `baton resolve A.csv [B.csv ...] --mapping M.json --out clusters.csv`
 * Batch identity resolution with the service's resolver; writes `source,record_id,profile_id`.
 */
import { systemClock } from '../../../app/shared/clock';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { MappingError, parseMapping, type Mapping, type MappingField } from '../../../app/identity/batch/mapping';
import { resolveBatch, type BatchPhase, type BatchRecord } from '../../../app/identity/batch/resolve-batch';
import { seededRandom } from '../../../app/identity/util/prng';
import { CliUsageError, type CliCommand, type CliIo } from '../io';

const USAGE = 'usage: baton resolve FILE.csv [FILE2.csv ...] --mapping MAPPING.json --out CLUSTERS.csv';

interface Args {
  readonly files: readonly string[];
  readonly mapping: string;
  readonly out: string;
}

function parseArgs(args: readonly string[]): Args {
  const files: string[] = [];
  let mapping: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--mapping' || flag === '--out') {
      const value = inline ?? args[++i];
      if (value === undefined || value.length === 0) throw new CliUsageError(`${flag} needs a file path. ${USAGE}`);
      if (flag === '--mapping') mapping = value;
      else out = value;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new CliUsageError(`unknown option ${arg}. ${USAGE}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0) throw new CliUsageError(`no input CSV file given. ${USAGE}`);
  if (mapping === undefined) throw new CliUsageError(`--mapping is required. ${USAGE}`);
  if (out === undefined) throw new CliUsageError(`--out is required. ${USAGE}`);
  return { files, mapping, out };
}

async function readInput(file: string, what: string): Promise<string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliUsageError(`${what} ${file} is not a file`);
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliUsageError(`${what} ${file} does not exist`);
    throw new CliUsageError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

async function loadMapping(file: string): Promise<Mapping> {
  const text = await readInput(file, 'mapping file');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`mapping file ${file} is not valid JSON (${(error as Error).message})`);
  }
  try {
    return parseMapping(doc);
  } catch (error) {
    if (error instanceof MappingError) throw new CliUsageError(`${file}: ${error.message}`);
    throw error;
  }
}

/** Mapped columns a file lacks. */
type MissingColumns = [MappingField, string][];

function loadRecords(file: string, text: string, mapping: Mapping, missing: MissingColumns): BatchRecord[] {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new CliUsageError(`${file} is not a readable CSV file (${(error as Error).message})`);
  }
  const header = rows[0];
  if (header === undefined) throw new CliUsageError(`${file} is empty: expected a header row with column "${mapping.id}"`);
  const idIndex = header.indexOf(mapping.id);
  if (idIndex < 0) throw new CliUsageError(`${file} has no id column "${mapping.id}" (its columns: ${header.join(', ')})`);
  const fields: [MappingField, number][] = [];
  for (const [field, column] of Object.entries(mapping.fields) as [MappingField, string][]) {
    const index = header.indexOf(column);
    if (index < 0) missing.push([field, column]);
    else fields.push([field, index]);
  }
  const source = path.basename(file);
  const records: BatchRecord[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as string[];
    const recordId = (row[idIndex] ?? '').trim();
    if (recordId.length === 0) throw new CliUsageError(`${file} line ${r + 1}: empty record id in column "${mapping.id}"`);
    const values: Partial<Record<MappingField, string>> = {};
    for (const [field, index] of fields) {
      const value = (row[index] ?? '').trim();
      if (value.length > 0) values[field] = value;
    }
    records.push({ source, recordId, values });
  }
  return records;
}

function progressReporter(io: CliIo): { update: (phase: BatchPhase, done: number, total: number) => void; stop: () => void } {
  if (!io.interactive) {
    let lastPhase = '';
    return {
      update: (phase, done, total) => {
        if (done === total && phase !== lastPhase) {
          lastPhase = phase;
          io.stderr.write(`resolve: ${phase} done\n`);
        }
      },
      stop: () => undefined,
    };
  }
  // The caller decided the stream is interactive (a terminal), so draw even if it does not say isTTY.
  const bar = new SingleBar({
    stream: io.stderr,
    format: 'resolve {phase} [{bar}] {percentage}% | {value}/{total}',
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
    notTTYSchedule: 200,
  });
  let current: BatchPhase | undefined;
  return {
    update: (phase, done, total) => {
      if (phase !== current) {
        if (current !== undefined) bar.stop();
        current = phase;
        bar.start(Math.max(total, 1), done, { phase: phase.padEnd(13) });
      } else {
        bar.update(done, { phase: phase.padEnd(13) });
      }
    },
    stop: () => bar.stop(),
  };
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args);
  const resolvePath = (p: string): string => path.resolve(io.cwd, p);
  const mapping = await loadMapping(resolvePath(parsed.mapping));
  const records: BatchRecord[] = [];
  const sources = new Set<string>();
  const missingIn = new Map<string, string[]>();
  for (const file of parsed.files) {
    const text = await readInput(resolvePath(file), 'input file');
    const source = path.basename(file);
    if (sources.has(source))
      throw new CliUsageError(`two input files share the base name ${source}; rename one so output rows can be told apart`);
    sources.add(source);
    const missing: MissingColumns = [];
    records.push(...loadRecords(file, text, mapping, missing));
    for (const [field, column] of missing)
      missingIn.set(`${field}\u0000${column}`, [...(missingIn.get(`${field}\u0000${column}`) ?? []), file]);
  }
  for (const [key, files] of missingIn) {
    const [field, column] = key.split('\u0000') as [string, string];
    // In no file at all: a typo in the mapping, not a source that lacks the field.
    if (files.length === parsed.files.length)
      throw new CliUsageError(
        `mapping field ${field} names column "${column}", which no input file has (${files.join(', ')}); fix the mapping or remove the field`,
      );
    io.stderr.write(`baton: warning: ${files.join(', ')} has no column "${column}" (mapped to ${field}); treated as missing there\n`);
  }
  const progress = progressReporter(io);
  const result = await resolveBatch(records, {
    random: seededRandom(20260101),
    at: new Date(systemClock.now()).toISOString(),
    onProgress: progress.update,
  });
  progress.stop();
  const rows = records.map((r, i) => [r.source, r.recordId, result.profileIds[i] ?? '']);
  const csv = stringify(rows, { header: true, columns: ['source', 'record_id', 'profile_id'] });
  try {
    await writeFile(resolvePath(parsed.out), csv, 'utf8');
  } catch (error) {
    throw new CliUsageError(`cannot write ${parsed.out}: ${(error as Error).message}`);
  }
  const s = result.stats;
  io.stderr.write(
    `resolved ${records.length} records from ${parsed.files.length} file(s) into ${s.profiles} profiles ` +
      `(${s.probabilisticLinks} probabilistic links, ${result.possibleMatches.length} possible matches for review) → ${parsed.out}\n`,
  );
  return 0;
}

export const resolveCommand: CliCommand = async (args, io) => {
  try {
    return await run(args, io);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr.write(`baton: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`baton: resolve failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
};
