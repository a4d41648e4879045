/**
 * Rough language guess from function words, for routing and for telling callers that the intent
 * model (trained on English) is out of its depth. Returns undefined when unsure.
 */
const STOPWORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  en: new Set(['the', 'and', 'is', 'are', 'to', 'of', 'my', 'you', 'your', 'i', 'it', 'this', 'please', 'with', 'have', 'for', 'not', 'can', 'we', 'what']),
  es: new Set(['el', 'la', 'los', 'las', 'es', 'y', 'de', 'que', 'mi', 'por', 'para', 'con', 'no', 'una', 'un', 'quiero', 'como', 'pero', 'gracias', 'está']),
  fr: new Set(['le', 'la', 'les', 'est', 'et', 'de', 'des', 'je', 'vous', 'mon', 'pour', 'avec', 'pas', 'une', 'un', 'merci', 'mais', 'que', 'ne', 'veux']),
  de: new Set(['der', 'die', 'das', 'ist', 'und', 'zu', 'ich', 'sie', 'mein', 'nicht', 'mit', 'für', 'ein', 'eine', 'bitte', 'danke', 'aber', 'wir', 'haben', 'möchte']),
  pt: new Set(['o', 'os', 'as', 'é', 'e', 'de', 'que', 'meu', 'minha', 'para', 'com', 'não', 'uma', 'um', 'obrigado', 'obrigada', 'mas', 'quero', 'você', 'está']),
  it: new Set(['il', 'lo', 'gli', 'è', 'e', 'di', 'che', 'mio', 'per', 'con', 'non', 'una', 'un', 'grazie', 'ma', 'voglio', 'sono', 'della', 'questo', 'ho']),
};

export function detectLanguage(text: string): string | undefined {
  const words = text.toLowerCase().match(/[\p{L}]+/gu) ?? [];
  if (words.length < 3) return undefined;
  let best: string | undefined;
  let bestHits = 0;
  let second = 0;
  for (const [lang, stop] of Object.entries(STOPWORDS)) {
    const hits = words.filter((w) => stop.has(w)).length;
    if (hits > bestHits) {
      second = bestHits;
      bestHits = hits;
      best = lang;
    } else if (hits > second) {
      second = hits;
    }
  }
  if (best === undefined || bestHits < 2 || bestHits === second) return undefined;
  return best;
}
