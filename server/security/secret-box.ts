import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A sealed secret as stored: `v1.<iv>.<tag>.<ciphertext>` (base64url) plus the id of the key that sealed it. */
export interface Sealed {
  readonly ciphertext: string;
  readonly keyId: string;
}

/**
 * AES-256-GCM with a key ring: new secrets are sealed with the current key; older secrets open with
 * any key still in the ring (BATON_ENCRYPTION_PREVIOUS_KEYS) and are re-sealed by `needsRotation`.
 * The associated data binds a ciphertext to its row (tenant and connection id), so a sealed value
 * copied into another row does not open.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(currentKeyBase64: string, previousKeysBase64: readonly string[] = []) {
    this.currentKeyId = this.add(currentKeyBase64);
    for (const k of previousKeysBase64) this.add(k);
  }

  static keyId(key: Buffer): string {
    return createHash('sha256').update(key).digest('hex').slice(0, 12);
  }

  private add(base64: string): string {
    const key = Buffer.from(base64, 'base64');
    if (key.length !== 32) throw new Error('encryption keys must be 32 bytes (base64)');
    const id = SecretBox.keyId(key);
    this.keys.set(id, key);
    return id;
  }

  seal(plaintext: string, associatedData: string): Sealed {
    const key = this.keys.get(this.currentKeyId);
    if (key === undefined) throw new Error('current key missing');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return {
      ciphertext: ['v1', iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.'),
      keyId: this.currentKeyId,
    };
  }

  open(sealed: Sealed, associatedData: string): string {
    const key = this.keys.get(sealed.keyId);
    if (key === undefined) {
      throw new Error(`secret sealed with key ${sealed.keyId}, which is not configured (add it to BATON_ENCRYPTION_PREVIOUS_KEYS)`);
    }
    const [version, iv, tag, body] = sealed.ciphertext.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined)
      throw new Error('unrecognised sealed secret format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  needsRotation(sealed: Sealed): boolean {
    return sealed.keyId !== this.currentKeyId;
  }
}

/**
 * Embedded mode may run without BATON_ENCRYPTION_KEY: a key is generated once and kept (mode 0600)
 * in the data directory. Returns the key and whether it was just created.
 */
export function loadOrCreateLocalKey(dataDir: string): { key: string; created: boolean } {
  const file = path.join(dataDir, 'encryption.key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), created: false };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}
