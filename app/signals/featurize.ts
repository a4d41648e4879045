import { features } from './tokenize';
import { guessLanguage } from './language';
import { pivotToEnglish } from './pivot';

/** Names of the feature functions a model artifact can declare in `meta.featurizer`. */
export type FeaturizerName = 'words/1' | 'multilingual/1';

/**
 * Features for the multilingual models: English text gets the word uni/bi-grams of `features`;
 * other languages get their own words prefixed with the language ("es:cancelar", so they never
 * collide with English features) plus the English features of the glossary rendering
 * (pivot.ts), which is what lets models trained mostly on English data read them.
 */
export function multilingualFeatures(text: string, language: string = guessLanguage(text).language): string[] {
  if (language === 'en' || language === 'und') return features(text);
  const own = features(text).map((f) => `${language}:${f}`);
  const pivot = pivotToEnglish(text, language);
  return pivot === undefined ? own : [...new Set([...own, ...features(pivot)])];
}

export function featurizer(name: FeaturizerName): (text: string) => string[] {
  return name === 'multilingual/1' ? (text) => multilingualFeatures(text) : features;
}

export function featurizerName(meta: Readonly<Record<string, unknown>>): FeaturizerName {
  return meta['featurizer'] === 'multilingual/1' ? 'multilingual/1' : 'words/1';
}
