import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { safeEqual } from '../../../connectors/shared/safe-equal';

describe('the one constant-time compare', () => {
  it('is true only for the same bytes', () => {
    expect(safeEqual('v1=abc', 'v1=abc')).toBe(true);
    expect(safeEqual('v1=abc', 'v1=abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    // Same length in characters, not in UTF-8 bytes.
    expect(safeEqual('é', 'e')).toBe(false);
    expect(safeEqual('ü', 'ü')).toBe(true);
  });

  it('is the only caller of timingSafeEqual in the code base', () => {
    const files = execFileSync('git', ['grep', '-l', 'timingSafeEqual', '--', 'app', 'server', 'connectors', 'scripts', 'bin'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(files).toEqual(['connectors/shared/safe-equal.ts']);
    expect(readFileSync('connectors/shared/safe-equal.ts', 'utf8')).toContain('export function safeEqual');
  });
});
