/** Command-line flags of `npm run demo` (scripts/demo.ts). */
import path from 'node:path';

export interface DemoArgs {
  /** Embedded database, encryption key, demo state and log file. */
  readonly dataDir: string;
  /** Size of the simulated population. */
  readonly people: number;
  /** Simulated hours per real second. */
  readonly speed: number;
  /** Seeds the population (names, hidden preferences, behaviour). */
  readonly seed: number;
  /** Stop by itself after this many seconds (undefined: until Ctrl-C). */
  readonly durationSeconds: number | undefined;
}

export const USAGE = `Usage: npm run demo -- [--data-dir DIR] [--people N] [--speed HOURS_PER_SECOND] [--seed N] [--duration SECONDS]

  --data-dir DIR     where the demo keeps its data (default ./.baton-demo); a second run resumes it
  --people N         simulated people (default 300, 10 to 5000)
  --speed X          simulated hours per real second (default 1)
  --seed N           seed of the population and its hidden preferences (default 7)
  --duration S       stop by itself after S seconds (default: run until Ctrl-C)`;

export class ArgsError extends Error {}

function number(flag: string, raw: string | undefined, min: number, max: number, integer: boolean): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new ArgsError(
      `${flag} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${raw === undefined ? 'nothing' : JSON.stringify(raw)})`,
    );
  }
  return n;
}

export function parseArgs(argv: readonly string[], cwd: string): DemoArgs {
  let dataDir = path.resolve(cwd, '.baton-demo');
  let people = 300;
  let speed = 1;
  let seed = 7;
  let durationSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag = '', inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--data-dir': {
        const v = value();
        if (v === undefined || v.trim() === '') throw new ArgsError('--data-dir needs a directory');
        dataDir = path.resolve(cwd, v);
        break;
      }
      case '--people':
        people = number('--people', value(), 10, 5000, true);
        break;
      case '--speed':
        speed = number('--speed', value(), 0.01, 1000, false);
        break;
      case '--seed':
        seed = number('--seed', value(), 0, 2 ** 31 - 1, true);
        break;
      case '--duration':
        durationSeconds = number('--duration', value(), 1, 7 * 24 * 3600, false);
        break;
      case '--help':
      case '-h':
        throw new ArgsError(USAGE);
      default:
        throw new ArgsError(`unknown argument ${JSON.stringify(arg)}\n\n${USAGE}`);
    }
  }
  return { dataDir, people, speed, seed, durationSeconds };
}
