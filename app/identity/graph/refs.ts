/** Ways callers name a node of the graph. */
import type { IdentifierNormalizer } from '../normalize/identifier';
import type { RawIdentifier } from '../types';
import { recordKey } from './model';

export interface RecordRef {
  readonly source: string;
  readonly recordId: string;
}

/** `key`: a node key as stored (`rec:<source>:<id>` or `<type>:<scope>:<value>`). */
export type NodeRef = { readonly identifier: RawIdentifier } | { readonly record: RecordRef } | { readonly key: string };

export class UnknownIdentifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownIdentifierError';
  }
}

export function nodeKeyOf(ref: NodeRef, normalizer: IdentifierNormalizer): string {
  if ('key' in ref) return ref.key;
  if ('record' in ref) return recordKey(ref.record.source, ref.record.recordId);
  const normalized = normalizer.normalize([ref.identifier]);
  const first = normalized.identifiers[0];
  if (first === undefined) {
    const reason = normalized.rejected[0]?.reason ?? 'invalid';
    throw new UnknownIdentifierError(`identifier ${ref.identifier.type}=${ref.identifier.value} is not usable (${reason})`);
  }
  return first.key;
}
