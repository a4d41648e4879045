import { firstPages } from '../../../extensions/console/src/lib/pages';

describe('console paging (firstPages)', () => {
  const server = (items: number[], size: number) => {
    const asked: (string | undefined)[] = [];
    const fetchPage = async (cursor: string | undefined) => {
      asked.push(cursor);
      const from = cursor === undefined ? 0 : Number(cursor);
      const next = from + size < items.length ? String(from + size) : null;
      return { items: items.slice(from, from + size), nextCursor: next };
    };
    return { asked, fetchPage };
  };

  it('follows the cursors for the pages asked and says whether more remain', async () => {
    const s = server([1, 2, 3, 4, 5], 2);
    expect(await firstPages(2, s.fetchPage)).toEqual({ list: [1, 2, 3, 4], more: true });
    expect(s.asked).toEqual([undefined, '2']);
  });

  it('stops at the last page even when more pages were asked for', async () => {
    const s = server([1, 2, 3], 2);
    expect(await firstPages(5, s.fetchPage)).toEqual({ list: [1, 2, 3], more: false });
    expect(s.asked).toEqual([undefined, '2']);
  });
});
