import { polarityScores } from './vader';
import artifact from './model/sentiment-model.json';
import { DOMAIN_PHRASES, DOMAIN_WORDS } from './domain-lexicon';
import { labelSentiment, SENTIMENT_THRESHOLD, type SentimentLabel } from './signal-extractor';
import { parseSentimentModelJson, SentimentModel } from './sentiment-model';
import cnnArtifact from './model/sentiment-cnn.json';
import { parseSentimentCnnJson, SentimentCnn } from './sentiment-cnn';
import { guessLanguage } from './language';

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
  return (
    text
      .toLowerCase()
      .replace(/n['’]t\b/g, ' not')
      .match(/[a-z]+/g) ?? []
  );
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
    .replace(
      /\b(?:[a-z]+n't|not|no|never|none|nobody|nothing|nowhere|neither|nor|cannot|without|dont|doesnt|didnt|isnt|wasnt|arent|cant|wont)\b/gi,
      (w) => w.toLowerCase(),
    );
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
 * The first version, kept as the bench's baseline and as one input of `scoreSentiment`: VADER's
 * compound (negation, boosters, capitals, "but", punctuation emphasis) combined with a small
 * customer-support lexicon on VADER's own unnormalised scale. English only.
 */
export function scoreSentimentLexicon(text: string): SentimentResult {
  const compound = polarityScores(neutraliseRequestWording(lowercaseNegations(text))).compound;
  const extra = domainValence(text);
  const score = extra === 0 ? compound : normalise(denormalise(compound) + extra);
  const rounded = Math.round(score * 1e4) / 1e4;
  return { score: rounded, label: labelSentiment(rounded) };
}

let defaultModel: SentimentModel | undefined;

/** The committed sentiment artifact, parsed once on first use. */
export function defaultSentimentModel(): SentimentModel {
  defaultModel ??= new SentimentModel(parseSentimentModelJson(artifact));
  return defaultModel;
}

let defaultCnn: SentimentCnn | undefined;

/** The committed convolutional model (English), parsed once on first use. */
export function defaultSentimentCnn(): SentimentCnn {
  defaultCnn ??= new SentimentCnn(parseSentimentCnnJson(cnnArtifact));
  return defaultCnn;
}

/**
 * The classifiers' verdict on `text`: for English, the mix of the convolutional and the linear
 * model (weights and neutral threshold calibrated together, `model.ensemble`); otherwise, or with
 * `cnn` null or a model without ensemble settings, the linear model alone. `language`: the text's guessed
 * language (guessed here when the caller has none, as the linear model's features would).
 */
export function classifySentiment(
  text: string,
  model: SentimentModel = defaultSentimentModel(),
  language: string = guessLanguage(text).language,
  cnn: SentimentCnn | null = defaultSentimentCnn(),
): { label: SentimentLabel; polarity: number; probabilities: Readonly<Record<SentimentLabel, number>> } {
  const linear = model.predict(text, model.neutralThreshold, language);
  const ensemble = model.ensemble;
  // The convolutional model reads English only: text guessed to be in another language, or with no
  // evidence of any (`und`), is read by the linear model alone.
  if (cnn === null || ensemble === undefined || language !== 'en') return linear;
  const c = cnn.byLabel(text);
  const w = ensemble.cnnWeight;
  const l = linear.probabilities;
  const probabilities = {
    negative: w * c.negative + (1 - w) * l.negative,
    neutral: w * c.neutral + (1 - w) * l.neutral,
    positive: w * c.positive + (1 - w) * l.positive,
  };
  const polarity = probabilities.positive - probabilities.negative;
  const unknown = linear.knownFeatures === 0 && cnn.coverage(text) === 0;
  const label: SentimentLabel =
    unknown || probabilities.neutral >= ensemble.neutralThreshold ? 'neutral' : polarity >= 0 ? 'positive' : 'negative';
  return { label, polarity, probabilities };
}

/** Questions in the five languages: a trailing "?" or an opening question word. */
const QUESTION =
  /\?\s*$|^\s*[¿]|^\s*(?:how|what|when|where|which|who|why|is|are|do|does|can|could|would|will|cómo|qué|cuándo|dónde|cuál|como|quando|onde|qual|comment|quand|où|quel|quelle|est-ce|wie|was|wann|wo|welche|welcher|gibt|kann|können)\b/i;
/** A question is neutral unless the model or the lexicon finds clear polarity in it. */
const QUESTION_NEUTRAL_FLOOR = 0.3;

const NEGATED = /\b(?:not|no|never|nothing|hardly|without|nor|neither|cannot|[a-z]+n['’]t)\b/i;
const NEGATION_LEXICON_MIN = 0.3;
/** The negation rule applies to short texts only, where one negator governs the whole sentence. */
const SHORT_TEXT_WORDS = 8;

/** Weight of the lexicon score next to the trained model's polarity (0.25–1 checked on the calibration data: 0.5 is as good as any). */
const LEXICON_WEIGHT = 0.5;
/** A lexicon score this strong overrides the model's "neutral" ("I was charged twice"). */
const LEXICON_OVERRIDE = 0.5;

/**
 * Polarity in [-1, 1] and its label. The trained classifiers (`classifySentiment`: the linear model,
 * sentiment-model.ts, trained on public review, opinion and tweet data in five languages, mixed for
 * English with the convolutional model, sentiment-cnn.ts) decide neutral vs opinionated and give
 * P(positive) − P(negative); the lexicon score above is added at half weight, which sharpens
 * intensity ("extremely good!!!") and customer-support wording the review data lacks.
 * A label of positive/negative always comes with |score| ≥ 0.05 and neutral with |score| < 0.05,
 * so `labelSentiment(score)` agrees with `label`.
 */
export function scoreSentiment(
  text: string,
  model: SentimentModel = defaultSentimentModel(),
  language?: string,
  cnn: SentimentCnn | null = defaultSentimentCnn(),
): SentimentResult {
  const prediction = classifySentiment(text, model, language, cnn);
  const lexicon = scoreSentimentLexicon(text).score;
  const neutralQuestion =
    QUESTION.test(text) && prediction.probabilities.neutral >= QUESTION_NEUTRAL_FLOOR && Math.abs(lexicon) < QUESTION_NEUTRAL_FLOOR;
  const neutral = (prediction.label === 'neutral' || neutralQuestion) && Math.abs(lexicon) < LEXICON_OVERRIDE;
  const blended = (prediction.polarity + LEXICON_WEIGHT * lexicon) / (1 + LEXICON_WEIGHT);
  if (neutral) return result(Math.max(-SENTIMENT_THRESHOLD + 0.0001, Math.min(SENTIMENT_THRESHOLD - 0.0001, blended)));
  // Bag-of-words models are weak at negation ("not bad at all"); the lexicon's explicit negation
  // rule decides when the two disagree on a short negated text and the lexicon is sure.
  const negationDispute =
    NEGATED.test(text) &&
    text.split(/\s+/).length <= SHORT_TEXT_WORDS &&
    Math.abs(lexicon) >= NEGATION_LEXICON_MIN &&
    Math.sign(lexicon) !== Math.sign(blended);
  const sign = negationDispute ? Math.sign(lexicon) : blended > 0 || (blended === 0 && prediction.polarity >= 0) ? 1 : -1;
  // Magnitude: the lexicon's (boosters, capitals, "!!!") when it agrees, else the blend's.
  const magnitude = Math.sign(lexicon) === sign && lexicon !== 0 ? Math.abs(lexicon) : Math.abs(blended);
  return result(sign * Math.max(SENTIMENT_THRESHOLD, magnitude));
}

function result(score: number): SentimentResult {
  const rounded = Math.round(score * 1e4) / 1e4;
  return { score: rounded, label: labelSentiment(rounded) };
}
