/**
 * `npm run bench [-- --json] [-- --only name,name]`: runs every suite, shows progress on stderr,
 * prints each figure beside the baseline measured in the same run (or, with --json, one JSON array of
 * `{ name, value, unit, baseline?, ratio? }` on stdout).
 */
import { ackBench } from './ack.bench';
import { decisioningBench } from './decisioning.bench';
import { hubspotBench } from './hubspot.bench';
import { identityBench } from './identity.bench';
import { ingestBench } from './ingest.bench';
import { orchestrationBench } from './orchestration.bench';
import { pipelineBench } from './pipeline.bench';
import { signalsBench } from './signals.bench';
import { startupBench } from './startup.bench';
import { sustainedBench } from './sustained.bench';
import type { BenchFigure, BenchSuite } from './types';

const SUITES: readonly BenchSuite[] = [
  startupBench,
  ingestBench,
  hubspotBench,
  signalsBench,
  identityBench,
  decisioningBench,
  pipelineBench,
  sustainedBench,
  ackBench,
  orchestrationBench,
];

interface Args {
  json: boolean;
  only: Set<string> | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--only') args.only = new Set((argv[++i] ?? '').split(',').filter((s) => s !== ''));
    else if (a?.startsWith('--only=') === true)
      args.only = new Set(
        a
          .slice(7)
          .split(',')
          .filter((s) => s !== ''),
      );
    else throw new UsageError(`unknown argument "${a ?? ''}"`);
  }
  const unknown = [...(args.only ?? [])].filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new UsageError(`unknown suite(s) ${unknown.join(', ')}; choose from ${SUITES.map((s) => s.name).join(', ')}`);
  return args;
}

class UsageError extends Error {}

function format(f: BenchFigure): string {
  const base = f.baseline === undefined ? '' : `   baseline ${f.baseline} ${f.unit}`;
  const ratio = f.ratio === undefined ? '' : `   ratio ${f.ratio}`;
  return `  ${f.name}: ${f.value} ${f.unit}${base}${ratio}`;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\nusage: npm run bench [-- --json] [-- --only ${SUITES.map((s) => s.name).join(',')}]\n`);
    return 2;
  }
  const suites = SUITES.filter((s) => args.only === undefined || args.only.has(s.name));
  const all: BenchFigure[] = [];
  let failed = 0;
  for (const [i, suite] of suites.entries()) {
    const started = Date.now();
    const progress = (message: string): void => {
      process.stderr.write(`[${i + 1}/${suites.length} ${suite.name} ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}\n`);
    };
    progress('starting');
    try {
      const figures = await suite.run(progress);
      all.push(...figures);
      if (!args.json) process.stdout.write(`${suite.name}\n${figures.map(format).join('\n')}\n`);
      progress(`done: ${figures.length} figures`);
    } catch (err) {
      failed++;
      progress(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  if (args.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
