/**
 * Which of a person's traits the record card shows, and how: the most recently changed first (at most
 * CARD_TRAITS_MAX), `audience_<name>` traits as audience memberships, values made safe to render
 * (strings without control characters and clipped, numbers, booleans; other JSON as clipped text).
 */
import { CARD_TRAIT_VALUE_MAX, CARD_TRAITS_MAX, type CardTrait } from './card-view';

/** One stored trait: its name, its JSON value, where it came from and when. */
export interface StoredTrait {
  readonly name: string;
  readonly value: unknown;
  readonly source: string;
  /** Epoch milliseconds of the event that set it. */
  readonly at: number;
}

export const AUDIENCE_TRAIT_PREFIX = 'audience_';

// C0/C1 control characters (tabs and newlines included) become spaces; the card shows one line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Clips to `max` characters (code points, so no half emoji), ending in an ellipsis when cut. */
export function clipText(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A trait value as the card shows it, or undefined for an empty one (null, '', nothing). */
export function cardTraitValue(value: unknown): CardTrait['value'] | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const text = value.replace(CONTROL, ' ').trim();
    return text === '' ? undefined : clipText(text, CARD_TRAIT_VALUE_MAX);
  }
  if (typeof value === 'bigint') return clipText(value.toString(), CARD_TRAIT_VALUE_MAX);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return json === undefined ? undefined : clipText(json.replace(CONTROL, ' '), CARD_TRAIT_VALUE_MAX);
}

/**
 * The card's traits from stored ones (possibly several per name, from merged profiles): the newest
 * value per name, then the most recently changed first (ties by name), at most `max`.
 */
export function cardTraits(stored: readonly StoredTrait[], max: number = CARD_TRAITS_MAX): CardTrait[] {
  const newest = new Map<string, StoredTrait>();
  for (const t of stored) {
    const seen = newest.get(t.name);
    if (seen === undefined || t.at > seen.at) newest.set(t.name, t);
  }
  const out: CardTrait[] = [];
  const ordered = [...newest.values()].sort((a, b) => b.at - a.at || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of ordered) {
    if (out.length >= max) break;
    const value = cardTraitValue(t.value);
    if (value === undefined || t.name === '') continue;
    const audience =
      t.name.startsWith(AUDIENCE_TRAIT_PREFIX) && t.name.length > AUDIENCE_TRAIT_PREFIX.length
        ? t.name.slice(AUDIENCE_TRAIT_PREFIX.length)
        : undefined;
    out.push({
      name: clipText(t.name, 200),
      value,
      source: clipText(t.source, 200),
      at: new Date(t.at).toISOString(),
      ...(audience === undefined ? {} : { audience: clipText(audience, 200) }),
    });
  }
  return out;
}
