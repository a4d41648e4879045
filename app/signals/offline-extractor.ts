import artifact from './model/intent-model.json';
import { IntentModel } from './intent-model';
import { type Intent } from './intents';
import { parseIntentModelJson } from './model-json';
import { guessLanguage } from './language';
import { scoreSentiment } from './sentiment';
import { scoreUrgency } from './urgency';
import { type ExtractOptions, type SignalExtractor, type Signals } from './signal-extractor';

let defaultModel: IntentModel | undefined;
const NOT_PRAISE: ReadonlySet<Intent> = new Set<Intent>(['positive_feedback']);

/** The committed artifact, parsed once on first use. */
export function defaultIntentModel(): IntentModel {
  defaultModel ??= new IntentModel(parseIntentModelJson(artifact));
  return defaultModel;
}

/**
 * The default extractor: no network, no download. Trained intent and sentiment classifiers
 * (committed artifacts; Spanish, Portuguese, French and German read through a glossary into the
 * models' English features), VADER plus a domain lexicon blended into sentiment, cue rules for
 * urgency in the same five languages. `language` is always set: an ISO 639-1 code, or `und` when
 * the text has no evidence for any language (e.g. "ok", "👍", an order number).
 */
export class OfflineSignalExtractor implements SignalExtractor {
  private readonly model: IntentModel;

  constructor(model?: IntentModel) {
    this.model = model ?? defaultIntentModel();
  }

  extractSync(text: string): Signals {
    // The language is guessed once and given to both models' featurizers.
    const language = guessLanguage(text).language;
    const sentiment = scoreSentiment(text, undefined, language);
    // Praise cannot come with negative polarity ("not happy at all"): refuse that class then.
    const intent = this.model.score(text, sentiment.label === 'negative' ? NOT_PRAISE : undefined, language);
    const urgency = scoreUrgency(text, sentiment.score);
    return {
      intent: intent.intent,
      intentConfidence: intent.confidence,
      sentiment: sentiment.score,
      sentimentLabel: sentiment.label,
      urgency: urgency.level,
      language,
    };
  }

  extract(text: string, _opts?: ExtractOptions): Promise<Signals> {
    return Promise.resolve(this.extractSync(text));
  }
}
