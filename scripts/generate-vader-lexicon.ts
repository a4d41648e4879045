/**
 * Writes app/signals/model/vader-lexicon.json (word or emoticon -> mean valence) from the VADER
 * lexicon that the npm package vader-sentiment ships (vader_lexicon.txt, Apache-2.0; Hutto & Gilbert 2014).
 *
 *   npx tsx scripts/generate-vader-lexicon.ts            # (re)write the JSON
 *   npx tsx scripts/generate-vader-lexicon.ts --check    # exit 1 when the committed JSON differs
 *
 * The text file has one entry a line: token<TAB>mean<TAB>standard deviation<TAB>the ten raw ratings.
 * Only the mean is kept. A token listed twice keeps its last mean (as VADER's own loaders do).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
export const VADER_LEXICON_SOURCE = 'node_modules/vader-sentiment/vader_lexicon.txt';
export const VADER_LEXICON_PATH = 'app/signals/model/vader-lexicon.json';

/** The lexicon in file order (a repeated token keeps its first position and its last mean). */
export function parseVaderLexicon(text: string): Map<string, number> {
  const lexicon = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const [token, mean] = line.split('\t');
    const valence = mean === undefined ? Number.NaN : Number(mean);
    if (token === undefined || token === '' || mean === undefined || mean.trim() === '' || !Number.isFinite(valence)) {
      throw new Error(`${VADER_LEXICON_SOURCE}:${i + 1}: expected token<TAB>mean, got ${JSON.stringify(line)}`);
    }
    lexicon.set(token, valence);
  });
  return lexicon;
}

/** One entry a line, so a change to the lexicon reads as a small diff. */
export function renderVaderLexicon(lexicon: ReadonlyMap<string, number>): string {
  const lines = [...lexicon].map(([token, valence]) => `${JSON.stringify(token)}:${JSON.stringify(valence)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

export function expectedVaderLexicon(root = ROOT): string {
  return renderVaderLexicon(parseVaderLexicon(readFileSync(path.join(root, VADER_LEXICON_SOURCE), 'utf8')));
}

function main(): void {
  const expected = expectedVaderLexicon();
  const target = path.join(ROOT, VADER_LEXICON_PATH);
  if (process.argv.includes('--check')) {
    let committed: string | undefined;
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed === expected) {
      process.stdout.write(`${VADER_LEXICON_PATH} matches ${VADER_LEXICON_SOURCE}\n`);
      return;
    }
    process.stderr.write(
      `${VADER_LEXICON_PATH} ${committed === undefined ? 'is missing' : 'differs from'} ${VADER_LEXICON_SOURCE}; run npx tsx scripts/generate-vader-lexicon.ts\n`,
    );
    process.exitCode = 1;
    return;
  }
  writeFileSync(target, expected);
  process.stdout.write(`wrote ${VADER_LEXICON_PATH}\n`);
}

if (require.main === module) main();
