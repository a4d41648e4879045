/** One figure printed by `npm run bench` (and emitted as JSON with `--json`). */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  /** The same measurement for the baseline, taken in the same run. */
  baseline?: number;
  /** value / baseline (or the ratio the bench defines, documented in its name). */
  ratio?: number;
}

export interface BenchSuite {
  /** Short name shown in progress output. */
  name: string;
  /** Runs the measurements; report progress through `progress`, return the figures. */
  run(progress: (message: string) => void): Promise<BenchFigure[]>;
}
