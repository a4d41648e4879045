/**
 * PII minimisation for prompts: the model needs the wording, not the identifiers.
 * Payment card numbers, IBANs and national ids (checked by app/privacy), emails, street addresses and
 * postcodes, person names, phone-like numbers and long digit runs (orders, accounts) become placeholders.
 * Names are found where people write them: after greetings and sign-offs, in self-introductions,
 * after titles, and anywhere for the names the caller already knows (the profile's).
 */
import { findSensitiveData, replaceFindings, type SensitiveKind } from '../../app/privacy';

export interface RedactOptions {
  /** Names of the person the text is about (e.g. the profile's first, last and full name): each becomes [NAME]. */
  readonly knownNames?: readonly string[];
}

const SENSITIVE_PLACEHOLDER: Readonly<Record<SensitiveKind, string>> = {
  payment_card: '[CARD]',
  iban: '[IBAN]',
  national_id: '[NATIONAL_ID]',
};

/** Starts only where a token starts, so a long run of word characters is scanned once, not once per position. */
const EMAIL = /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** A + or digit, then digits with common separators; checked for 7–15 digits below. */
const PHONE_LIKE = /(?:\+|\b)\d[\d\s().-]{5,}\d\b/g;
const LONG_DIGITS = /\d{5,}/g;

/** `word` with its first letter in either case: "Street" → "[Ss]treet". */
const eitherCase = (word: string): string => {
  const first = word.charAt(0);
  const rest = word.slice(1).replace(/[.]/g, '\\.');
  return first.toLowerCase() === first.toUpperCase() ? `${first}${rest}` : `[${first.toUpperCase()}${first.toLowerCase()}]${rest}`;
};
const anyOf = (words: readonly string[]): string => `(?:${words.map(eitherCase).join('|')})`;

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

const CAP_WORD = String.raw`\p{Lu}[\p{L}\p{M}'’.-]*`;
const ORDINAL = String.raw`\d{1,4}(?:st|nd|rd|th)`;
const STREET_WORD = `(?:${CAP_WORD}|${ORDINAL})`;
/** Street types; the ones that are also common words ("way", "close", "drive") only when capitalised. */
const EN_STREET_TYPES = String.raw`(?:${anyOf(['Street', 'Avenue', 'Road', 'Boulevard', 'Lane'])}|${[
  'St',
  'Ave',
  'Rd',
  'Blvd',
  'Ln',
  'Drive',
  'Dr',
  'Court',
  'Ct',
  'Place',
  'Pl',
  'Square',
  'Sq',
  'Terrace',
  'Way',
  'Close',
  'Crescent',
  'Parkway',
  'Pkwy',
  'Highway',
  'Hwy',
  'Circle',
  'Cir',
  'Row',
  'Gardens',
  'Grove',
  'Walk',
  'Mews',
  'Alley',
  'Trail',
  'Plaza',
  'Hill',
].join('|')})`;
const UNIT = String.raw`(?:${anyOf(['Apt', 'Apartment', 'Suite', 'Ste', 'Unit', 'Flat', 'Floor', 'Fl'])}\.?|#)\s*#?[\p{L}\d-]+`;
/** "221B Baker Street", "1600 Pennsylvania Ave NW, Suite 5", "Flat 4, 12 High St." */
const NUMBER_FIRST_STREET = new RegExp(
  String.raw`(?:${UNIT},?\s+)?\b\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)?,?\s+(?:${STREET_WORD}\s+){1,4}${EN_STREET_TYPES}\b\.?(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?(?:,?\s+${UNIT})?`,
  'gu',
);

