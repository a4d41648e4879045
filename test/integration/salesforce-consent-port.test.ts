/**
 * Consent at send time in the Salesforce action port, through the real jsforce client against the
 * sandbox org: Email Opt Out stops email steps, Do Not Call stops call tasks, and the Individual's
 * ContactPointTypeConsent in force (OptOut) stops either; what is stopped ends undeliverable with the
 * reason and nothing reaches Salesforce. Plus the pure rule for which consent record is in force.
 */
import type { ActionRequest, ActionResult, JsonObject } from '../../app/orchestration';
import { MemoryEffectLedger } from '../../app/orchestration/memory';
import {
  ApiUsageTracker,
  beginAuthorization,
  consentRefusal,
  effectiveConsent,
  exchangeCode,
  SalesforceActionPort,
  SalesforceClient,
  type LinkedRecord,
  type SalesforceTokens,
  type TypeConsent,
} from '../../connectors/salesforce/client';
import { startSalesforceSandbox, type SalesforceSandbox } from '../sandboxes/salesforce';

const consent = (over: Partial<TypeConsent>): TypeConsent => ({
  id: over.id ?? 'cptc',
  contactPointType: 'Email',
  status: 'OptIn',
  effectiveFrom: null,
  effectiveTo: null,
  capturedAt: null,
  dataUsePurposeId: null,
  ...over,
});

describe('which consent record is in force (2026 dates)', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');

  it('takes the latest effective record for the contact point, ignoring expired and not-yet-effective ones', () => {
    const rows = [
      consent({ id: 'old-out', status: 'OptOut', effectiveFrom: '2026-01-01T00:00:00Z' }),
      consent({ id: 'new-in', status: 'OptIn', effectiveFrom: '2026-02-01T00:00:00Z' }),
      consent({ id: 'future-out', status: 'OptOut', effectiveFrom: '2026-04-01T00:00:00Z' }),
      consent({ id: 'expired-out', status: 'OptOut', effectiveFrom: '2026-02-15T00:00:00Z', effectiveTo: '2026-03-01T00:00:00Z' }),
      consent({ id: 'phone-out', contactPointType: 'Phone', status: 'OptOut', effectiveFrom: '2026-03-01T00:00:00Z' }),
    ];
    expect(effectiveConsent(rows, 'Email', now)?.id).toBe('new-in');
    expect(effectiveConsent(rows, 'Phone', now)?.id).toBe('phone-out');
    // A month later the future opt-out is in force.
    expect(effectiveConsent(rows, 'Email', Date.parse('2026-04-10T00:00:00Z'))?.id).toBe('future-out');
    // Without dates, the later capture decides.
    expect(
      effectiveConsent(
        [
          consent({ id: 'a', status: 'OptOut', capturedAt: '2026-01-05T00:00:00Z' }),
          consent({ id: 'b', capturedAt: '2026-02-05T00:00:00Z' }),
        ],
        'Email',
        now,
      )?.id,
    ).toBe('b');
    expect(effectiveConsent([], 'Email', now)).toBeUndefined();
  });

  it('refuses by flag first, then by the record in force, each with its own code', () => {
    const base = {
      recordId: '003000000000001AAA',
      objectType: 'Contact' as const,
      hasOptedOutOfEmail: false,
      doNotCall: false,
      typeConsents: null,
    };
    expect(consentRefusal({ ...base, hasOptedOutOfEmail: true }, 'Email', now)).toMatchObject({
      category: 'undeliverable',
      code: 'salesforce.opted_out_email',
    });
    expect(consentRefusal({ ...base, hasOptedOutOfEmail: true }, 'Phone', now)).toBeUndefined();
    expect(consentRefusal({ ...base, doNotCall: true }, 'Phone', now)).toMatchObject({
      category: 'undeliverable',
      code: 'salesforce.do_not_call',
    });
    expect(consentRefusal({ ...base, typeConsents: [consent({ status: 'OptOut' })] }, 'Email', now)).toMatchObject({
      code: 'salesforce.consent_opt_out_email',
    });
    expect(consentRefusal({ ...base, typeConsents: [consent({ status: 'Seen' })] }, 'Email', now)).toBeUndefined();
  });
});

