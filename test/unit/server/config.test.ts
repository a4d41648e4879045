import { ConfigError, parseConfig } from '../../../server/config';

const KEY = Buffer.alloc(32, 7).toString('base64');

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('starts with zero configuration on embedded defaults', () => {
    const c = parseConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.dataDir).toBe('./.baton');
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.hubspot.apiBaseUrl).toBe('https://api.hubapi.com');
    expect(c.salesforce.loginUrl).toBe('https://login.salesforce.com');
    expect(c.logLevel).toBe('info');
    expect(c.role).toBe('all');
  });

  it('reads every documented variable', () => {
    const c = parseConfig({
      PORT: '8080',
      PUBLIC_URL: 'https://baton.example.com/',
      DATABASE_URL: 'postgres://u@db:5432/baton',
      REDIS_URL: 'redis://cache:6379',
      BATON_DATA_DIR: '/var/baton',
      BATON_ENCRYPTION_KEY: KEY,
      LOG_LEVEL: 'warn',
      HUBSPOT_CLIENT_ID: 'id',
      HUBSPOT_CLIENT_SECRET: 's',
      HUBSPOT_APP_ID: '42',
      HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9000/',
      SALESFORCE_CLIENT_ID: 'sf',
      SALESFORCE_CLIENT_SECRET: 'x',
      SALESFORCE_LOGIN_URL: 'http://127.0.0.1:9100',
    });
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBe('https://baton.example.com');
    expect(c.databaseUrl).toBe('postgres://u@db:5432/baton');
    expect(c.hubspot).toEqual({ clientId: 'id', clientSecret: 's', appId: '42', apiBaseUrl: 'http://127.0.0.1:9000' });
    expect(c.salesforce.loginUrl).toBe('http://127.0.0.1:9100');
    expect(c.encryptionKey).toBe(KEY);
  });

  it('names every bad variable and what is wrong with it, all at once', () => {
    const p = problems({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', BATON_ENCRYPTION_KEY: 'short' });
    const byVar = Object.fromEntries(p.map((x) => [x.variable, x.message]));
    expect(Object.keys(byVar).sort()).toEqual(['BATON_ENCRYPTION_KEY', 'DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(byVar['PORT']).toMatch(/number/);
    expect(byVar['DATABASE_URL']).toMatch(/PostgreSQL URL/);
    expect(byVar['LOG_LEVEL']).toMatch(/one of fatal, error/);
    expect(byVar['BATON_ENCRYPTION_KEY']).toMatch(/32 random bytes/);
  });

  it('puts each problem on its own line of the start-up message', () => {
    try {
      parseConfig({ PORT: '70000', REDIS_URL: 'http://x' });
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/^ {2}- PORT: must be between 0 and 65535$/m);
      expect(msg).toMatch(/^ {2}- REDIS_URL: must be a Redis URL/m);
    }
  });

  it('requires a shared encryption key when PostgreSQL is used', () => {
    expect(problems({ DATABASE_URL: 'postgresql://localhost/baton' })).toEqual([
      expect.objectContaining({ variable: 'BATON_ENCRYPTION_KEY' }),
    ]);
  });

  it('requires secrets that go with client ids', () => {
    const p = problems({ HUBSPOT_CLIENT_ID: 'a', SALESFORCE_CLIENT_ID: 'b' }).map((x) => x.variable);
    expect(p).toEqual(['HUBSPOT_CLIENT_SECRET', 'SALESFORCE_CLIENT_SECRET']);
  });

  it('refuses split web/worker roles without shared PostgreSQL and Redis', () => {
    expect(problems({ BATON_ROLE: 'worker' })[0]?.variable).toBe('BATON_ROLE');
  });

  it('treats empty strings as unset', () => {
    const c = parseConfig({ DATABASE_URL: '', REDIS_URL: ' ', PUBLIC_URL: '' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
  });

  it('accepts previous keys for rotation and rejects malformed ones', () => {
    expect(
      parseConfig({ BATON_ENCRYPTION_KEY: KEY, BATON_ENCRYPTION_PREVIOUS_KEYS: `${Buffer.alloc(32, 1).toString('base64')}` })
        .previousEncryptionKeys,
    ).toHaveLength(1);
    expect(problems({ BATON_ENCRYPTION_PREVIOUS_KEYS: 'nope' })[0]?.variable).toBe('BATON_ENCRYPTION_PREVIOUS_KEYS');
  });
});
