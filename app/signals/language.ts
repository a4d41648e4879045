/**
 * Language identification for the languages Baton's customers write in (en, es, pt, fr, de, it).
 * Pure and offline: each language has a list of very frequent words (function words plus the
 * everyday customer-service vocabulary: "quiero", "cobrado", "rembourser", "Rechnung"), and a few
 * letters that only some of these languages use (ñ, ã/õ, ç, ß, ä/ö/ü, è/ê/à). A text's score per
 * language is the number of its words in that list, plus the letter evidence; the best language
 * wins when it is ahead of the runner-up.
 *
 * Why not trigram profiles: the texts are short (a line of chat, an SMS) and written in a few
 * closely related Romance languages, where a handful of marker words separates them better than
 * character statistics trained on long prose.
 */

import { foldAccents, foldGerman } from './fold';
import { glossaryHits } from './pivot';

export { foldAccents, foldGerman } from './fold';

export const SUPPORTED_LANGUAGES = ['en', 'es', 'pt', 'fr', 'de', 'it'] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

/** ISO 639-2 "undetermined": returned when there is no evidence for any language. */
export const UNDETERMINED = 'und';

const WORDS: Readonly<Record<SupportedLanguage, string>> = {
  en: `the and is are was were to of my you your i it this that please with have has for not can we what
    would could should will do does did don't can't won't i'm it's get got been am be an on at from by about
    how why when where which who there their they our us me he she his her just any all some no yes
    thanks thank hello hi hey want need help account order money charged refund card payment bill
    cancel subscription working broken still again today now great good bad love hate terrible awful
    worst best nice really very so too much more than but or if because here then`,
  es: `el la los las es son y de del que mi mis por para con no una un unos quiero como pero gracias está
    están estoy tengo tiene hola buenos buenas días me se lo le les su sus nos ya muy más esto eso este
    esta cuando donde dónde qué cómo por favor cancelar suscripción cuenta factura cobro cobrado cobraron
    dinero reembolso tarjeta pago funciona hoy ahora también pedido ayuda necesito hay sin sobre
    todavía nada mucho bueno malo excelente gracias hasta muy fue pero porque quisiera puedo pueden usted
    mensajes envíen dejen quiten nadie aplicación contraseña pásenme llamada`,
  pt: `o os as é e de do da dos das que meu minha para com não uma um quero você está estou tenho tem
    olá oi obrigado obrigada bom boa dia mas por favor cancelar assinatura conta fatura cobrança cobrado
    cobraram dinheiro reembolso cartão pagamento funciona hoje agora também pedido ajuda preciso há sem
    sobre ainda nada muito ótimo péssimo foi porque gostaria posso podem vocês isso isto esse essa
    nao voce estão já mais meu seu sua no na nos nas ao pelo pela eu como senha mensagens podem vocês parem enviar
    atendimento aplicativo obrigado tudo ninguém também assinatura`,
  fr: `le la les est et de des du que je vous mon ma mes pour avec pas une un merci mais ne veux voudrais
    suis ai avez bonjour bonsoir salut au aux ce cette ces il elle nous ils sur dans en très plus
    annuler abonnement compte facture prélevé débité argent remboursement carte paiement fonctionne
    marche aujourd'hui maintenant aussi commande aide besoin sans encore rien bien mauvais excellent
    était parce c'est j'ai n'est qu'il moi toujours deux fois s'il vous plaît pouvez`,
  de: `der die das ist und zu ich sie mein meine nicht mit für ein eine bitte danke aber wir haben möchte
    hallo guten tag den dem des es auf auch noch schon sehr mehr kann können wie was warum wann wo
    kündigen abo abonnement konto rechnung abgebucht geld erstattung rückerstattung karte zahlung
    funktioniert heute jetzt sofort bestellung hilfe brauche ohne immer wieder nichts gut schlecht
    toll super war weil bin bist sind hat habe mir mich ihr ihre unser uns doppelt zweimal`,
  it: `il lo gli è e di che mio mia per con non una un grazie ma voglio sono della questo questa ho hai
    ciao buongiorno anche ancora molto più annullare abbonamento conto fattura addebitato soldi rimborso
    carta pagamento funziona oggi adesso subito ordine aiuto bisogno senza niente bene male ottimo
    perché vorrei posso potete voi del alla dei nel sul`,
};

/**
 * Each list also holds its words without accents: customers often type "suscripcion", "nao",
 * "kundigen". A folded form can then count for two languages ("esta"), which the letter cues and
 * the other words settle.
 */
