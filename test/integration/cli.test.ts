import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnTs, type Child } from '../support/child';
import { TEST_KEY } from '../support/runtime';

/** Runs `baton <args>` as a user would (a separate process) and collects its output. */
async function baton(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnTs('server/cli/main.ts', env, args);
  const code = await child.exited;
  return { code, stdout: child.lines.join('\n'), stderr: child.stderr() };
}

async function authorized(url: string, apiKey: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/playbooks`, { headers: { authorization: `Bearer ${apiKey}` } });
  return res.status;
}

describe('baton tenants create (embedded storage)', () => {
  const children: Child[] = [];
  afterAll(() => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  });

  const envFor = (dataDir: string): Record<string, string> => ({
    BATON_DATA_DIR: dataDir,
    BATON_ENCRYPTION_KEY: TEST_KEY,
    LOG_LEVEL: 'warn',
    PORT: '0',
  });

  it('creates a tenant in the data directory when no service runs, and the service then accepts its key', async () => {
    const env = envFor(mkdtempSync(path.join(tmpdir(), 'baton-cli-')));
    const out = await baton(['tenants', 'create', '--name', 'Acme Ltd'], env);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const created = JSON.parse(out.stdout) as { tenantId: string; apiKey: string };
    expect(created.tenantId).toMatch(/^ten_/);

    const service = spawnTs('test/support/service-child.ts', env);
    children.push(service);
    const url = (await service.waitForLine(/^READY (\S+)/))[1] ?? '';
    expect(await authorized(url, created.apiKey)).toBe(200);
    expect(await authorized(url, `${created.apiKey}x`)).toBe(401);
    service.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  }, 180_000);

  it('asks the running service that holds the data directory, instead of failing on its lock', async () => {
    const env = envFor(mkdtempSync(path.join(tmpdir(), 'baton-cli-')));
    const service = spawnTs('test/support/service-child.ts', env);
    children.push(service);
    const url = (await service.waitForLine(/^READY (\S+)/))[1] ?? '';

    const out = await baton(['tenants', 'create', '--name', 'Beta Inc'], env);
    expect(out.code).toBe(0);
    const created = JSON.parse(out.stdout) as { tenantId: string; apiKey: string };
    expect(await authorized(url, created.apiKey)).toBe(200);
    service.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  }, 180_000);

  it.each([
    [['tenants', 'create'], /--name is required/],
    [['tenants', 'create', '--name', '   '], /--name is required/],
    [['tenants', 'create', '--nmae', 'x'], /Unknown option '--nmae'/],
    [['tenants', 'delete'], /unknown tenants command "delete"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])(
    'rejects %j with exit code 2 and a message saying what to fix',
    async (args, message) => {
      const out = await baton(args, envFor(mkdtempSync(path.join(tmpdir(), 'baton-cli-'))));
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(message);
      expect(out.stdout).not.toMatch(/apiKey/);
    },
    60_000,
  );

  it('names the bad variable when the configuration is invalid', async () => {
    const out = await baton(['tenants', 'create', '--name', 'x'], {
      ...envFor(mkdtempSync(path.join(tmpdir(), 'baton-cli-'))),
      BATON_ENCRYPTION_KEY: 'short',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/BATON_ENCRYPTION_KEY/);
  }, 60_000);
});