describe('Salesforce action port: opt-outs and consent records at send time (sandbox org, jsforce)', () => {
  let sb: SalesforceSandbox;
  let port: SalesforceActionPort;
  const ledger = new MemoryEffectLedger();
  const people = new Map<string, LinkedRecord[]>();
  let n = 0;

  const request = (kind: 'email' | 'task', profileId: string, params: JsonObject, key = `run_${++n}:step`): ActionRequest => ({
    tenantId: 't1',
    runId: key.split(':')[0] ?? 'run',
    stepId: 'step',
    profileId,
    kind,
    params,
    idempotencyKey: key,
    attempt: 1,
  });
  const person = (type: 'Contact' | 'Lead', fields: Record<string, unknown>): { profileId: string; id: string } => {
    const r = sb.state.create(type, { LastName: `P${++n}`, ...(type === 'Lead' ? { Company: 'Acme' } : {}), ...fields }, null);
    const profileId = `p${n}`;
    people.set(profileId, [{ recordId: r.Id, objectType: type }]);
    return { profileId, id: r.Id };
  };
  const emailsTo = (id: string) =>
    sb.state.actions
      .filter((a) => a.name === 'emailSimple')
      .flatMap((a) => a.inputs)
      .filter((i) => i['recipientId'] === id);
  const tasksOf = (id: string) => sb.state.tasks().filter((t) => t['WhoId'] === id);
  const email = { subject: 'Hello', body: 'A note from us' };
  const failed = (r: ActionResult) => (r.ok ? undefined : r.error);

  beforeAll(async () => {
    sb = await startSalesforceSandbox({ connectHoldMs: 300 });
    const app = {
      loginUrl: sb.url,
      clientId: 'sandbox-client-id',
      clientSecret: 'sandbox-client-secret',
      redirectUri: 'http://baton.test/oauth/salesforce/callback',
    };
    const pending = beginAuthorization(app);
    const consentPage = await fetch(pending.url, { redirect: 'manual' });
    const code = new URL(consentPage.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const org = await exchangeCode(app, code, pending.codeVerifier);
    let tokens: SalesforceTokens = { accessToken: org.accessToken, refreshToken: org.refreshToken, instanceUrl: org.instanceUrl };
    const keeper = {
      renew: async (_stale: string, refresh: (rt: string) => Promise<SalesforceTokens>) => (tokens = await refresh(tokens.refreshToken)),
    };
    const client = new SalesforceClient({ app, orgId: org.orgId, tokens, keeper, usage: new ApiUsageTracker() });
    port = new SalesforceActionPort({
      clientFor: async () => client,
      records: async (_t, profileId) => people.get(profileId) ?? [],
      ledger,
      rateLimitRetryMs: 50,
    });
  });
  afterAll(async () => sb.close());
  beforeEach(() => {
    sb.state.privacyEnabled = true;
  });

  it('sends email to a Contact who has not opted out, after one Composite read of flags and consent', async () => {
    const p = person('Contact', {});
    const before = sb.state.requests.length;
    const result = await port.execute(request('email', p.profileId, email));
    expect(result).toMatchObject({ ok: true, output: { action: 'emailSimple', recipientId: p.id } });
    expect(emailsTo(p.id)).toHaveLength(1);
    expect(sb.state.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /composite',
      'POST /actions/standard/emailSimple',
    ]);
  });

  it('ends an email step to a Contact with Email Opt Out as undeliverable, sends nothing and leaves no ledger key', async () => {
    const p = person('Contact', { HasOptedOutOfEmail: true });
    const req = request('email', p.profileId, email);
    const error = failed(await port.execute(req));
    expect(error).toMatchObject({ category: 'undeliverable', code: 'salesforce.opted_out_email' });
    expect(error?.message).toContain(p.id);
    expect(emailsTo(p.id)).toEqual([]);
    expect(await ledger.lookup('t1', req.idempotencyKey)).toBeUndefined();
  });

  it("honours a Lead's Email Opt Out the same way", async () => {
    const p = person('Lead', { HasOptedOutOfEmail: true });
    expect(failed(await port.execute(request('email', p.profileId, email)))).toMatchObject({ code: 'salesforce.opted_out_email' });
    expect(emailsTo(p.id)).toEqual([]);
  });

  it('refuses a call task for a Do Not Call Lead, yet creates an ordinary task for them and a call task for others', async () => {
    const dnc = person('Lead', { DoNotCall: true });
    expect(failed(await port.execute(request('task', dnc.profileId, { subject: 'Call about renewal', type: 'call' })))).toMatchObject({
      category: 'undeliverable',
      code: 'salesforce.do_not_call',
    });
    expect(tasksOf(dnc.id)).toEqual([]);
    expect(await port.execute(request('task', dnc.profileId, { subject: 'Review account' }))).toMatchObject({ ok: true });
    expect(tasksOf(dnc.id).map((t) => t['Subject'])).toEqual(['Review account']);
    // A call task naming the Do Not Call Lead as its WhoId is refused too, whoever the profile is.
    const other = person('Contact', {});
    expect(
      failed(await port.execute(request('task', other.profileId, { subject: 'Call them', type: 'call', whoId: dnc.id }))),
    ).toMatchObject({ code: 'salesforce.do_not_call' });
    const ok = person('Contact', {});
    expect(await port.execute(request('task', ok.profileId, { subject: 'Call Ada', taskSubtype: 'Call' }))).toMatchObject({ ok: true });
    expect(tasksOf(ok.id)).toEqual([expect.objectContaining({ Subject: 'Call Ada', Type: 'Call' })]);
  });

  it("ends the step undeliverable when the Individual's consent record in force for the channel is OptOut", async () => {
    const p = person('Contact', {});
    sb.state.recordConsent(p.id, 'Email', 'OptOut', { from: '2026-01-01T00:00:00Z' });
    const error = failed(await port.execute(request('email', p.profileId, email)));
    expect(error).toMatchObject({ category: 'undeliverable', code: 'salesforce.consent_opt_out_email' });
    expect(error?.message).toContain('OptOut');
    expect(emailsTo(p.id)).toEqual([]);
    // Phone consent is a separate contact point type: email opt-out does not stop a call task.
    expect(await port.execute(request('task', p.profileId, { subject: 'Call', type: 'call' }))).toMatchObject({ ok: true });
    sb.state.recordConsent(p.id, 'Phone', 'OptOut');
    expect(failed(await port.execute(request('task', p.profileId, { subject: 'Call again', type: 'call' })))).toMatchObject({
      code: 'salesforce.consent_opt_out_phone',
    });
  });

  it('sends when the opt-out has expired or a later opt-in is in force, and not yet when an opt-out only starts later', async () => {
    const expired = person('Contact', {});
    sb.state.recordConsent(expired.id, 'Email', 'OptOut', { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' });
    expect(await port.execute(request('email', expired.profileId, email))).toMatchObject({ ok: true });
    const renewed = person('Contact', {});
    sb.state.recordConsent(renewed.id, 'Email', 'OptOut', { from: '2026-01-01T00:00:00Z' });
    sb.state.recordConsent(renewed.id, 'Email', 'OptIn', { from: '2026-02-01T00:00:00Z' });
    expect(await port.execute(request('email', renewed.profileId, email))).toMatchObject({ ok: true });
    const later = person('Contact', {});
    sb.state.recordConsent(later.id, 'Email', 'OptOut', { from: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    expect(await port.execute(request('email', later.profileId, email))).toMatchObject({ ok: true });
    expect([expired, renewed, later].map((p) => emailsTo(p.id).length)).toEqual([1, 1, 1]);
  });

  it('in an org without Data Protection and Privacy still honours the flags, and stops asking for IndividualId', async () => {
    sb.state.privacyEnabled = false;
    const out = person('Contact', { HasOptedOutOfEmail: true });
    expect(failed(await port.execute(request('email', out.profileId, email)))).toMatchObject({ code: 'salesforce.opted_out_email' });
    const fine = person('Contact', {});
    const before = sb.state.requests.length;
    expect(await port.execute(request('email', fine.profileId, email))).toMatchObject({ ok: true });
    const reads = sb.state.requests.slice(before).filter((r) => r.path === '/composite');
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0]?.body)).not.toContain('IndividualId');
  });

  it('reads consent once per step: a retried step reuses the read, a new step reads again', async () => {
    const p = person('Contact', {});
    const req = request('task', p.profileId, { subject: 'Call', type: 'call' });
    sb.state.failNext({
      method: 'PATCH',
      path: /^\/sobjects\/Task\//,
      status: 503,
      body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }],
    });
    const before = sb.state.requests.length;
    expect(failed(await port.execute(req))).toMatchObject({ category: 'transient' });
    expect(await port.execute({ ...req, attempt: 2 })).toMatchObject({ ok: true });
    expect(sb.state.requests.slice(before).filter((r) => r.path === '/composite')).toHaveLength(1);
    await port.execute(request('task', p.profileId, { subject: 'Call once more', type: 'call' }));
    expect(sb.state.requests.slice(before).filter((r) => r.path === '/composite')).toHaveLength(2);
  });

  it('a transient failure of the consent read retries the step without marking an email as possibly sent', async () => {
    const p = person('Contact', {});
    const req = request('email', p.profileId, email);
    sb.state.failNext({
      method: 'POST',
      path: /^\/composite$/,
      status: 503,
      body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }],
    });
    expect(failed(await port.execute(req))).toMatchObject({ category: 'transient' });
    expect(await ledger.lookup('t1', req.idempotencyKey)).toBeUndefined();
    expect(await port.execute({ ...req, attempt: 2 })).toMatchObject({ ok: true });
    expect(emailsTo(p.id)).toHaveLength(1);
  });
});
