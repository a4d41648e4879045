import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import vader from 'vader-sentiment';
import lexicon from '../../../app/signals/model/vader-lexicon.json';
import { mulberry32 } from '../../../app/signals/prng';
import { polarityScores, type VaderScores } from '../../../app/signals/vader';
import { expectedVaderLexicon, VADER_LEXICON_PATH } from '../../../scripts/generate-vader-lexicon';

/**
 * app/signals/vader.ts must give the scores of the npm package it replaces (vader-sentiment 1.1.3)
 * on any text: every field equal to 1e-9 (both round the same way, so in practice identical).
 */
const ROOT = path.resolve(__dirname, '../../..');
const SIGNALS = path.join(ROOT, 'app/signals');
const TOLERANCE = 1e-9;

const reference = (text: string): VaderScores => vader.SentimentIntensityAnalyzer.polarity_scores(text);

/** The texts on which the two disagree, with both results (empty when they agree everywhere). */
function disagreements(texts: readonly string[]): { text: string; package: VaderScores; ours: VaderScores }[] {
  const out: { text: string; package: VaderScores; ours: VaderScores }[] = [];
  for (const text of texts) {
    const want = reference(text);
    const got = polarityScores(text);
    const same = (['neg', 'neu', 'pos', 'compound'] as const).every((k) => Math.abs(want[k] - got[k]) <= TOLERANCE);
    if (!same) out.push({ text, package: want, ours: got });
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A source file's string literals between two markers (the package's own word lists). */
function packageStrings(source: string, from: string, to: string): string[] {
  const start = source.indexOf(from);
  const end = source.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`marker ${from} not found in the package source`);
  return [...source.slice(start, end).matchAll(/'([^']+)'|"([^"]+)"|^\s+([a-z-]+):/gm)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('VADER scorer', () => {
  it('the committed lexicon is the one scripts/generate-vader-lexicon.ts writes from the package', () => {
    expect(readFileSync(path.join(ROOT, VADER_LEXICON_PATH), 'utf8')).toBe(expectedVaderLexicon(ROOT));
    expect(Object.keys(lexicon).length).toBeGreaterThan(7000);
  });

  it('equals the package on every line of the committed training and evaluation text files', () => {
    const files = [
      ...filesUnder(path.join(SIGNALS, 'training')).filter((f) => f.endsWith('.txt')),
      ...filesUnder(path.join(SIGNALS, 'eval')),
    ];
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n'));
    // Also each field of the TSV lines on its own, as the extractor sees them.
    const fields = lines.flatMap((l) => (l.includes('\t') ? l.split('\t') : []));
    expect(lines.length).toBeGreaterThan(2000);
    expect(disagreements([...lines, ...fields])).toEqual([]);
    // Not a vacuous comparison: most of them carry sentiment.
    expect(lines.filter((l) => polarityScores(l).compound !== 0).length).toBeGreaterThan(500);
  });

  it('equals the package on every lexicon entry, alone and after a booster, a negation and capitals', () => {
    const entries = Object.keys(lexicon);
    const texts = entries.flatMap((w) => [w, `this was not very ${w}`, `it is ${w.toUpperCase()} ok`]);
    expect(disagreements(texts)).toEqual([]);
  });

  it("equals the package with each of the package's own negation and booster words", () => {
    const source = readFileSync(path.join(ROOT, 'node_modules/vader-sentiment/src/vaderSentiment.js'), 'utf8');
    const negations = packageStrings(source, 'export const NEGATE', '];');
    const boosters = packageStrings(source, 'export const BOOSTER_DICT', '};');
    expect(negations).toContain("won't");
    expect(boosters).toEqual(expect.arrayContaining(['absolutely', 'kind of', 'sort-of', 'very']));
    const texts = [...negations, ...boosters].flatMap((w) => [
      `the food was ${w} good`,
      `the food was ${w} bad`,
      `the staff ${w} helped us and it was great`,
      `${w} the service is really good`,
      `The service was ${w.toUpperCase()} GOOD`,
      `i am ${w} happy`,
    ]);
    expect(disagreements(texts)).toEqual([]);
  });

  it('equals the package on hand-written edge cases', () => {
    const cases = [
      '',
      ' ',
      '!!!',
      'a',
      'I',
      ':)',
      ':(',
      ':-D :D <3',
      '</3',
      '¯\\_(ツ)_/¯',
      '👍 great',
      '😡😡 awful',
      'GREAT',
      'This is GREAT',
      'THIS IS GREAT',
      'this is GREAT and VERY nice',
      'VERY good',
      'The food is VERY GOOD and the staff is nice',
      'good!',
      'good!!!!',
      'good!!!!!!!',
      'bad!!!',
      'good?',
      'good???',
      'good??',
      'good ????',
      'good?!?',
      'good !?!?',
      'is it good?!',
      'The food was good but the service was bad',
      'good BUT bad',
      'good But bad',
      'but good',
      'good but',
      'good but bad but great',
      'not bad',
      'Not bad',
      'NOT bad',
      'not bad at all',
      "isn't good",
      "ISN'T good",
      "doesn't work well",
      'dont like it',
      "I don't like it",
      'never good',
      'never so good',
      'never this good',
      'it was never so bad',
      'never so very good',
      'so good',
      'this good',
      'I was so so happy',
      'at least good',
      'least good',
      'the least good thing',
      'very least good',
      'at least it was not terrible',
      'kind of good',
      'Kind of good',
      'kind of',
      'sort of bad',
      'it was kind of good',
      'the place is sort of nice',
      'it is just enough good',
      'kinda good',
      'sorta bad',
      'kind-of nice',
      'barely good',
      'slightly bad',
      'extremely good',
      'EXTREMELY good',
      'extremely GOOD',
      'you know the shit was good',
      'that party was the bomb',
      'man that is bad ass',
      'oh yeah right great',
      'yeah right sure',
      'a real kiss of death',
      'the team did not cut the mustard',
      'we live hand to mouth',
      'I guess it was the shit',
      'it is (great)',
      '"bad"',
      'good,',
      '"good"',
      "'good'",
      'good.',
      'good...',
      '(good',
      'good)',
      '-good',
      'good-',
      '!good',
      '?good',
      ',,good',
      'good,,',
      'good!!!!',
      '!!!!good',
      'good?!?!',
      '.good.',
      'x',
      'ok.',
      'ok',
      'OK',
      'lol',
      'LOL',
      'lmao!',
      'meh...',
      "can't wait",
      "can't stand it",
      'without doubt great',
      'despite the good food',
      'rarely good',
      'seldom bad',
      'uh-uh good',
      'nope, good',
      'good\tbad',
      'good\nbad',
      'good\u00a0bad',
      'good\u2003bad',
      'good  bad',
      '\tgood\t',
      'good\r\nbad',
      'gööd bad',
      'ÉNORME good',
      'I LOVE IT',
      'i love it',
      'I Love It',
      'HATE',
      'I HATE IT!!!',
      'HATE it',
      'I hate hate HATE it',
      'hasOwnProperty',
      'constructor good',
      '__proto__ bad',
      'toString',
      'valueOf great',
    ];
    const found = disagreements(cases);
    expect(found).toEqual([]);
  });

  it('reads punctuation-wrapped words, negation, "but", capitals and emphasis as VADER does', () => {
    // A word with punctuation on both sides keeps it, so "(great)" is not the word "great".
    expect(polarityScores('it is (great)').compound).toBe(0);
    expect(polarityScores('"bad"').compound).toBe(0);
    expect(polarityScores('good,').compound).toBeGreaterThan(0);
    expect(polarityScores('good...').compound).toBe(0);
    expect(polarityScores('not bad').compound).toBeGreaterThan(0);
    expect(polarityScores('never so good').compound).toBeGreaterThan(polarityScores('good').compound);
    expect(polarityScores('least good').compound).toBeLessThan(0);
    expect(polarityScores('at least good').compound).toBeGreaterThan(0);
    expect(polarityScores('it was kind of good').compound).toBeLessThan(polarityScores('it was good').compound);
    expect(polarityScores('The food was good but the service was bad').compound).toBeLessThan(0);
    expect(polarityScores('this is GREAT').compound).toBeGreaterThan(polarityScores('this is great').compound);
    expect(polarityScores('good!!!').compound).toBeGreaterThan(polarityScores('good').compound);
    expect(polarityScores('man that is bad ass').compound).toBeGreaterThan(0);
    expect(polarityScores('')).toEqual({ neg: 0, neu: 0, pos: 0, compound: 0 });
    const s = polarityScores('The food was great but the service was slow');
    expect(s.pos + s.neg + s.neu).toBeCloseTo(1, 2);
  });

  it('equals the package on seeded random sentences mixing the rules', () => {
    const rng = mulberry32(16);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rng.next() * items.length)] as T;
    const lexiconWords = Object.keys(lexicon);
    const rule = [
      'but',
      'BUT',
      'But',
      'not',
      'NOT',
      "isn't",
      "don't",
      'never',
      'so',
      'this',
      'least',
      'at',
      'very',
      'kind',
      'of',
      'sort',
      'just',
      'enough',
      'the',
      'shit',
      'bomb',
      'bad',
      'ass',
      'yeah',
      'right',
      'cut',
      'mustard',
      'kiss',
      'death',
      'hand',
      'to',
      'mouth',
      'extremely',
      'slightly',
      'kinda',
      'good',
      'GOOD',
      'great',
      'terrible',
      'love',
      'hate',
      'and',
      'it',
      'was',
      'I',
      'a',
      'LEAST',
      'At',
      "n't",
      "DIDN'T",
      'uh-uh',
      ':)',
      ':(',
      '<3',
      ':-D',
      '👍',
      '😡',
      'İYİ',
      'ÉNORME',
      'ß',
      '42',
      '',
    ];
    const edges = ['', '', '', '', '!', '!!', '!!!', '!!!!', '?', '??', '?!?', ',', '.', '...', ':', '"', "'", '-', ')', '('];
    const spaces = [' ', ' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\u3000', '\ufeff'];
    const texts: string[] = [];
    for (let n = 0; n < 4000; n++) {
      const length = 1 + Math.floor(rng.next() * 14);
      let text = '';
      for (let i = 0; i < length; i++) {
        let word = rng.next() < 0.55 ? pick(rule) : pick(lexiconWords);
        if (rng.next() < 0.12) word = word.toUpperCase();
        const edge = pick(edges);
        word = rng.next() < 0.2 ? `${edge}${word}` : `${word}${edge}`;
        if (rng.next() < 0.03) word = `${pick(edges)}${word}${pick(edges)}`;
        text += (i === 0 ? '' : pick(spaces)) + word;
      }
      texts.push(text);
    }
    expect(disagreements(texts)).toEqual([]);
  });
});
