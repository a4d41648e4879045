/**
 * The org's daily API allocation is shared by every Baton process: a reading of Sforce-Limit-Info one
 * process took near the limit holds back the others' optional calls (Redis), where per-process
 * tracking would let them spend the org's last requests.
 */
import {
  ApiBudgetError,
  ApiUsageTracker,
  beginAuthorization,
  exchangeCode,
  SalesforceClient,
  type SalesforceApp,
  type SalesforceTokens,
  type TokenKeeper,
} from '../../../connectors/salesforce/client';
import { RedisApiUsage } from '../../../connectors/salesforce/api-usage';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { describeWith, TEST_REDIS_URL, uniqueName } from '../../support/services';

describeWith(['redis'], 'Salesforce API usage shared across processes (Redis)', () => {
  let sb: SalesforceSandbox;
  let app: SalesforceApp;
  let tokens: SalesforceTokens;
  const prefix = uniqueName('baton:test:sf-usage');
  const stores: RedisApiUsage[] = [];
  const keeper: TokenKeeper = { renew: async () => tokens };

  /** One Baton process: its own client, tracker and Redis connection. */
  const processClient = (shared: boolean): SalesforceClient => {
    const store = new RedisApiUsage(TEST_REDIS_URL, prefix);
    stores.push(store);
    const usage = new ApiUsageTracker(0.1, 60_000, shared ? store : undefined);
    return new SalesforceClient({ app, orgId: sb.state.orgId, tokens, keeper, usage });
  };
  const restCalls = (): number => sb.state.requests.length;

  beforeAll(async () => {
    sb = await startSalesforceSandbox({ dailyApiLimit: 1_000 });
    app = {
      loginUrl: sb.url,
      clientId: 'sandbox-client-id',
      clientSecret: 'sandbox-client-secret',
      redirectUri: 'http://baton.test/oauth/salesforce/callback',
    };
    const pending = beginAuthorization(app);
    const consent = await fetch(pending.url, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const org = await exchangeCode(app, code, pending.codeVerifier);
    tokens = { accessToken: org.accessToken, refreshToken: org.refreshToken, instanceUrl: org.instanceUrl };
  });
  afterAll(async () => {
    for (const s of stores) {
      await s.forget(sb.state.orgId);
      await s.close();
    }
    await sb.close();
  });

  it('holds back a second process once the first read usage past 90% of the daily limit', async () => {
    const first = processClient(true);
    const second = processClient(true);
    const c = sb.state.create('Contact', { LastName: 'Lovelace' }, null);
    // Both may call while usage is low.
    await first.updateRecords([{ type: 'Contact', id: c.Id, fields: { Title: 'one' } }]);
    await second.updateRecords([{ type: 'Contact', id: c.Id, fields: { Title: 'two' } }]);
    // The org's other integrations spend most of the allocation; the first process reads it.
    sb.state.apiUsed = 950;
    await first.updateRecords([{ type: 'Contact', id: c.Id, fields: { Title: 'three' } }]);
    const before = restCalls();
    const refused = await second.updateRecords([{ type: 'Contact', id: c.Id, fields: { Title: 'four' } }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiBudgetError);
    expect((refused as ApiBudgetError).message).toMatch(/951\/1000/);
    expect((refused as ApiBudgetError).retryAfterMs).toBeGreaterThan(0);
    expect(restCalls()).toBe(before);
    expect(sb.state.find(c.Id)?.record['Title']).toBe('three');
    // The package's secret hand-over is essential and still goes through.
    const handed = sb.state.apexRest.length;
    await second.deliverSigningSecret(Buffer.alloc(32, 1).toString('base64'), 'baton');
    expect(sb.state.apexRest.length).toBe(handed + 1);
  });

  it('would not hold back a process that tracks only its own calls (the gap the shared store closes)', async () => {
    const alone = processClient(false);
    const c = sb.state.create('Contact', { LastName: 'Hopper' }, null);
    const before = restCalls();
    await alone.updateRecords([{ type: 'Contact', id: c.Id, fields: { Title: 'spent' } }]);
    expect(restCalls()).toBe(before + 1);
  });

  it('keeps the newest reading when processes publish out of order', async () => {
    const store = new RedisApiUsage(TEST_REDIS_URL, prefix);
    stores.push(store);
    const org = '00D000000000009AAA';
    await store.publish(org, { used: 500, limit: 1_000, at: 2_000 });
    await store.publish(org, { used: 100, limit: 1_000, at: 1_000 });
    expect(await store.read(org)).toEqual({ used: 500, limit: 1_000, at: 2_000 });
    await store.publish(org, { used: 600, limit: 1_000, at: 3_000 });
    expect(await store.read(org)).toEqual({ used: 600, limit: 1_000, at: 3_000 });
    await store.forget(org);
  });
});
