import { timingSafeEqual } from 'node:crypto';

/**
 * The one constant-time comparison of secrets (webhook signatures, OAuth state, tokens): connectors
 * and the server use it rather than calling `timingSafeEqual` themselves. False when the byte lengths
 * differ (the length of an HMAC or token is not a secret).
 */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
