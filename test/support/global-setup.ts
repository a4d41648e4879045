import net from 'node:net';

/**
 * Probes PostgreSQL and Redis once per run; integration suites read the result from the environment
 * (inherited by jest workers). With CI=true a missing service fails those suites loudly; without CI
 * they are skipped with a visible notice.
 */
function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort), timeout: 1500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export default async function globalSetup(): Promise<void> {
  process.env['TEST_DATABASE_URL'] ??= 'postgresql://postgres@127.0.0.1:5432/test';
  process.env['TEST_REDIS_URL'] ??= 'redis://127.0.0.1:6379';
  const [pg, redis] = await Promise.all([
    reachable(process.env['TEST_DATABASE_URL'], 5432),
    reachable(process.env['TEST_REDIS_URL'], 6379),
  ]);
  process.env['BATON_TEST_POSTGRES'] = pg ? 'up' : 'down';
  process.env['BATON_TEST_REDIS'] = redis ? 'up' : 'down';
  const missing = [!pg && 'PostgreSQL (TEST_DATABASE_URL)', !redis && 'Redis (TEST_REDIS_URL)'].filter(Boolean);
  if (missing.length > 0) {
    const msg =
      process.env['CI'] === 'true'
        ? `\n[baton tests] CI=true and ${missing.join(' and ')} not reachable: integration suites will FAIL.\n`
        : `\n[baton tests] ${missing.join(' and ')} not reachable: integration suites that need them are SKIPPED (set CI=true to make that an error).\n`;
    process.stderr.write(msg);
  }
}
