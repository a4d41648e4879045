/**
 * Text → tokens → features, shared by training and inference so both see identical input.
 * Lowercases, expands negative contractions, replaces emails/URLs/numbers by class tokens and
 * applies a light suffix stripper so "cancel", "cancelled" and "cancelling" meet.
 */

const CONTRACTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bwon['’]t\b/g, 'will not'],
  [/\bcan['’]t\b/g, 'can not'],
  [/\bcannot\b/g, 'can not'],
  [/\bshan['’]t\b/g, 'shall not'],
  [/n['’]t\b/g, ' not'],
  [/\b(i|you|we|they)['’]re\b/g, '$1 are'],
  [/\b(i|you|we|they)['’]ve\b/g, '$1 have'],
  [/\b(i|you|we|they|he|she|it)['’]ll\b/g, '$1 will'],
  [/\b(i|you|we|they|he|she)['’]d\b/g, '$1 would'],
  [/\bi['’]m\b/g, 'i am'],
  [/\b(dont|doesnt|didnt|isnt|wasnt|arent|cant|wont)\b/g, '$1_'],
];

const SPLIT_NOT: Readonly<Record<string, string>> = {
  dont_: 'do not',
  doesnt_: 'does not',
  didnt_: 'did not',
  isnt_: 'is not',
  wasnt_: 'was not',
  arent_: 'are not',
  cant_: 'can not',
  wont_: 'will not',
};

function normalise(text: string): string {
  let s = text.toLowerCase();
  s = s.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' emailtoken ');
  s = s.replace(/\bhttps?:\/\/\S+|\bwww\.\S+/g, ' urltoken ');
  for (const [pattern, replacement] of CONTRACTIONS) s = s.replace(pattern, replacement);
  s = s.replace(/\b(dont|doesnt|didnt|isnt|wasnt|arent|cant|wont)_/g, (m) => SPLIT_NOT[m] ?? m);
  s = s.replace(/[$€£]\s?\d[\d,.]*/g, ' moneytoken ');
  s = s.replace(/\d+/g, ' numtoken ');
  return s;
}

/** Very light stemmer: enough to merge inflections, not a linguistic tool. */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('ies') && word.length > 5) return `${word.slice(0, -3)}y`;
  for (const suffix of ['ing', 'ed', 'es', 's', 'ly']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) {
      let base = word.slice(0, -suffix.length);
      if (suffix !== 's' && suffix !== 'ly' && /([b-df-hj-np-tv-z])\1$/.test(base) && !base.endsWith('ll') && !base.endsWith('ss')) {
        base = base.slice(0, -1);
      }
      return base;
    }
  }
  return word;
}

/**
 * The last text tokenized and its tokens: a message is featurized by the sentiment and the intent
 * model one after the other (different negation scopes, same tokens), so the second asks again.
 */
let last: { text: string; tokens: readonly string[] } | undefined;

export function tokenize(text: string): string[] {
  if (last?.text === text) return [...last.tokens];
  const words = normalise(text).match(/[a-z\u00c0-\u024f]+/g) ?? [];
  const tokens = words.map(stem);
  last = { text, tokens };
  return [...tokens];
}

const NEGATORS = new Set(['not', 'no', 'never', 'nobody', 'nothing', 'without']);
/** How many words after a negator are marked, by default (the sentiment featurizer uses 3). */
const SCOPE = 1;

/**
 * Marks the few (`scope`) words after a negator ("not very happy" → not, !very, !happy) so a negated word is a
 * different feature from the plain one. Bigrams are built over the marked tokens ("not !happy").
 */
function markNegation(tokens: readonly string[], scope: number): string[] {
  let left = 0;
  return tokens.map((t) => {
    if (NEGATORS.has(t)) {
      left = scope;
      return t;
    }
    if (left > 0) {
      left -= 1;
      return `!${t}`;
    }
    return t;
  });
}

/** Unigram and bigram features (bigrams joined with a space), de-duplicated, order kept. */
export function features(text: string, negationScope: number = SCOPE): string[] {
  const tokens = markNegation(tokenize(text), negationScope);
  const out = new Set<string>();
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i] as string;
    out.add(t);
    const next = tokens[i + 1];
    if (next !== undefined) out.add(`${t} ${next}`);
  }
  return [...out];
}
