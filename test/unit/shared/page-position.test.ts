import { encodeCursor, pageCursor } from '../../../server/http/page-cursor';
import { comparePositions, type PagePosition } from '../../../app/shared/page-position';

describe('the one page position and its cursor', () => {
  it('orders by time, then id', () => {
    const sorted: PagePosition[] = [
      { at: 2, id: 'a' },
      { at: 1, id: 'b' },
      { at: 1, id: 'a' },
      { at: 2, id: 'a' },
    ].sort(comparePositions);
    expect(sorted).toEqual([
      { at: 1, id: 'a' },
      { at: 1, id: 'b' },
      { at: 2, id: 'a' },
      { at: 2, id: 'a' },
    ]);
    expect(comparePositions({ at: 5, id: 'x' }, { at: 5, id: 'x' })).toBe(0);
  });

  it('travels as an opaque cursor and comes back the same; anything else is refused', () => {
    const position = { at: 1_780_000_000_123, id: 'run_9f' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(pageCursor.parse(cursor)).toEqual(position);
    for (const bad of [
      '',
      'not-a-cursor',
      Buffer.from('{"c":-1,"i":"x"}').toString('base64url'),
      Buffer.from('{"c":1}').toString('base64url'),
    ]) {
      expect(pageCursor.safeParse(bad).success).toBe(false);
    }
  });
});
