/**
 * The one keyset page position: where a list page ended, as the last item's time (epoch ms) and the
 * id that breaks ties. Store `list` methods take it as `after`; HTTP list endpoints send it to clients
 * as an opaque cursor (server/http/page-cursor.ts encodes and checks it).
 */
export interface PagePosition {
  readonly at: number;
  readonly id: string;
}

/** Keyset order: by time, then id (negative when `a` comes first). */
export function comparePositions(a: PagePosition, b: PagePosition): number {
  return a.at !== b.at ? a.at - b.at : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
