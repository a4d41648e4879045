import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys look like `bk_<keyId>_<secret>`. Only the SHA-256 of the whole key is stored: the key is
 * 192 bits of randomness, so a fast hash is enough (no password stretching needed), and lookups are by hash.
 */
export interface IssuedKey {
  id: string;
  key: string;
  hash: string;
}

const KEY_FORMAT = /^bk_[a-z0-9]{12}_[A-Za-z0-9_-]{32}$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function issueApiKey(): IssuedKey {
  const id = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12)
    .padEnd(12, '0');
  const secret = randomBytes(24).toString('base64url');
  const key = `bk_${id}_${secret}`;
  return { id, key, hash: hashApiKey(key) };
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_FORMAT.test(value);
}