const ROMANCE_PARTICLES = String.raw`(?:(?:de|del|de la|des|du|la|le|les|di|della|dei|degli|delle|do|da|dos|das)\s+|[ldLD]['’])*`;
/** "12 rue de la Paix", "8 bis avenue Victor Hugo" */
const FRENCH_STREET = new RegExp(
  String.raw`\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+${anyOf(['rue', 'avenue', 'av.', 'boulevard', 'bd', 'chemin', 'place', 'allée', 'impasse', 'quai', 'route', 'cours'])}\s+${ROMANCE_PARTICLES}${CAP_WORD}(?:\s+${ROMANCE_PARTICLES}${CAP_WORD}){0,3}`,
  'gu',
);
/** "Calle Mayor 5", "Via Roma, 10", "Avenida da Liberdade 110", "Calle de Alcalá, nº 45" */
const TYPE_FIRST_STREET = new RegExp(
  String.raw`\b(?:${anyOf(['Calle', 'Avenida', 'Avda.', 'Paseo', 'Plaza', 'Carrer', 'Rua', 'Viale', 'Piazza', 'Corso', 'Largo', 'Rue'])}|Via|C/)\s*${ROMANCE_PARTICLES}${CAP_WORD}(?:\s+${ROMANCE_PARTICLES}${CAP_WORD}){0,3},?\s*(?:n[º°o.]?\s*)?\d{1,4}[A-Za-z]?\b`,
  'gu',
);
const GERMANIC_SUFFIXES = [
  'straße',
  'strasse',
  'str.',
  'weg',
  'gasse',
  'platz',
  'allee',
  'damm',
  'ufer',
  'chaussee',
  'straat',
  'laan',
  'gracht',
  'kade',
  'plein',
  'singel',
  'dijk',
  'steeg',
  'dreef',
];
/** "Hauptstraße 12a", "Karl-Marx-Straße 5", "Berliner Straße 7", "Keizersgracht 123" */
const GERMANIC_STREET = new RegExp(
  String.raw`(?<![\p{L}\p{M}\d])\p{Lu}[\p{L}-]*(?:${anyOf(GERMANIC_SUFFIXES)}|\s+(?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee|Damm|Ufer))\s*\d{1,4}\s?[a-zA-Z]?\b`,
  'gu',
);
const PO_BOX =
  /\b(?:P\.?\s?O\.?\s?Box|Post(?:al)?\s+Office\s+Box|Postfach|Apartado(?:\s+de\s+correos)?|Casella\s+postale|Bo[iî]te\s+postale|Postbus)\s*\d{1,6}\b/giu;

const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR';
/** "Springfield, IL 62704-1234": a state and ZIP (+4), with the city before it. */
const US_CITY_STATE_ZIP = new RegExp(
  String.raw`(?:(?<![\p{L}\p{M}\d'’.-])${CAP_WORD}(?:\s+${CAP_WORD}){0,2},\s*)?\b(?:${US_STATES}),?\s+\d{5}(?:-\d{4})?\b`,
  'gu',
);
/** UK postcodes in their printed form (outward code, one space, inward code), with the town before them. */
const UK_POSTCODE = new RegExp(
  String.raw`(?:(?<![\p{L}\p{M}\d'’.-])${CAP_WORD}(?:[ \t]+${CAP_WORD}){0,2},?[ \t]+)?\b(?:GIR 0AA|[A-PR-UWYZ](?:\d\d?|[A-HK-Y]\d\d?|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y]) \d[ABD-HJLNP-UW-Z]{2})\b`,
  'gu',
);
/** Dutch "1017 AB Amsterdam" (the letter pairs SA, SD and SS are never used). */
const NL_POSTCODE = /\b[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}\s+\p{Lu}\p{Ll}+(?:[\s-]\p{Lu}\p{Ll}+)?/gu;
/** Five-digit postcode and city (DE, FR, ES, IT) after a comma, a line break or "in"/"aus"/"à"…: "…, 10115 Berlin". */
const FIVE_DIGIT_POSTCODE_CITY =
  /(?<=(?:^|[,\n]\s*|\b(?:in|aus|nach|à|a|en)\s))(?:[DFI]-)?\d{5}\s+\p{Lu}\p{Ll}+(?:(?:\s(?:am|an der|im|sur|de|del)\s|[\s-])\p{Lu}\p{Ll}+)*/gu;

const ADDRESS_PATTERNS: readonly RegExp[] = [
  PO_BOX,
  NUMBER_FIRST_STREET,
  FRENCH_STREET,
  TYPE_FIRST_STREET,
  GERMANIC_STREET,
  US_CITY_STATE_ZIP,
  UK_POSTCODE,
  NL_POSTCODE,
  FIVE_DIGIT_POSTCODE_CITY,
];
const ADJACENT_ADDRESSES = /\[ADDRESS\](?:,?[ \t]*\n?[ \t]*\[ADDRESS\])+/g;

