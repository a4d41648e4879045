/**
 * Linking policy (after Segment's identity rules): per-type limits per profile, priorities deciding
 * which identifier of a record yields when a merge would break a limit, identifiers that are shared,
 * and the name guard for identifiers families and offices share (phones, sometimes email).
 */
import { jaroWinkler } from '../compare/jaro-winkler';
import { salesforceObjectPrefix } from '../normalize/crm-ids';
import { areNicknames } from '../normalize/names';
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
}

export const DEFAULT_POLICY: LinkPolicy = {
  limits: {
    hubspotContactId: 1,
    salesforceId: 1,
    zendeskUserId: 1,
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
  if (a.length >= 3 && b.length >= 3 && (a.startsWith(b) || b.startsWith(a))) return true;
  return jaroWinkler(a, b) >= 0.88;
}

export function anyCompatible(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size === 0 || b.size === 0) return true;
  for (const x of a) for (const y of b) if (compatibleNames(x, y)) return true;
  return false;
}
