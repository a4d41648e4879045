import { randomBytes, randomUUID } from 'node:crypto';

/** Prefixed, URL-safe identifiers: the prefix says what the id names (ten_, evt_, job_, ...). */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}

export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
