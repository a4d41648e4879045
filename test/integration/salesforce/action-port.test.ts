/**
 * The Salesforce action port's `note` and `sequence_enrollment` kinds, driven through the real jsforce
 * client against the sandbox org: what lands in Salesforce, how failures are classified, and that a step
 * key never produces a second note or enrollment across retries and lost answers.
 */
import type { ActionRequest, ActionResult, JsonObject } from '../../../app/orchestration';
import { MemoryEffectLedger } from '../../../app/orchestration/memory';
import {
  ApiUsageTracker,
  beginAuthorization,
  DEFAULT_NOTE_TITLE,
  exchangeCode,
  noteContent,
  SalesforceActionPort,
  SalesforceClient,
  type LinkedRecord,
  type SalesforceTokens,
} from '../../../connectors/salesforce/client';
import { DisconnectedError } from '../../../connectors/salesforce/installations';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';

describe('Salesforce action port: notes and cadences against the sandbox, through jsforce', () => {
  let sb: SalesforceSandbox;
  let port: SalesforceActionPort;
  let client: SalesforceClient;
  const ledger = new MemoryEffectLedger();
  const people = new Map<string, LinkedRecord[]>();
  let n = 0;

  const request = (
    kind: 'note' | 'sequence_enrollment',
    profileId: string,
    params: JsonObject,
    key = `run_${++n}:step`,
  ): ActionRequest => ({
    tenantId: 't1',
    runId: key.split(':')[0] ?? 'run',
    stepId: 'step',
    profileId,
    kind,
    params,
    idempotencyKey: key,
    attempt: 1,
  });
  const person = (records: { Id: string; type: string }[]): string => {
    const profileId = `p${++n}`;
    people.set(
      profileId,
      records.map((r) => ({ recordId: r.Id, objectType: r.type })),
    );
    return profileId;
  };
  const contact = (lastName: string) => ({ ...sb.state.create('Contact', { LastName: lastName }, null), type: 'Contact' });
  const trackersOf = (id: string) => [...sb.state.table('ActionCadenceTracker').values()].filter((t) => t['TargetId'] === id);
  const failed = (r: ActionResult) => (r.ok ? undefined : r.error);

  beforeAll(async () => {
    sb = await startSalesforceSandbox({ connectHoldMs: 300, cadences: ['Baton Nurture', 'Renewal Push'] });
    const app = {
      loginUrl: sb.url,
      clientId: 'sandbox-client-id',
      clientSecret: 'sandbox-client-secret',
      redirectUri: 'http://baton.test/oauth/salesforce/callback',
    };
    const pending = beginAuthorization(app);
    const consent = await fetch(pending.url, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const org = await exchangeCode(app, code, pending.codeVerifier);
    let tokens: SalesforceTokens = { accessToken: org.accessToken, refreshToken: org.refreshToken, instanceUrl: org.instanceUrl };
    const keeper = {
      renew: async (_stale: string, refresh: (rt: string) => Promise<SalesforceTokens>) => (tokens = await refresh(tokens.refreshToken)),
    };
    client = new SalesforceClient({ app, orgId: org.orgId, tokens, keeper, usage: new ApiUsageTracker() });
    port = new SalesforceActionPort({
      clientFor: async () => client,
      records: async (_t, profileId) => people.get(profileId) ?? [],
      ledger,
      rateLimitRetryMs: 50,
    });
  });
  afterAll(async () => sb.close());

  describe('note', () => {
    it('creates one ContentNote, escaped and base64, linked to the Contact and the Lead with inferred sharing', async () => {
      const c = contact('Hopper');
      const lead = { ...sb.state.create('Lead', { LastName: 'Hopper', Company: 'Navy' }, null), type: 'Lead' };
      const profileId = person([c, lead]);
      const body = `Asked about "pricing" & <SSO>.\nIt's urgent — ünïcode stays`;
      const result = await port.execute(request('note', profileId, { body, title: 'Call summary' }));
      expect(result).toMatchObject({ ok: true, output: { channel: 'salesforce', title: 'Call summary', linkedTo: [c.Id, lead.Id] } });
      const [onContact, ...more] = sb.state.notesOf(c.Id);
      expect(more).toHaveLength(0);
      expect(onContact?.note).toMatchObject({ Title: 'Call summary', FileType: 'SNOTE' });
      expect(onContact?.html).toBe('Asked about &quot;pricing&quot; &amp; &lt;SSO&gt;.<br>It&#39;s urgent — ünïcode stays');
      expect(onContact?.note['TextPreview']).toBe(`Asked about "pricing" & <SSO>. It's urgent — ünïcode stays`);
      expect(onContact?.links.map((l) => [l['LinkedEntityId'], l['ShareType'], l['Visibility']])).toEqual([
        [c.Id, 'I', 'AllUsers'],
        [lead.Id, 'I', 'AllUsers'],
      ]);
      expect(sb.state.notesOf(lead.Id).map((x) => x.note.Id)).toEqual([onContact?.note.Id]);
      expect(result.ok && result.output).toMatchObject({ noteId: onContact?.note.Id });
    });

    it('writes the note once per step key: a retry answers from the ledger without calling Salesforce', async () => {
      const c = contact('Lamarr');
      const profileId = person([c]);
      const req = request('note', profileId, { body: 'Frequency hopping' });
      const first = await port.execute(req);
      const calls = sb.state.requests.length;
      expect(await port.execute({ ...req, attempt: 2 })).toEqual(first);
      expect(sb.state.requests.length).toBe(calls);
      expect(sb.state.notesOf(c.Id).map((x) => x.note['Title'])).toEqual([DEFAULT_NOTE_TITLE]);
    });

    it('never leaves a note without its link: a refused link rolls the note back and a later attempt may write it', async () => {
      const c = contact('Turing');
      const gone = contact('Deleted');
      sb.state.remove('Contact', gone.Id, null);
      const profileId = person([c, gone]);
      const req = request('note', profileId, { body: 'Enigma' });
      const notesBefore = sb.state.table('ContentNote').size;
      const refused = failed(await port.execute(req));
      expect(refused).toMatchObject({ category: 'permanent', code: 'salesforce.INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY' });
      expect(sb.state.table('ContentNote').size).toBe(notesBefore);
      expect(sb.state.notesOf(c.Id)).toHaveLength(0);
      people.set(profileId, [{ recordId: c.Id, objectType: 'Contact' }]);
      expect(await port.execute({ ...req, attempt: 2 })).toMatchObject({ ok: true });
      expect(sb.state.notesOf(c.Id)).toHaveLength(1);
    });

    it('does not write a second note after a lost answer (5xx after Salesforce committed): the retry reports an unknown outcome', async () => {
      const c = contact('Goodall');
      const profileId = person([c]);
      const req = request('note', profileId, { body: 'Chimpanzees' });
      sb.state.failNext({
        method: 'POST',
        path: /^\/composite$/,
        status: 503,
        body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }],
        afterApply: true,
      });
      expect(failed(await port.execute(req))).toMatchObject({ category: 'transient' });
      expect(failed(await port.execute({ ...req, attempt: 2 }))).toMatchObject({
        category: 'permanent',
        code: 'salesforce.outcome_unknown',
      });
      expect(sb.state.notesOf(c.Id)).toHaveLength(1);
    });

    it('retries after a refusal that proves nothing was written (rate limit), and classifies it', async () => {
      const c = contact('Franklin');
      const profileId = person([c]);
      const req = request('note', profileId, { body: 'Photo 51' });
      sb.state.failNext({
        method: 'POST',
        path: /^\/composite$/,
        status: 403,
        body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
      });
      expect(failed(await port.execute(req))).toMatchObject({ category: 'rate_limited', retryAfterMs: 50 });
      expect(await port.execute({ ...req, attempt: 2 })).toMatchObject({ ok: true });
      expect(sb.state.notesOf(c.Id)).toHaveLength(1);
    });

    it('refuses, permanently, a person without a Contact or Lead and an empty body', async () => {
      const account = { ...sb.state.create('Account', { Name: 'Acme' }, null), type: 'Account' };
      expect(failed(await port.execute(request('note', person([account]), { body: 'x' })))).toMatchObject({
        category: 'undeliverable',
        code: 'salesforce.no_record',
      });
      expect(failed(await port.execute(request('note', person([contact('Blank')]), { body: '  ' })))).toMatchObject({
        category: 'permanent',
        code: 'salesforce.empty_note',
      });
    });

    it('the sandbox refuses what Salesforce refuses: unescaped text, &apos; and a blank title', async () => {
      const raw = (html: string) => Buffer.from(html, 'utf8').toString('base64');
      const c = contact('Strict');
      const create = (fields: Record<string, unknown>) => fetchRest('POST', '/sobjects/ContentNote', fields);
      expect(await create({ Title: 'a', Content: raw('Tom & Jerry') })).toMatchObject({
        status: 400,
        body: [{ errorCode: 'FIELD_INTEGRITY_EXCEPTION' }],
      });
      expect(await create({ Title: 'a', Content: raw('It&apos;s') })).toMatchObject({ status: 400 });
      expect(await create({ Title: ' ', Content: noteContent('ok') })).toMatchObject({
        status: 400,
        body: [{ errorCode: 'REQUIRED_FIELD_MISSING' }],
      });
      const ok = await create({ Title: 'a', Content: noteContent('Tom & Jerry\nok') });
      expect(ok.status).toBe(201);
      const link = { ContentDocumentId: (ok.body as { id: string }).id, LinkedEntityId: c.Id, ShareType: 'I' };
      expect((await fetchRest('POST', '/sobjects/ContentDocumentLink', link)).status).toBe(201);
      expect(await fetchRest('POST', '/sobjects/ContentDocumentLink', link)).toMatchObject({
        status: 400,
        body: [{ errorCode: 'DUPLICATE_VALUE' }],
      });
      expect(await fetchRest('POST', '/sobjects/ContentDocumentLink', { ...link, ShareType: 'X' })).toMatchObject({ status: 400 });
    });
  });

  describe('sequence_enrollment', () => {
    it('assigns the Contact to the cadence named by the step, owned by the given user, once per step key', async () => {
      const c = contact('Meitner');
      const profileId = person([c]);
      const req = request('sequence_enrollment', profileId, { sequenceId: 'Baton Nurture', userId: sb.state.options.userId });
      const result = await port.execute(req);
      expect(result).toMatchObject({
        ok: true,
        output: { channel: 'salesforce', action: 'assignTargetToSalesCadence', cadence: 'Baton Nurture', targetId: c.Id },
      });
      const calls = sb.state.requests.length;
      expect(await port.execute({ ...req, attempt: 2 })).toEqual(result);
      expect(sb.state.requests.length).toBe(calls);
      const nurture = [...sb.state.table('ActionCadence').values()].find((x) => x['Name'] === 'Baton Nurture');
      expect(trackersOf(c.Id)).toEqual([
        expect.objectContaining({ ActionCadenceId: nurture?.Id, State: 'Running', OwnerId: sb.state.options.userId }),
      ]);
      expect(sb.state.actions.filter((a) => a.name === 'assignTargetToSalesCadence' && a.inputs[0]?.['targetId'] === c.Id)).toEqual([
        {
          name: 'assignTargetToSalesCadence',
          inputs: [{ salesCadenceNameOrId: 'Baton Nurture', targetId: c.Id, userId: sb.state.options.userId }],
        },
      ]);
    });

    it('takes a cadence id, and counts a target already in that cadence as enrolled (another cadence is a permanent refusal)', async () => {
      const lead = { ...sb.state.create('Lead', { LastName: 'Noether', Company: 'Erlangen' }, null), type: 'Lead' };
      const profileId = person([lead]);
      const renewal = [...sb.state.table('ActionCadence').values()].find((x) => x['Name'] === 'Renewal Push');
      expect(await port.execute(request('sequence_enrollment', profileId, { sequenceId: renewal?.Id ?? '' }))).toMatchObject({ ok: true });
      const again = await port.execute(request('sequence_enrollment', profileId, { sequenceId: 'Renewal Push' }));
      expect(again).toMatchObject({ ok: true, output: { alreadyEnrolled: true, trackerId: trackersOf(lead.Id)[0]?.Id } });
      const other = failed(await port.execute(request('sequence_enrollment', profileId, { sequenceId: 'Baton Nurture' })));
      expect(other).toMatchObject({ category: 'permanent', code: 'salesforce.INVALID_OPERATION' });
      expect(trackersOf(lead.Id)).toHaveLength(1);
    });

    it('classifies refusals from the per-input results: an unknown cadence is permanent, a locked row transient', async () => {
      const c = contact('Sommerville');
      const profileId = person([c]);
      const unknown = request('sequence_enrollment', profileId, { sequenceId: 'No Such Cadence' });
      expect(failed(await port.execute(unknown))).toMatchObject({ category: 'permanent', code: 'salesforce.INVALID_INPUT' });
      expect(await ledger.lookup('t1', unknown.idempotencyKey)).toBeUndefined();
      const locked = [
        {
          actionName: 'assignTargetToSalesCadence',
          errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }],
          isSuccess: false,
          outputValues: null,
        },
      ];
      const req = request('sequence_enrollment', profileId, { sequenceId: 'Baton Nurture' });
      // Both shapes Salesforce uses for a failed input: 400 with the result array, and 200 with it.
      sb.state.failNext({ method: 'POST', path: /^\/actions\/standard\/assignTargetToSalesCadence$/, status: 400, body: locked });
      expect(failed(await port.execute(req))).toMatchObject({ category: 'transient', code: 'salesforce.UNABLE_TO_LOCK_ROW' });
      sb.state.failNext({ method: 'POST', path: /^\/actions\/standard\/assignTargetToSalesCadence$/, status: 200, body: locked });
      expect(failed(await port.execute({ ...req, attempt: 2 }))).toMatchObject({
        category: 'transient',
        code: 'salesforce.UNABLE_TO_LOCK_ROW',
      });
      expect(trackersOf(c.Id)).toHaveLength(0);
      expect(await port.execute({ ...req, attempt: 3 })).toMatchObject({ ok: true });
      expect(trackersOf(c.Id)).toHaveLength(1);
    });

    it('recovers a lost answer by finding the tracker, and enrolls when the earlier attempt left none', async () => {
      const c = contact('Johnson');
      const profileId = person([c]);
      const req = request('sequence_enrollment', profileId, { sequenceId: 'Baton Nurture' });
      sb.state.failNext({
        method: 'POST',
        path: /^\/actions\/standard\/assignTargetToSalesCadence$/,
        status: 503,
        body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }],
        afterApply: true,
      });
      expect(failed(await port.execute(req))).toMatchObject({ category: 'transient' });
      expect(await port.execute({ ...req, attempt: 2 })).toMatchObject({
        ok: true,
        output: { recovered: true, trackerId: trackersOf(c.Id)[0]?.Id },
      });
      expect(trackersOf(c.Id)).toHaveLength(1);

      const d = contact('Vaughan');
      const next = request('sequence_enrollment', person([d]), { sequenceId: 'Baton Nurture' });
      sb.state.failNext({
        method: 'POST',
        path: /^\/actions\/standard\/assignTargetToSalesCadence$/,
        status: 503,
        body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }],
      });
      expect(failed(await port.execute(next))).toMatchObject({ category: 'transient' });
      expect((await ledger.lookup('t1', next.idempotencyKey))?.state).toBe('pending');
      expect(await port.execute({ ...next, attempt: 2 })).toMatchObject({ ok: true });
      expect(trackersOf(d.Id)).toHaveLength(1);
    });

    it('refuses, permanently, a person without a Contact or Lead and a user id that is not a Salesforce User', async () => {
      const account = { ...sb.state.create('Account', { Name: 'Initech' }, null), type: 'Account' };
      expect(failed(await port.execute(request('sequence_enrollment', person([account]), { sequenceId: 'Baton Nurture' })))).toMatchObject({
        category: 'undeliverable',
        code: 'salesforce.no_record',
      });
      expect(
        failed(
          await port.execute(
            request('sequence_enrollment', person([contact('Hubspotter')]), { sequenceId: 'Baton Nurture', userId: '12345' }),
          ),
        ),
      ).toMatchObject({ category: 'permanent', code: 'salesforce.bad_user' });
    });
  });

  describe('an org disconnected while a step runs', () => {
    // Another request or the change stream may meet the revocation first and mark the org disconnected
    // between the step's routing and its own lookups; that is the revocation, an auth failure, never a
    // permanent refusal of the step (a clean-clone CI run once saw "permanent" here).
    const gone = () => new DisconnectedError(sb.state.orgId, 'no active Salesforce connection');

    it('is an auth failure when the client can no longer be made', async () => {
      const p = new SalesforceActionPort({
        clientFor: async () => Promise.reject(gone()),
        records: async (_t, profileId) => people.get(profileId) ?? [],
        ledger,
        rateLimitRetryMs: 50,
      });
      const profileId = person([contact('Franklin')]);
      expect(failed(await p.execute(request('note', profileId, { body: 'x' })))).toMatchObject({
        category: 'auth',
        code: 'salesforce.INVALID_GRANT',
      });
    });

    it('is an auth failure when the package lookup finds the org disconnected, and nothing reaches Salesforce', async () => {
      const p = new SalesforceActionPort({
        clientFor: async () => client,
        records: async (_t, profileId) => people.get(profileId) ?? [],
        packageFor: async () => Promise.reject(gone()),
        ledger,
        rateLimitRetryMs: 50,
      });
      const c = contact('Curie');
      const tasksBefore = sb.state.table('Task').size;
      const req = { ...request('note', person([c]), {}), kind: 'task' as const, params: { subject: 'Call Marie' } };
      expect(failed(await p.execute(req))).toMatchObject({ category: 'auth', code: 'salesforce.INVALID_GRANT' });
      expect(sb.state.table('Task').size).toBe(tasksBefore);
    });
  });

  /** A raw REST call with the current access token (to check the sandbox's own validation). */
  async function fetchRest(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const token = [...sb.state.accessTokens.entries()].find(([, t]) => t.valid)?.[0] ?? '';
    const res = await fetch(`${sb.url}/services/data/v66.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  }
});
