/**
 * The first `pages` pages of a keyset-paged list, following the server's `nextCursor`s (the console's
 * "Load more": reloading refetches them all, so polling sees changes on every loaded page).
 */
export async function firstPages<T>(
  pages: number,
  fetchPage: (cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor?: string | null | undefined }>,
): Promise<{ list: T[]; more: boolean }> {
  const list: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const page = await fetchPage(cursor);
    list.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (cursor === undefined) break;
  }
  return { list, more: cursor !== undefined };
}
