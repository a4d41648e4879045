import { spawnSync } from 'node:child_process';
import { isAlive } from '../../../server/db/data-dir-lock';

describe('data-dir lock: is the holder alive?', () => {
  it('a running process is alive', () => {
    expect(isAlive(process.pid, () => 'R')).toBe(true);
    expect(isAlive(process.pid)).toBe(true);
  });

  it('a zombie (SIGKILLed, not yet reaped) or dead process is not: a restart after kill -9 may take the lock', () => {
    expect(isAlive(process.pid, () => 'Z')).toBe(false);
    expect(isAlive(process.pid, () => 'X')).toBe(false);
  });

  it('a pid that no longer exists is not alive; where /proc is missing, existence decides', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid ?? 0;
    expect(gone).toBeGreaterThan(0);
    expect(isAlive(gone)).toBe(false);
    expect(isAlive(process.pid, () => undefined)).toBe(true);
  });
});
