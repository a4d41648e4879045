import vader from 'vader-sentiment';
import { DOMAIN_PHRASES, DOMAIN_WORDS } from './domain-lexicon';
import { labelSentiment, type SentimentLabel } from './signal-extractor';

export interface SentimentResult {
  readonly score: number;
  readonly label: SentimentLabel;
}

/** VADER's normalisation constant: compound = x / sqrt(x² + alpha). */
const ALPHA = 15;
/** VADER's dampening factor for negated valence. */
const NEGATION_SCALAR = -0.74;
const NEGATORS = new Set(['not', 'no', 'never', 'nothing', 'hardly', 'without', 'nor', 'neither']);

function normalise(x: number): number {
  return Math.max(-1, Math.min(1, x / Math.sqrt(x * x + ALPHA)));
}

function denormalise(compound: number): number {
  const c = Math.max(-0.9999, Math.min(0.9999, compound));
  return c * Math.sqrt(ALPHA / (1 - c * c));
}

function plainWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/n['’]t\b/g, ' not')
    .match(/[a-z]+/g) ?? [];
}

/** Domain valence with VADER-style negation: a negator within the three previous words flips and damps. */
function domainValence(text: string): number {
  const words = plainWords(text);
  const joined = ` ${words.join(' ')} `;
  let total = 0;
  for (const [phrase, valence] of DOMAIN_PHRASES) {
    let from = joined.indexOf(` ${phrase} `);
    while (from >= 0) {
      total += valence;
      from = joined.indexOf(` ${phrase} `, from + phrase.length + 1);
    }
  }
  words.forEach((w, i) => {
    const valence = DOMAIN_WORDS[w];
    if (valence === undefined) return;
    const window = words.slice(Math.max(0, i - 3), i);
    total += window.some((p) => NEGATORS.has(p)) ? valence * NEGATION_SCALAR : valence;
  });
  return total;
}

/**
 * The JS port of VADER only recognises lower-case negations, so "NOT great" scored positive.
 * Lower-casing just the negation words keeps VADER's capitals emphasis for everything else.
 */
function lowercaseNegations(text: string): string {
  return text
    .replace(/’/g, "'")
    .replace(/\b(?:[a-z]+n't|not|no|never|none|nobody|nothing|nowhere|neither|nor|cannot|without|dont|doesnt|didnt|isnt|wasnt|arent|cant|wont)\b/gi, (w) => w.toLowerCase());
}

/**
 * Words VADER scores positive that carry no polarity in customer requests: politeness markers
 * ("please", "kindly"), "support" as the name of a team or a verb, "would like to" (a request,
 * not liking) and "urgent"/"important" (VADER rates them mildly positive; here they flag pressure,
 * which urgency scoring handles). "Thanks for your support" keeps its polarity through "thanks".
 */
function neutraliseRequestWording(text: string): string {
  return text
    .replace(/\b(?:please|pls|kindly|urgent|urgently|important)\b/gi, ' ')
    .replace(/\bsupport\b/gi, 'helpdesk')
    .replace(/\b(would|'d)\s+like\s+to\b/gi, '$1 want to');
}

/**
 * Polarity in [-1, 1]: VADER's compound (negation, boosters, capitals, "but", punctuation emphasis)
 * combined with a small customer-support lexicon on VADER's own unnormalised scale.
 */
export function scoreSentiment(text: string): SentimentResult {
  const compound = vader.SentimentIntensityAnalyzer.polarity_scores(neutraliseRequestWording(lowercaseNegations(text))).compound;
  const extra = domainValence(text);
  const score = extra === 0 ? compound : normalise(denormalise(compound) + extra);
  const rounded = Math.round(score * 1e4) / 1e4;
  return { score: rounded, label: labelSentiment(rounded) };
}
