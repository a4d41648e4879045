import type { JsonObject, JsonValue } from '../json';
import { isLanguageCode, primaryLanguage } from '../../shared/language';
import { readPath } from './params';

/**
 * Outbound text by the person's language. An action step may carry `localized`: variants of its
 * parameters keyed by ISO 639-1 language code (`{ "es": { "body": "Hola {{context.profile.firstName}}" } }`).
 * At run time the variant for the person's language (`context.profile.language`, set from an explicit
 * language trait or, failing that, the language of their latest message) is laid over the base
 * parameters, key by key; without a matching variant the base parameters are used as written.
 * The chosen language is passed to the port as the `language` parameter (a WhatsApp template without
 * its own language code is sent in it), so the run shows which text went out.
 */

/** Where the engine reads the person's language from. */
export const LANGUAGE_SCOPE_PATH = 'context.profile.language';

export { isLanguageCode, primaryLanguage };

export interface Localized {
  readonly params: JsonObject;
  /** The variant's language when one was applied; null when the base parameters went out. */
  readonly language: string | null;
}

/** Lays the variant for `language` over `params` (shallow, key by key); base params when none matches. */
export function localizeParams(
  params: JsonObject,
  localized: Readonly<Record<string, JsonObject>> | undefined,
  language: unknown,
): Localized {
  const code = primaryLanguage(language);
  if (localized === undefined || code === undefined) return { params, language: null };
  const variant = localized[code];
  if (variant === undefined) return { params, language: null };
  return { params: { ...params, ...variant, language: code }, language: code };
}

/** The person's language as the run scope knows it (see LANGUAGE_SCOPE_PATH). */
export function scopeLanguage(scope: JsonValue): string | undefined {
  const value = readPath(scope, LANGUAGE_SCOPE_PATH);
  return primaryLanguage(value);
}
