/**
 * HubSpot records ↔ Baton profiles, through the identity graph: a contact is the identifier node
 * `hubspotContactId:<portal>:<id>`; other records (company, deal, ticket) are `externalId` nodes
 * scoped `hubspot-<portal>` (see connectors/hubspot/client/webhook.ts).
 */
import { contactIdentifier, recordIdentifier } from './client/webhook';
import { identifierValuesOfProfile, type IdentityService, profileOfNodeKey, type Queryable, toRaw } from '../../server/platform';

const OBJECT_TYPES: Readonly<Record<string, string>> = {
  '0-1': 'contact',
  '0-2': 'company',
  '0-3': 'deal',
  '0-5': 'ticket',
  contact: 'contact',
  company: 'company',
  deal: 'deal',
  ticket: 'ticket',
  contacts: 'contact',
  companies: 'company',
  deals: 'deal',
  tickets: 'ticket',
};

export const objectTypeName = (objectTypeId: string): string | undefined => OBJECT_TYPES[objectTypeId];

/** The node key of a HubSpot record, or undefined when the identifier does not normalise. */
export async function recordKey(
  q: Queryable,
  identity: IdentityService,
  tenantId: string,
  portalId: string,
  objectType: string,
  objectId: string,
): Promise<string | undefined> {
  const resolver = await identity.resolver(q, tenantId);
  const id = objectType === 'contact' ? contactIdentifier(portalId, objectId) : recordIdentifier(portalId, objectType, objectId);
  return resolver.normalizer.normalize([toRaw(id)]).identifiers[0]?.key;
}

/** The live profile of a HubSpot record (following merges), or undefined when Baton has not seen it. */
export async function profileOfRecord(
  q: Queryable,
  identity: IdentityService,
  tenantId: string,
  portalId: string,
  objectType: string,
  objectId: string,
): Promise<string | undefined> {
  const key = await recordKey(q, identity, tenantId, portalId, objectType, objectId);
  if (key === undefined) return undefined;
  return profileOfNodeKey(q, tenantId, key);
}

/** The profile's contacts in one portal (ids), most recently linked first. */
export async function contactsOfProfile(q: Queryable, tenantId: string, profileId: string, portalId: string): Promise<string[]> {
  return identifierValuesOfProfile(q, tenantId, profileId, 'hubspotContactId', portalId);
}
