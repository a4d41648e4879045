import { ConfigError } from '../config';
import { DataDirLockedError } from '../db/data-dir-lock';
import { deadLettersCommand } from './dead-letters.command';
import { CliUsageError, type CliCommand, type CliIo } from './io';
import { resolveCommand } from './commands/resolve';
import { signalsCommand } from './commands/signals';
import { syncCommand } from './commands/sync';
import { tenantsCommand } from './tenants.command';

const commands: Record<string, { run: CliCommand; summary: string }> = {
  tenants: { run: tenantsCommand, summary: 'tenants create --name NAME      create a tenant; prints {"tenantId","apiKey"}' },
  resolve: { run: resolveCommand, summary: 'resolve A.csv [B.csv ...] --mapping M.json --out CLUSTERS.csv   batch identity resolution' },
  signals: {
    run: signalsCommand,
    summary: 'signals                         one text per line on stdin → intent, sentiment, urgency as JSON lines',
  },
  sync: {
    run: syncCommand,
    summary: 'sync <connectionId> --api-key KEY [--url URL]   run a warehouse sync on the running service and show its progress',
  },
  'dead-letters': {
    run: deadLettersCommand,
    summary:
      'dead-letters list [--tenant T] [--kind K] [--limit N] [--json] | redrive <id...> | --all [--tenant T]   work that used up its attempts',
  },
};

function help(): string {
  return ['usage: baton <command> [options]', '', 'commands:', ...Object.values(commands).map((c) => `  ${c.summary}`), ''].join('\n');
}

/** Registers a command (used by modules that add CLI commands as their capability lands). */
export function registerCommand(name: string, run: CliCommand, summary: string): void {
  commands[name] = { run, summary };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`baton: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr.write(`baton: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof DataDirLockedError) {
      io.stderr.write(`baton: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`baton: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export function main(argv: readonly string[]): void {
  runCli(argv, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    interactive: process.stderr.isTTY === true,
  })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`baton: ${String(err)}\n`);
      process.exitCode = 1;
    });
}

if (require.main === module) main(process.argv.slice(2));
