import type { Readable, Writable } from 'node:stream';

/** What a CLI command gets from the outside world; tests pass their own streams. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Working directory for resolving relative paths given on the command line. */
  readonly cwd: string;
  /** True when stderr is a terminal (progress bars redraw in place only then). */
  readonly interactive: boolean;
}

/** A command returns its process exit code: 0 success, 1 failure, 2 usage error. */
export type CliCommand = (args: readonly string[], io: CliIo) => Promise<number>;

/** A usage error: printed as `baton: <message>` with exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
