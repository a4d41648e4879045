/** Identifier and subject types shared by normalization, the graph and the batch resolver. */

export const IDENTIFIER_TYPES = [
  'email',
  'phone',
  'whatsapp',
  'hubspotContactId',
  'salesforceId',
  'zendeskUserId',
  'twilioAddress',
  'nationalId',
  'externalId',
] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export function isIdentifierType(value: string): value is IdentifierType {
  return (IDENTIFIER_TYPES as readonly string[]).includes(value);
}

/** An identifier as a source sent it (canonical event subject, product.md 4.3). */
export interface RawIdentifier {
  readonly type: string;
  readonly value: string;
  /** HubSpot portal id, Salesforce org id, Zendesk subdomain, external-id namespace. */
  readonly scope?: string;
}

/** A normalized identifier; `key` is the graph node key and the only thing compared. */
export interface Identifier {
  readonly type: IdentifierType;
  readonly value: string;
  readonly scope: string;
  readonly key: string;
}

export function identifierKey(type: IdentifierType, scope: string, value: string): string {
  return `${type}:${scope}:${value}`;
}

export function makeIdentifier(type: IdentifierType, scope: string, value: string): Identifier {
  return { type, scope, value, key: identifierKey(type, scope, value) };
}

/** Why a raw identifier does not take part in linking. */
export type RejectReason = 'empty' | 'invalid' | 'junk' | 'role' | 'own' | 'unsupported';

export interface RejectedIdentifier {
  readonly raw: RawIdentifier;
  readonly reason: RejectReason;
}

/** Trait fields used for probabilistic matching and for the name guard. */
export const TRAIT_FIELDS = [
  'firstName',
  'lastName',
  'fullName',
  'company',
  'streetNumber',
  'street',
  'addressLine2',
  'city',
  'postcode',
  'region',
  'country',
  'birthDate',
] as const;
export type TraitField = (typeof TRAIT_FIELDS)[number];
export type Traits = Partial<Record<TraitField, string>>;

/** The subject of a canonical event. */
export interface Subject {
  readonly identifiers: readonly RawIdentifier[];
  readonly traits?: Readonly<Record<string, unknown>>;
}

/** Where a piece of evidence came from. `at` is an ISO-8601 timestamp supplied by the caller. */
export interface Provenance {
  readonly source: string;
  readonly recordId: string;
  readonly at: string;
}