const LEXICON: ReadonlyMap<SupportedLanguage, ReadonlySet<string>> = new Map(
  SUPPORTED_LANGUAGES.map((lang) => {
    const ws = WORDS[lang].split(/\s+/).filter((w) => w !== '');
    return [lang, new Set([...ws, ...ws.map(foldAccents), ...(lang === 'de' ? ws.map(foldGerman) : [])])] as const;
  }),
);

/** Letters (and one digraph) that point to a language; each occurrence adds `weight`. */
const LETTER_CUES: ReadonlyArray<{ readonly lang: SupportedLanguage; readonly pattern: RegExp; readonly weight: number }> = [
  { lang: 'es', pattern: /ñ|¿|¡/g, weight: 1.5 },
  { lang: 'es', pattern: /ción\b/g, weight: 0.5 },
  { lang: 'pt', pattern: /[ãõ]|ção\b|ções\b/g, weight: 1.5 },
  { lang: 'pt', pattern: /ç/g, weight: 0.75 },
  { lang: 'fr', pattern: /[èêëîœù]|ç/g, weight: 0.75 },
  { lang: 'fr', pattern: /\b[ldjnqcs]['’][a-zéèêàâîôû]/g, weight: 1 },
  { lang: 'de', pattern: /[äöüß]/g, weight: 1.5 },
  { lang: 'de', pattern: /sch|\b\w+ung\b/g, weight: 0.5 },
  { lang: 'it', pattern: /\b\w+zione\b|\bgli\b|\bche\b/g, weight: 0.5 },
];

export interface LanguageGuess {
  /** ISO 639-1 code, or `und` when the text carries no evidence for any supported language. */
  readonly language: string;
  /** Score of the winner minus the runner-up's (0 when undetermined). */
  readonly margin: number;
}

function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/’/g, "'")
      .match(/[\p{L}]+(?:'[\p{L}]+)?/gu) ?? []
  );
}

/** Scores every supported language on `text`; higher is more likely. */
export function languageScores(text: string): Map<SupportedLanguage, number> {
  const lower = text.toLowerCase();
  const ws = words(text);
  const scores = new Map<SupportedLanguage, number>(SUPPORTED_LANGUAGES.map((l) => [l, 0]));
  for (const w of ws) {
    const parts = w.includes("'") ? [w, ...w.split("'")] : [w];
    if (w !== foldAccents(w)) parts.push(foldAccents(w));
    if (/ae|oe|ue|ss/.test(w)) parts.push(foldGerman(w));
    for (const lang of SUPPORTED_LANGUAGES) {
      const lex = LEXICON.get(lang) as ReadonlySet<string>;
      if (parts.some((p) => lex.has(p))) scores.set(lang, (scores.get(lang) as number) + 1);
    }
  }
  for (const cue of LETTER_CUES) {
    const hits = lower.match(cue.pattern)?.length ?? 0;
    if (hits > 0) scores.set(cue.lang, (scores.get(cue.lang) as number) + Math.min(3, hits) * cue.weight);
  }
  return scores;
}

/**
 * Best guess with its margin. Ties go to `und` unless English is among the tied (ASCII text
 * whose only marker words are shared by English and another language is read as English only
 * when no accented letter says otherwise, which the letter cues already counted).
 */
export function guessLanguage(text: string): LanguageGuess {
  const ranked = [...languageScores(text).entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  const runnerUp = second?.[1] ?? 0;
  if (first !== undefined && first[1] > 0 && first[1] > runnerUp) return { language: first[0], margin: first[1] - runnerUp };
  // No word-list evidence, or a tie: the customer-service glossaries (pivot.ts) are language
  // evidence too ("zu teuer", "muy caro"); the language with the most glossary words wins, if alone.
  const hits = glossaryHits(text).sort((a, b) => b[1] - a[1]);
  const [top, next] = hits;
  if (top !== undefined && top[1] > 0 && top[1] > (next?.[1] ?? 0)) return { language: top[0], margin: top[1] - (next?.[1] ?? 0) };
  return { language: UNDETERMINED, margin: 0 };
}

/**
 * ISO 639-1 code of `text`'s language, or undefined when there is no evidence either way
 * (kept for callers of the first version; the extractor uses `guessLanguage`, which says `und`).
 */
export function detectLanguage(text: string): string | undefined {
  const guess = guessLanguage(text);
  return guess.language === UNDETERMINED ? undefined : guess.language;
}