function redactAddresses(text: string): string {
  let out = text;
  for (const pattern of ADDRESS_PATTERNS) out = out.replace(pattern, '[ADDRESS]');
  return out.replace(ADJACENT_ADDRESSES, '[ADDRESS]');
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

const NAME_TOKEN = String.raw`(?:\p{Lu}['’]\p{Lu}\p{Ll}+|\p{Lu}\p{Ll}[\p{L}\p{M}]*(?:[-'’]\p{Lu}[\p{L}\p{M}]*)*)`;
const PARTICLES = [
  'van',
  'von',
  'de',
  'der',
  'den',
  'del',
  'della',
  'di',
  'da',
  'du',
  'dos',
  'das',
  'la',
  'le',
  'bin',
  'ibn',
  'al',
  'ten',
  'ter',
];
const FULL_NAME = String.raw`${NAME_TOKEN}(?:[ \t]+(?:(?:${PARTICLES.join('|')})[ \t]+)*${NAME_TOKEN}){0,2}`;

/** Capitalised words that follow a greeting or sign-off without being a name. */
const NOT_NAMES = new Set([
  'team',
  'support',
  'sir',
  'madam',
  'all',
  'everyone',
  'everybody',
  'there',
  'again',
  'guys',
  'folks',
  'customer',
  'customers',
  'service',
  'services',
  'billing',
  'sales',
  'friends',
  'friend',
  'colleagues',
  'hello',
  'hi',
  'hey',
  'thanks',
  'thank',
  'the',
  'this',
  'that',
  'these',
  'those',
  'it',
  'its',
  'we',
  'you',
  'your',
  'yours',
  'my',
  'our',
  'please',
  'for',
  'and',
  'but',
  'so',
  'will',
  'can',
  'could',
  'would',
  'should',
  'let',
  'looking',
  'hope',
  'have',
  'has',
  'had',
  'is',
  'are',
  'was',
  'were',
  'do',
  'does',
  'did',
  'just',
  'not',
  'no',
  'yes',
  'ok',
  'okay',
  'morning',
  'afternoon',
  'evening',
  'good',
  'best',
  'kind',
  'regards',
  'sincerely',
  'cheers',
  'also',
  'any',
  'sorry',
  'urgent',
  'today',
  'tomorrow',
  'tonight',
  'in',
  'advance',
  'much',
  'very',
  'lot',
  'lots',
  'anyway',
  'an',
  'if',
  'when',
  'what',
  'how',
  'why',
  'who',
  'where',
  'happy',
  'great',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'january',
  'february',
  'march',
  'april',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'manager',
  'management',
  'account',
  'accounts',
  'hr',
  'admin',
  'administrator',
  'owner',
  'owners',
  'helpdesk',
  'desk',
  'crew',
  'people',
  'gentlemen',
  'ladies',
  'mam',
  'dringend',
  'bitte',
  'danke',
  'grazie',
  'gracias',
  'merci',
  'bedankt',
  'urgente',
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'prof',
  'herr',
  'frau',
  'mme',
  'mlle',
  'sr',
  'sra',
  'srta',
  'sig',
  'dhr',
  'mevr',
]);

/** Replaces the leading name part of `candidate` with [NAME]; words after a non-name word stay. */
function nameIn(candidate: string): string | null {
  const parts = candidate.split(/([ \t]+)/);
  let kept = 0;
  let keptChars = 0;
  let chars = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i] ?? '';
    const isParticle = PARTICLES.includes(word);
    if (!isParticle && NOT_NAMES.has(word.toLowerCase())) break;
    chars += word.length;
    if (!isParticle) {
      kept += 1;
      keptChars = chars;
    }
    chars += (parts[i + 1] ?? '').length;
  }
  return kept === 0 ? null : `[NAME]${candidate.slice(keptChars)}`;
}

const GREETINGS = anyOf([
  'Hi',
  'Hello',
  'Hey',
  'Dear',
  'Hiya',
  'Howdy',
  'Good morning',
  'Good afternoon',
  'Good evening',
  'Morning',
  'Hallo',
  'Hola',
  'Bonjour',
  'Ciao',
  'Buongiorno',
  'Buenos días',
  'Goedemorgen',
  'Beste',
  'Lieber',
  'Liebe',
  'Salut',
]);
const SIGN_OFFS = anyOf([
  'Thanks',
  'Thank you',
  'Many thanks',
  'Thanks again',
  'Cheers',
  'Regards',
  'Best',
  'Best regards',
  'Best wishes',
  'Kind regards',
  'Warm regards',
  'Sincerely',
  'Yours',
  'Yours sincerely',
  'Yours truly',
  'Yours faithfully',
  'Thx',
  'Ta',
  'Groeten',
  'Met vriendelijke groet',
  'Viele Grüße',
  'Mit freundlichen Grüßen',
  'Grüße',
  'Saludos',
  'Cordialement',
  'Cordiali saluti',
  'Grazie',
  'Gracias',
  'Merci',
  'Danke',
  'Bedankt',
]);
const INTRODUCTIONS = anyOf([
  'My name is',
  "My name's",
  'This is',
  'Name:',
  'Mein Name ist',
  'Ich heiße',
  'Me llamo',
  'Mi chiamo',
  "Je m'appelle",
  'Ik ben',
  'Mijn naam is',
  'Signed',
  'Sent by',
  'From:',
]);
const TITLES = String.raw`(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Sig|Sig\.ra|Dhr|Mevr)`;
const END_OF_NAME = String.raw`(?=[ \t]*(?:$|[\n\r.!,;:)]|[ \t]-))`;

