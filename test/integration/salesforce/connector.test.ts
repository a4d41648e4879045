import {
  ApiUsageTracker,
  beginAuthorization,
  ChangeStream,
  describeError,
  exchangeCode,
  SalesforceClient,
  type ChangeEventMessage,
  type SalesforceApp,
  type SalesforceTokens,
  type TokenKeeper,
} from '../../../connectors/salesforce/client';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { waitFor } from '../../support/services';

/** Follows the authorize redirect like a browser whose user approves, returning the callback query. */
export async function approve(url: string): Promise<URLSearchParams> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) throw new Error(`authorize answered ${res.status}`);
  return new URL(location).searchParams;
}

class MemoryKeeper implements TokenKeeper {
  refreshes = 0;
  constructor(public tokens: SalesforceTokens) {}
  async renew(stale: string, refresh: (rt: string) => Promise<SalesforceTokens>): Promise<SalesforceTokens> {
    if (stale !== this.tokens.accessToken) return this.tokens;
    this.tokens = await refresh(this.tokens.refreshToken);
    this.refreshes += 1;
    return this.tokens;
  }
}

describe('Salesforce connector against the sandbox, through jsforce', () => {
  let sb: SalesforceSandbox;
  let app: SalesforceApp;
  let keeper: MemoryKeeper;
  let client: SalesforceClient;
  const usage = new ApiUsageTracker();

  beforeAll(async () => {
    sb = await startSalesforceSandbox({ connectHoldMs: 300 });
    app = {
      loginUrl: sb.url,
      clientId: 'sandbox-client-id',
      clientSecret: 'sandbox-client-secret',
      redirectUri: 'http://baton.test/oauth/salesforce/callback',
    };
    const pending = beginAuthorization(app);
    const url = new URL(pending.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const cb = await approve(pending.url);
    expect(cb.get('state')).toBe(pending.state);
    const org = await exchangeCode(app, cb.get('code') ?? '', pending.codeVerifier);
    expect(org.orgId).toBe(sb.state.orgId);
    keeper = new MemoryKeeper({ accessToken: org.accessToken, refreshToken: org.refreshToken, instanceUrl: org.instanceUrl });
    client = new SalesforceClient({ app, orgId: org.orgId, tokens: keeper.tokens, keeper, usage });
  });
  afterAll(async () => sb.close());

  it('refuses a code exchange with the wrong PKCE verifier', async () => {
    const pending = beginAuthorization(app);
    const cb = await approve(pending.url);
    await expect(exchangeCode(app, cb.get('code') ?? '', 'x'.repeat(64))).rejects.toThrow(/verifier/);
  });

  it('keeps working across two refreshes with rotated refresh tokens', async () => {
    const first = keeper.tokens.refreshToken;
    sb.state.expireAccessTokens();
    await client.query('SELECT Id FROM Contact');
    sb.state.expireAccessTokens();
    await client.query('SELECT Id FROM Contact');
    expect(keeper.refreshes).toBe(2);
    expect(keeper.tokens.refreshToken).not.toBe(first);
    expect([...sb.state.families.values()][0]?.rotations).toBe(2);
  });

  it('writes through Collections, upsert, Composite, emailSimple and Flows, tagged client=Baton', async () => {
    const c = sb.state.create('Contact', { LastName: 'Lovelace', Email: 'ada@example.com' }, null);
    const saved = await client.updateRecords([{ type: 'Contact', id: c.Id, fields: { baton__Baton_Stage__c: 'engaged' } }]);
    expect(saved[0]?.success).toBe(true);
    expect(sb.state.find(c.Id)?.record['baton__Baton_Stage__c']).toBe('engaged');
    const a = await client.upsert('Task', 'baton__Baton_Key__c', 'k1', { Subject: 'Call', WhoId: c.Id });
    const b = await client.upsert('Task', 'baton__Baton_Key__c', 'k1', { Subject: 'Call', WhoId: c.Id });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    const comp = await client.composite(
      [{ method: 'PATCH', url: `${client.dataPath}/sobjects/Contact/${c.Id}`, referenceId: 'c', body: { Title: 'CTO' } }],
      true,
    );
    expect(comp.compositeResponse[0]?.httpStatusCode).toBe(204);
    expect((await client.emailSimple([{ recipientId: c.Id, emailSubject: 'Hi', emailBody: 'Hello' }]))[0]?.isSuccess).toBe(true);
    expect((await client.launchFlow('Baton_Follow_Up', [{ recordId: c.Id }]))[0]?.outputValues).toEqual({
      Flow__InterviewStatus: 'Finished',
    });
    expect(sb.state.requests.every((r) => r.client === 'Baton')).toBe(true);
    expect(usage.get(sb.state.orgId)?.used).toBe(sb.state.apiUsed);
  });

  it('surfaces REST error arrays with their codes', async () => {
    const err = await client.upsert('Task', 'baton__Baton_Key__c', 'k2', { Subject: 'x', Priority: 'Urgent' }).catch((e: unknown) => e);
    expect(describeError(err)).toMatchObject({ code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', cls: 'permanent' });
    sb.state.failNext({
      path: /^\/sobjects\/Task/,
      status: 403,
      body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
    });
    expect(describeError(await client.upsert('Task', 'baton__Baton_Key__c', 'k3', { Subject: 'x' }).catch((e: unknown) => e)).cls).toBe(
      'rate_limited',
    );
    sb.state.failNext({ path: /^\/sobjects\/Task/, status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }] });
    expect(describeError(await client.upsert('Task', 'baton__Baton_Key__c', 'k3', { Subject: 'x' }).catch((e: unknown) => e)).cls).toBe(
      'transient',
    );
  });

  it('streams change events over the Pub/Sub API with replay ids and resumes after them', async () => {
    const options = {
      endpoint: sb.pubsub.address,
      tls: false,
      credentials: async () => ({
        accessToken: keeper.tokens.accessToken,
        instanceUrl: keeper.tokens.instanceUrl,
        tenantId: sb.state.orgId,
      }),
    };
    const got: { message: ChangeEventMessage; replayId: Buffer }[] = [];
    const failures: string[] = [];
    const stream = new ChangeStream(options, new Map([['Contact', null]]), {
      onEvent: async (_e, message, replayId) => void got.push({ message, replayId }),
      onReplayExpired: async () => undefined,
      onFailure: (r) => void failures.push(r),
    });
    expect(await stream.start()).toEqual(['Contact']);
    await waitFor(
      async () => sb.pubsub.subscriptions.some((s) => s.channels.includes('/data/ContactChangeEvent')),
      'the Contact subscription',
    );
    const c = sb.state.create('Contact', { FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@example.com' }, null);
    await waitFor(async () => got.length >= 1, 'a change event');
    await stream.stop();
    const first = got[0];
    if (first === undefined) throw new Error('no event');
    // Avro decoded; the Name compound flattened to the REST field names.
    expect(first.message.payload.ChangeEventHeader).toMatchObject({ entityName: 'Contact', changeType: 'CREATE', recordIds: [c.Id] });
    expect(first.message.payload).toMatchObject({ FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@example.com' });
    sb.state.update('Contact', c.Id, { Title: 'Admiral' }, null);
    const resumed: ChangeEventMessage[] = [];
    const again = new ChangeStream(options, new Map([['Contact', first.replayId]]), {
      onEvent: async (_e, m) => void resumed.push(m),
      onReplayExpired: async () => undefined,
      onFailure: (r) => void failures.push(r),
    });
    await again.start();
    await waitFor(async () => resumed.length >= 1, 'the missed update');
    await again.stop();
    expect(resumed.map((m) => m.payload.ChangeEventHeader.changeType)).toEqual(['UPDATE']);
    expect(resumed[0]?.payload.ChangeEventHeader.changedFields).toEqual(['Title', 'LastModifiedDate']);
    expect(failures).toEqual([]);
  });
});
