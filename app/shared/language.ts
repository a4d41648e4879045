import { z } from 'zod';

/**
 * Languages as Baton names them everywhere (signals, traits, localized templates): ISO 639-1, two
 * lowercase letters. "und" (undetermined) and region subtags are not language codes here.
 */
const ISO_639_1 = /^[a-z]{2}$/;

export const isLanguageCode = (value: string): boolean => ISO_639_1.test(value);

/**
 * The primary language subtag of a language tag, as ISO 639-1: "es" → "es", "pt-BR" / "pt_BR" → "pt",
 * "DE" → "de". Anything else (a language name, "und", an empty string, a non-string) → undefined.
 */
export function primaryLanguage(tag: unknown): string | undefined {
  if (typeof tag !== 'string') return undefined;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return ISO_639_1.test(primary) ? primary : undefined;
}

/** An object keyed by ISO 639-1 code (`{ "es": …, "pt": … }`); a bad key is named in the error. */
export function languageKeyed<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      if (!isLanguageCode(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `"${key}" is not an ISO 639-1 language code (two lowercase letters such as "es" or "pt")`,
        });
    }
  });
}
