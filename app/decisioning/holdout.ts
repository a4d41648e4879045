/**
 * The persistent holdout group: a profile is in it when sha256(salt + ":" + profileId), read as a
 * number in [0, 1), is below the holdout share. Same id and salt, same answer, on every process and
 * every day; changing the salt re-draws the group. Holdout profiles get no automated action, so
 * their engagement rate is the baseline that incremental lift is measured against.
 */
import { createHash } from 'node:crypto';

export function holdoutBucket(profileId: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}:${profileId}`).digest();
  return digest.readUInt32BE(0) / 4294967296;
}

export function isInHoldout(profileId: string, settings: { readonly share: number; readonly salt: string }): boolean {
  if (settings.share <= 0) return false;
  return holdoutBucket(profileId, settings.salt) < settings.share;
}
