export { CANONICAL_INTENTS, HIGH_STAKES_INTENTS, isIntent, type Intent } from './intents';
export {
  labelSentiment,
  SENTIMENT_THRESHOLD,
  type ExtractOptions,
  type SentimentLabel,
  type SignalExtractor,
  type Signals,
  type Urgency,
} from './signal-extractor';
export { OfflineSignalExtractor, defaultIntentModel } from './offline-extractor';
export { IntentModel, type IntentModelJson, type IntentScore } from './intent-model';
export { scoreSentiment, scoreSentimentLexicon, defaultSentimentModel, type SentimentResult } from './sentiment';
export { SentimentModel, type SentimentModelJson, type SentimentPrediction } from './sentiment-model';
export { scoreUrgency, type UrgencyResult } from './urgency';
export { detectLanguage, guessLanguage, SUPPORTED_LANGUAGES, UNDETERMINED, type LanguageGuess } from './language';
export { pivotToEnglish } from './pivot';
