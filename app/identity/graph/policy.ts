/**
 * Linking policy (after Segment's identity rules): per-type limits per profile, priorities deciding
 * which identifier of a record yields when a merge would break a limit, identifiers that are shared,
 * and the name guard for identifiers families and offices share (phones, sometimes email).
 */
import { jaroWinkler } from '../compare/jaro-winkler';
import { salesforceObjectPrefix } from '../normalize/crm-ids';
import { areNicknames, isKnownName, nameVariants } from '../normalize/names';
import type { FieldWeight } from '../model/matcher';
import type { Identifier, IdentifierType } from '../types';

export interface LinkPolicy {
  /** Maximum distinct values per limit group in one profile. */
  readonly limits: Readonly<Record<IdentifierType, number>>;
  /** Lower number = applied first = wins when a later one would break a limit. */
  readonly priority: Readonly<Record<IdentifierType, number>>;
  /** Identifier types whose link is refused when the given names on both sides are incompatible. */
  readonly guardedTypes: ReadonlySet<IdentifierType>;
  /** An identifier seen on more than this many profiles is marked shared and stops linking. */
  readonly maxProfilesPerIdentifier: number;
  /**
   * Types whose limits also bind probabilistic links: ids issued by systems. Values people type
   * (national ids, emails, phones) contain typos, and the model already weighs their disagreement.
   */
  readonly probabilisticLimitTypes: ReadonlySet<IdentifierType>;
  /**
   * The limit a probabilistic link must keep for those types (usually 1): a model's guess never joins
   * two contacts of one CRM, while a shared address or number with a compatible name may (duplicates).
   */
  readonly probabilisticLimit: number;
}

export const DEFAULT_POLICY: LinkPolicy = {
  // Several contacts of one CRM may be one person (duplicates, a new contact after a job change): an
  // address or number they share, with compatible names, links them; a model's guess does not.
  limits: {
    hubspotContactId: 3,
    salesforceId: 3,
    zendeskUserId: 3,
    nationalId: 1,
    externalId: 1,
    email: 5,
    phone: 5,
    whatsapp: 3,
    twilioAddress: 5,
  },
  priority: {
    hubspotContactId: 1,
    salesforceId: 2,
    zendeskUserId: 3,
    externalId: 4,
    nationalId: 5,
    email: 6,
    whatsapp: 7,
    phone: 8,
    twilioAddress: 9,
  },
  guardedTypes: new Set<IdentifierType>(['email', 'phone', 'whatsapp', 'twilioAddress']),
  maxProfilesPerIdentifier: 1,
  probabilisticLimitTypes: new Set<IdentifierType>(['hubspotContactId', 'salesforceId', 'zendeskUserId', 'externalId']),
  probabilisticLimit: 1,
};

export function withPolicy(overrides: Partial<LinkPolicy>): LinkPolicy {
  return { ...DEFAULT_POLICY, ...overrides };
}

/** The group a limit counts in: type + scope, and for Salesforce the object kind (Contact / Lead). */
export function limitGroupOf(id: Identifier): string {
  if (id.type === 'salesforceId') return `${id.type}:${id.scope}:${salesforceObjectPrefix(id.value)}`;
  return `${id.type}:${id.scope}`;
}

export function typeOfGroup(group: string): IdentifierType {
  return group.slice(0, group.indexOf(':')) as IdentifierType;
}

/** Could these two given names belong to one person? (typos, nicknames, initials, short forms) */
export function compatibleNames(a: string, b: string): boolean {
  if (a === b || areNicknames(a, b)) return true;
  if (a.length === 1 || b.length === 1) return a.charAt(0) === b.charAt(0);
  // Two known given names that are not forms of one another are two people, however alike they look
  // (Alexander / Alexandra, Daniel / Danielle, Helen / Ellen): the household case.
  if (isKnownName(a) && isKnownName(b)) return false;
  if (a.length >= 3 && b.length >= 3 && (a.startsWith(b) || b.startsWith(a))) return true;
  if (jaroWinkler(a, b) >= 0.88) return true;
  // A slip in the formal form of a nickname: "Bob" / "Robrt", "Liz" / "Elisabeht".
  return typoOfVariant(a, b) || typoOfVariant(b, a);
}

function typoOfVariant(nick: string, other: string): boolean {
  const variants = nameVariants(nick);
  if (variants.length === 1) return false;
  for (const v of variants) if (v !== nick && v.length >= 4 && jaroWinkler(v, other) >= 0.85) return true;
  return false;
}

export function anyCompatible(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size === 0 || b.size === 0) return true;
  for (const x of a) for (const y of b) if (compatibleNames(x, y)) return true;
  return false;
}

/**
 * Fields whose agreement is evidence beyond a name: a contact point, a date of birth, an id, an
 * address. An employer, a city, a region or a country is shared by too many people to count.
 */
const ANCHOR_FIELDS: ReadonlySet<string> = new Set(['email', 'phone', 'birthDate', 'nationalId', 'street', 'postcode', 'addressLine2']);

/**
 * A name alone is never enough for an automatic link: a probabilistic link needs at least one anchor
 * field that agrees (positive weight). Below that, however high the score, it is a possible match.
 */
export function hasAnchorEvidence(fields: readonly FieldWeight[]): boolean {
  for (const f of fields) {
    if (f.weight <= 0 || !ANCHOR_FIELDS.has(f.field)) continue;
    // A look-alike address (joe.smith@ / joe.smith7@) or a similar number is not the same contact point.
    if ((f.field === 'email' || f.field === 'phone') && f.level !== 'exact') continue;
    return true;
  }
  return false;
}