const GREETING_NAME = new RegExp(String.raw`(\b${GREETINGS}[,!]?[ \t]+)(${FULL_NAME})`, 'gu');
const SIGN_OFF_NAME = new RegExp(String.raw`(?<=^|[\n.!?,;][ \t]*)(${SIGN_OFFS}[,.!]?\s+)(${FULL_NAME})${END_OF_NAME}`, 'gu');
const INTRODUCED_NAME = new RegExp(String.raw`(\b${INTRODUCTIONS}[ \t]+)(${FULL_NAME})`, 'gu');
const I_AM_NAME = new RegExp(
  String.raw`(\b(?:I'm|I’m|I am)[ \t]+)(${FULL_NAME})(?=[ \t]*(?:$|[\n\r.!,;]|[ \t](?:from|and|here|with|at|of)\b))`,
  'gu',
);
const TITLED_NAME = new RegExp(String.raw`(\b${TITLES}\.?[ \t]+)(${FULL_NAME})`, 'gu');

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The caller's known names, anywhere in the text: each full name in any case, and each of its words
 * (two letters or more) when written capitalised or in capitals, so "Will" the person is hidden and
 * "I will" is not.
 */
function redactKnownNames(text: string, names: readonly string[]): string {
  const fulls = new Set<string>();
  const words = new Set<string>();
  for (const name of names) {
    const tokens = name
      .trim()
      .split(/\s+/)
      .filter((t) => [...t].length >= 2);
    if (tokens.length > 1) fulls.add(tokens.map(escapeRegExp).join(String.raw`\s+`));
    for (const t of tokens) {
      if (PARTICLES.includes(t.toLowerCase())) continue;
      const lower = t.toLocaleLowerCase();
      const capitalised = lower.charAt(0).toLocaleUpperCase() + lower.slice(1);
      words.add(escapeRegExp(capitalised));
      words.add(escapeRegExp(t.toLocaleUpperCase()));
      words.add(escapeRegExp(t));
    }
  }
  let out = text;
  const bounded = (body: string, flags: string): RegExp => new RegExp(String.raw`(?<![\p{L}\p{M}\d])(?:${body})(?![\p{L}\p{M}\d])`, flags);
  // Longest first, so "Maria Garcia" becomes one [NAME] rather than two.
  const byLength = (a: string, b: string): number => b.length - a.length;
  if (fulls.size > 0) out = out.replace(bounded([...fulls].sort(byLength).join('|'), 'giu'), '[NAME]');
  if (words.size > 0) out = out.replace(bounded([...words].sort(byLength).join('|'), 'gu'), '[NAME]');
  return out.replace(/\[NAME\](?:[ \t]+\[NAME\])+/g, '[NAME]');
}

function redactNames(text: string, knownNames: readonly string[]): string {
  let out = redactKnownNames(text, knownNames);
  const keepLead = (_m: string, lead: string, name: string): string => {
    const replaced = nameIn(name);
    return replaced === null ? `${lead}${name}` : `${lead}${replaced}`;
  };
  for (const pattern of [TITLED_NAME, GREETING_NAME, SIGN_OFF_NAME, INTRODUCED_NAME, I_AM_NAME]) out = out.replace(pattern, keepLead);
  return out;
}

// ---------------------------------------------------------------------------------------------

export function redactPii(text: string, options: RedactOptions = {}): string {
  const sensitive = replaceFindings(text, findSensitiveData(text), (f) => SENSITIVE_PLACEHOLDER[f.kind]);
  const withoutEmails = sensitive.replace(EMAIL, '[EMAIL]');
  const withoutAddresses = redactAddresses(withoutEmails);
  const withoutNames = redactNames(withoutAddresses, options.knownNames ?? []);
  return withoutNames
    .replace(PHONE_LIKE, (match) => {
      const digits = match.replace(/\D/g, '').length;
      if (digits >= 7 && digits <= 15 && !/^\d+$/.test(match.trim())) return '[PHONE]';
      return digits >= 5 ? '[NUMBER]' : match;
    })
    .replace(LONG_DIGITS, '[NUMBER]');
}

/** Identifiers (an email is at most 254 characters) and the context their patterns read fit well inside this. */
const CUT_MARGIN = 512;

/**
 * The redacted text cut to `maxChars`. Redaction comes first, so a cut never leaves a fragment of an identifier
 * ("jane.doe@exam", "4111 1111 11", half a name) that the patterns no longer recognise. Only a prefix is redacted:
 * `maxChars` plus a margin, grown while placeholders shrink it so much that the possibly-cut tail of the window
 * could reach the kept part.
 */
export function redactAndClip(text: string, maxChars: number, options: RedactOptions = {}): string {
  for (let end = maxChars + CUT_MARGIN; end < text.length; end *= 2) {
    const redacted = redactPii(text.slice(0, end), options);
    if (redacted.length >= maxChars + CUT_MARGIN) return redacted.slice(0, maxChars);
  }
  return redactPii(text, options).slice(0, maxChars);
}
