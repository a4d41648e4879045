/**
 * Identifiers named in query strings and bodies: a node key as GET /profiles/:id shows it
 * (`email::jane@acme.io`, `hubspotContactId:portal1:123`, `rec:hubspot:...`) or `<type>:<value>`
 * in any format the source used (`phone:+1 415 555 0134`, `email:Jane@Acme.io`).
 */
import type { IdentifierNormalizer } from '../../app/identity/normalize/identifier';
import type { Queryable } from '../db/database';
import { HttpError } from '../http/errors';
import { profileHasNodeKey } from './identifier-lookups.repository';

const SCOPED = /^(hubspotContactId|salesforceId|zendeskUserId|externalId)$/;

export function nodeKeyFromParam(normalizer: IdentifierNormalizer, text: string): string {
  if (text.startsWith('rec:')) return text;
  const i = text.indexOf(':');
  if (i <= 0)
    throw new HttpError(
      400,
      'invalid_identifier',
      `"${text}" is not an identifier: write <type>:<value>, e.g. email:jane@acme.io, or a key from GET /profiles/:id`,
    );
  const type = text.slice(0, i);
  const rest = text.slice(i + 1);
  if (rest.startsWith(':')) return text; // a stored key with an empty scope: "email::jane@acme.io"
  const j = rest.indexOf(':');
  const raw = SCOPED.test(type) && j > 0 ? { type, scope: rest.slice(0, j), value: rest.slice(j + 1) } : { type, value: rest };
  const id = normalizer.normalize([raw]).identifiers[0];
  if (id === undefined)
    throw new HttpError(400, 'invalid_identifier', `"${text}" is not a usable identifier (unknown type, invalid, junk or a role address)`);
  return id.key;
}

/** The key, if it belongs to the profile; 404 otherwise. */
export async function requireMember(q: Queryable, tenantId: string, profileId: string, key: string, asGiven: string): Promise<string> {
  if (!(await profileHasNodeKey(q, tenantId, profileId, key)))
    throw new HttpError(404, 'not_found', `${asGiven} is not part of profile ${profileId}`);
  return key;
}
