import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { OfflineSignalExtractor } from '../../../app/signals/offline-extractor';
import { type SignalExtractor } from '../../../app/signals/signal-extractor';
import { CliUsageError, type CliCommand, type CliIo } from '../io';

const USAGE = 'usage: baton signals < texts.txt   (one text per line in, one JSON object per line out; a TSV/CSV line is one text)';

/**
 * `baton signals`: one text per line on stdin (blank lines skipped), one JSON object per line on
 * stdout: { text, intent, intentConfidence, sentiment, sentimentLabel, urgency, language } (language:
 * ISO 639-1, or 'und' when undetermined; always present). Streams, so input
 * size is bounded by nothing but time; honours stdout backpressure.
 */
export function makeSignalsCommand(extractor: () => SignalExtractor): CliCommand {
  return async (args, io) => {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.length > 0) throw new CliUsageError(`signals takes no arguments (got "${args.join(' ')}"); ${USAGE}`);
    return run(extractor(), io);
  };
}

async function run(extractor: SignalExtractor, io: CliIo): Promise<number> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let count = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const s = await extractor.extract(line);
    const out = {
      text: line,
      intent: s.intent,
      intentConfidence: s.intentConfidence,
      sentiment: s.sentiment,
      sentimentLabel: s.sentimentLabel,
      urgency: s.urgency,
      language: s.language ?? 'und',
    };
    if (!io.stdout.write(`${JSON.stringify(out)}\n`)) await once(io.stdout, 'drain');
    count += 1;
    if (io.interactive && count % 1000 === 0) io.stderr.write(`\rsignals: ${count} texts`);
  }
  if (io.interactive && count >= 1000) io.stderr.write(`\rsignals: ${count} texts\n`);
  return 0;
}

export const signalsCommand: CliCommand = makeSignalsCommand(() => new OfflineSignalExtractor());
