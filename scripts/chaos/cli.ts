/**
 * `npm run chaos [-- --json] [-- --mode pg|embedded|both] [-- --duration 300] [-- --seed N] [-- --rate 40]`
 * Sustained load with faults (scripts/chaos/harness.ts), then the verdict: events acknowledged and
 * processed, lost, duplicate side effects, runs stuck or failed, and the recovery time of each fault.
 * Progress goes to stderr. Exits 1 when anything was lost, duplicated, stuck or failed, or a fault could
 * not be injected; 2 on a usage error.
 */
import { FAULTS, runChaos, type ChaosMode, type ChaosReport } from './harness';

interface Args {
  json: boolean;
  modes: ChaosMode[];
  durationMs: number;
  seed: number;
  rate: number;
  drainTimeoutMs: number | undefined;
  keep: boolean;
}

const USAGE =
  'usage: npm run chaos [-- --json] [-- --mode pg|embedded|both] [-- --duration SECONDS] [-- --seed N] [-- --rate EVENTS_PER_SECOND] [-- --drain-timeout SECONDS] [-- --keep]';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    json: false,
    modes: ['pg', 'embedded'],
    durationMs: 300_000,
    seed: Math.floor(Math.random() * 2 ** 31),
    rate: 10,
    drainTimeoutMs: undefined,
    keep: false,
  };
  const number = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a?.startsWith('--') === true && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--json':
        args.json = true;
        break;
      case '--keep':
        args.keep = true;
        break;
      case '--mode': {
        const m = value();
        if (m === 'both') args.modes = ['pg', 'embedded'];
        else if (m === 'pg' || m === 'embedded') args.modes = [m];
        else throw new Error('--mode is pg, embedded or both');
        break;
      }
      case '--duration':
        args.durationMs = number('--duration', value(), 20) * 1000;
        break;
      case '--seed':
        args.seed = Math.floor(number('--seed', value(), 0));
        break;
      case '--rate':
        args.rate = number('--rate', value(), 1);
        break;
      case '--drain-timeout':
        args.drainTimeoutMs = number('--drain-timeout', value(), 10) * 1000;
        break;
      default:
        throw new Error(`unknown argument ${String(a)}`);
    }
  }
  return args;
}

export interface Figure {
  name: string;
  value: number | null;
  unit: string;
}

/** The report as `{ name, value, unit }` figures, like `npm run bench -- --json`. */
export function figures(r: ChaosReport): Figure[] {
  const v = r.verification;
  const p = `chaos ${r.mode}`;
  const out: Figure[] = [
    { name: `${p}: events acknowledged`, value: v.acknowledged, unit: 'events' },
    { name: `${p}: events processed`, value: v.processed, unit: 'events' },
    { name: `${p}: lost (acknowledged, not processed)`, value: v.lost, unit: 'events' },
    { name: `${p}: side effects above one per idempotency key`, value: v.duplicateSms + v.duplicateTasks, unit: 'effects' },
    { name: `${p}: effects reported done that did not happen`, value: v.silentSuccesses, unit: 'effects' },
    { name: `${p}: runs stuck`, value: v.runsStuck, unit: 'runs' },
    { name: `${p}: runs failed`, value: v.runsFailed, unit: 'runs' },
    { name: `${p}: runs completed`, value: v.runs['completed'] ?? 0, unit: 'runs' },
    { name: `${p}: SMS at the Twilio sandbox`, value: v.sms, unit: 'messages' },
    { name: `${p}: tasks at the HubSpot sandbox`, value: v.tasks, unit: 'tasks' },
    { name: `${p}: acknowledged per second under faults`, value: r.load.ackPerSecond, unit: 'events/s' },
    { name: `${p}: drain after the load stopped`, value: r.drained ? r.drainMs : null, unit: 'ms' },
    { name: `${p}: faults injected`, value: r.faults.filter((f) => f.injected).length, unit: 'faults' },
    { name: `${p}: faults that could not be injected`, value: r.faults.filter((f) => !f.injected).length, unit: 'faults' },
  ];
  const seen: Record<string, number> = {};
  for (const f of r.faults) {
    seen[f.kind] = (seen[f.kind] ?? 0) + 1;
    out.push({
      name: `${p}: recovery after ${f.kind} #${seen[f.kind]} (at ${(f.at / 1000).toFixed(0)} s)`,
      value: f.recoveryMs,
      unit: 'ms',
    });
  }
  return out;
}

const secs = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** The report as the CLI prints it. */
export function formatReport(r: ChaosReport): string {
  const v = r.verification;
  const lines = [
    `chaos ${r.mode} (seed ${r.seed}, load ${Math.round(r.loadMs / 1000)} s at ${r.rate} events/s offered): ${r.ok ? 'PASS' : 'FAIL'}`,
    `  events acknowledged ${v.acknowledged} (${r.load.ackPerSecond}/s; ${r.load.refusedAttempts} refused attempts retried, ${r.load.abandoned} abandoned), stored ${v.stored}, processed ${v.processed}`,
    `  lost ${v.lost}   duplicate side effects ${v.duplicateSms + v.duplicateTasks} (SMS ${v.duplicateSms}, HubSpot tasks ${v.duplicateTasks})   done-but-not-done ${v.silentSuccesses}   untracked effects ${v.untracked}`,
    `  runs ${JSON.stringify(v.runs)}: stuck ${v.runsStuck}, failed ${v.runsFailed}; effects at the sandboxes: ${v.sms} SMS, ${v.tasks} HubSpot tasks`,
    `  drained ${r.drained ? `${secs(r.drainMs)} after the load stopped` : 'NO'}`,
    '  faults (recovery: worker kill = its rows claimed again; web kill = first acknowledgement; kill = first event processed; Redis, connections = max of first, backlog and runs; storms = first vendor 2xx. first = first event processed after; backlog = every event received before it processed; runs = every run started before it finished):',
  ];
  for (const f of r.faults) {
    const extra = [
      `first ${secs(f.firstProcessedMs)}`,
      `backlog ${secs(f.backlogMs)}`,
      `runs ${secs(f.runsBacklogMs)}`,
      ...(f.heldRows > 0 ? [`held rows (${f.heldRows}) claimed again ${secs(f.reclaimMs)}, done ${secs(f.heldMs)}`] : []),
      ...(f.ackMs === null ? [] : [`first ack ${secs(f.ackMs)}`]),
      ...(f.vendorOkMs === null ? [] : [`first vendor 2xx ${secs(f.vendorOkMs)}`]),
    ];
    lines.push(
      `    ${(f.at / 1000).toFixed(1).padStart(6)} s  ${f.kind.padEnd(12)} ${f.injected ? 'injected    ' : 'NOT INJECTED'}  recovery ${secs(f.recoveryMs).padStart(7)}  (${extra.join(', ')})`,
    );
    lines.push(`              ${f.detail}`);
  }
  for (const problem of r.problems) lines.push(`  PROBLEM: ${problem}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`chaos: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const reports: ChaosReport[] = [];
  for (const mode of args.modes) {
    process.stderr.write(`chaos ${mode}: faults ${FAULTS[mode].join(', ')}\n`);
    const report = await runChaos({
      mode,
      durationMs: args.durationMs,
      seed: args.seed,
      rate: args.rate,
      keep: args.keep,
      handleSignals: true,
      ...(args.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: args.drainTimeoutMs }),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    reports.push(report);
    if (!args.json) process.stdout.write(`${formatReport(report)}\n`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(reports.flatMap(figures), null, 2)}\n`);
  process.exit(reports.every((r) => r.ok) ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
