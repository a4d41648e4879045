import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashApiKey, issueApiKey, looksLikeApiKey } from '../../../server/security/api-keys';
import { SecretBox, loadOrCreateLocalKey } from '../../../server/security/secret-box';

const k1 = Buffer.alloc(32, 1).toString('base64');
const k2 = Buffer.alloc(32, 2).toString('base64');

describe('SecretBox (AES-256-GCM)', () => {
  it('round-trips a secret and records the key id', () => {
    const box = new SecretBox(k1);
    const sealed = box.seal('{"token":"abc"}', 'ten_1/con_1');
    expect(sealed.ciphertext).not.toContain('abc');
    expect(sealed.keyId).toBe(box.currentKeyId);
    expect(box.open(sealed, 'ten_1/con_1')).toBe('{"token":"abc"}');
  });

  it('uses a fresh IV every time', () => {
    const box = new SecretBox(k1);
    expect(box.seal('x', 'a').ciphertext).not.toBe(box.seal('x', 'a').ciphertext);
  });

  it('refuses a ciphertext moved to another row or tampered with', () => {
    const box = new SecretBox(k1);
    const sealed = box.seal('secret', 'ten_1/con_1');
    expect(() => box.open(sealed, 'ten_2/con_1')).toThrow();
    const parts = sealed.ciphertext.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open({ ...sealed, ciphertext: parts.join('.') }, 'ten_1/con_1')).toThrow();
  });

  it('opens secrets sealed under a previous key and says they need rotation', () => {
    const old = new SecretBox(k1).seal('s', 'ad');
    const rotated = new SecretBox(k2, [k1]);
    expect(rotated.open(old, 'ad')).toBe('s');
    expect(rotated.needsRotation(old)).toBe(true);
    expect(rotated.needsRotation(rotated.seal('s', 'ad'))).toBe(false);
    expect(() => new SecretBox(k2).open(old, 'ad')).toThrow(/BATON_ENCRYPTION_PREVIOUS_KEYS/);
  });

  it('generates and keeps a local key with owner-only permissions in embedded mode', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'baton-key-'));
    const first = loadOrCreateLocalKey(dir);
    const second = loadOrCreateLocalKey(dir);
    expect(first.created).toBe(true);
    expect(second).toEqual({ key: first.key, created: false });
    expect(Buffer.from(first.key, 'base64')).toHaveLength(32);
    expect(statSync(path.join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'encryption.key'), 'utf8').trim()).toBe(first.key);
  });
});

describe('API keys', () => {
  it('issues distinct well-formed keys and stores only a hash', () => {
    const a = issueApiKey();
    const b = issueApiKey();
    expect(a.key).not.toBe(b.key);
    expect(looksLikeApiKey(a.key)).toBe(true);
    expect(a.hash).toBe(hashApiKey(a.key));
    // The secret is everything after `bk_<id>_` (base64url, so it may itself contain or start with "_").
    const secret = a.key.slice(`bk_${a.id}_`.length);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(a.hash).not.toContain(secret);
    expect(looksLikeApiKey('Bearer nonsense')).toBe(false);
  });
});
