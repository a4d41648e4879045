import { features } from './tokenize';
import { guessLanguage } from './language';
import { pivotToEnglish } from './pivot';

/** Names of the feature functions a model artifact can declare in `meta.featurizer`. */
export type FeaturizerName = 'words/1' | 'multilingual/1' | 'multilingual/2';

/**
 * Features for the multilingual models: English text gets the word uni/bi-grams of `features`;
 * other languages get their own words prefixed with the language ("es:cancelar", so they never
 * collide with English features) plus the English features of the glossary rendering
 * (pivot.ts), which is what lets models trained mostly on English data read them.
 */
export function multilingualFeatures(text: string, language: string = guessLanguage(text).language, negationScope = 1): string[] {
  if (language === 'en' || language === 'und') return features(text, negationScope);
  const own = features(text, negationScope).map((f) => `${language}:${f}`);
  const pivot = pivotToEnglish(text, language);
  return pivot === undefined ? own : [...new Set([...own, ...features(pivot, negationScope)])];
}

/**
 * words/1: English word features; multilingual/1: `multilingualFeatures` (intent);
 * multilingual/2: the same with negation marking three words deep ("not very good"), which helps
 * sentiment and not intent.
 */
export function featurizer(name: FeaturizerName): Featurize {
  if (name === 'multilingual/1') return (text, language) => multilingualFeatures(text, language ?? guessLanguage(text).language);
  if (name === 'multilingual/2') return (text, language) => multilingualFeatures(text, language ?? guessLanguage(text).language, 3);
  return (text) => features(text);
}

/** A model's feature function; `language` is the text's guessed language when the caller already has it. */
export type Featurize = (text: string, language?: string) => string[];

export function featurizerName(meta: Readonly<Record<string, unknown>>): FeaturizerName {
  const name = meta['featurizer'];
  return name === 'multilingual/1' || name === 'multilingual/2' ? name : 'words/1';
}
