/** Where to reach a profile: its phones, WhatsApp ids, emails and Zendesk user ids, from the identity graph. */
import type { Queryable } from '../db/database';
import { unsharedIdentifierKeysOfProfile } from '../identity/identifier-lookups.repository';
import { currentProfileId, splitIdentifierKey } from '../identity/profiles.repository';

export interface ProfileAddresses {
  readonly phones: string[];
  readonly whatsappIds: string[];
  readonly emails: string[];
  readonly zendeskUsers: { readonly scope: string; readonly id: string }[];
}

export async function profileAddresses(q: Queryable, tenantId: string, profileId: string): Promise<ProfileAddresses> {
  const live = (await currentProfileId(q, tenantId, profileId)) ?? profileId;
  const out: ProfileAddresses = { phones: [], whatsappIds: [], emails: [], zendeskUsers: [] };
  for (const key of await unsharedIdentifierKeysOfProfile(q, tenantId, live)) {
    const id = splitIdentifierKey(key);
    if (id.type === 'phone') out.phones.push(id.value);
    else if (id.type === 'whatsapp') out.whatsappIds.push(id.value);
    else if (id.type === 'email') out.emails.push(id.value);
    else if (id.type === 'zendeskUserId' && id.scope !== null) out.zendeskUsers.push({ scope: id.scope, id: id.value });
  }
  return out;
}
