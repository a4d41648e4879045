/**
 * Every route the console calls answers a body its contract (app/contracts) accepts. The calls go
 * through the console's own client (extensions/console/src/api), which parses each answer with the
 * contract schema and fails with a `contract` error naming the field that does not fit; the bodies
 * are also parsed here with the schemas directly, so a reader stricter than the client is covered.
 */
import request from 'supertest';
import {
  apiErrorSchema,
  cardActionResultSchema,
  cardViewSchema,
  catalogSchema,
  connectionListSchema,
  connectionTestSchema,
  conversationPageSchema,
  deadLetterListSchema,
  decisionListSchema,
  decisionSchema,
  liftReportSchema,
  liftReportSentSchema,
  outcomeRecordedSchema,
  playbookListSchema,
  playbookSchema,
  policiesResponseSchema,
  profileSearchSchema,
  redriveManySchema,
  redriveOneSchema,
  runControlSchema,
  runDetailSchema,
  runListSchema,
  type CatalogAction,
} from '../../app/contracts';
import { ApiError, createApiClient } from '../../extensions/console/src/api/http';
import { endpoints, type Endpoints } from '../../extensions/console/src/api/endpoints';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

const CATALOG: CatalogAction[] = [
  { id: 'call-lead', label: 'Call the lead', channel: 'task', value: 120, cost: 5 },
  { id: 'demo-invite', label: 'Invite to a demo', channel: 'email', value: 80, cost: 1 },
];

for (const { mode, needs } of modes) {
  describeWith(needs, `API contracts (${mode})`, () => {
    let svc: TestService;
    let api: Endpoints;
    let apiKey: string;
    let tenantId: string;
    let profileId: string;
    beforeAll(async () => {
      svc = await startTestService(mode, {
        handlers: {
          'test.contract': async () => {
            throw new Error('the vendor exploded');
          },
        },
      });
      ({ apiKey, tenantId } = await createTenant(svc.runtime.db, 'Contracts'));
      api = endpoints(createApiClient({ apiKey, baseUrl: svc.url }));
      // No holdout, before the person's first decision (the pipeline's, for the event below): a person's
      // holdout draw is made once and kept, and under the default 5% share the decisions test found this
      // person held out now and then (a decision that "proposed no action").
      await api.savePolicies({ ...(await api.policies()), holdout: { share: 0 } });
      const event = await request(svc.url)
        .post('/api/v1/events')
        .set('authorization', `Bearer ${apiKey}`)
        .send({
          source: 'api',
          type: 'message.received',
          occurredAt: new Date(Date.now() - 60_000).toISOString(),
          subject: {
            identifiers: [{ type: 'email', value: 'ada.lovelace@analytical-engines.io' }],
            traits: { firstName: 'Ada', lastName: 'Lovelace' },
          },
          text: 'Could we book a demo next week? We are ready to buy.',
        });
      expect(event.status).toBe(202);
      profileId = String(event.body.profileId);
      await waitFor(async () => {
        const e = await request(svc.url)
          .get(`/api/v1/events/${String(event.body.eventId)}`)
          .set('authorization', `Bearer ${apiKey}`);
        return e.body.processedAt !== null;
      }, 'the event to be processed');
    });
    afterAll(async () => svc.stop());

    /** The raw body of a GET, for the schemas themselves. */
    const body = async (path: string): Promise<unknown> =>
      (await request(svc.url).get(`/api/v1${path}`).set('authorization', `Bearer ${apiKey}`).expect(200)).body;

    it('profiles, the record card and the conversation', async () => {
      expect((await api.searchProfiles({ email: 'ada.lovelace@analytical-engines.io' })).map((p) => p.id)).toEqual([profileId]);
      profileSearchSchema.parse(await body('/profiles?email=ada.lovelace%40analytical-engines.io'));
      expect((await api.card(profileId)).profileId).toBe(profileId);
      cardViewSchema.parse(await body(`/profiles/${profileId}/card`));
      expect((await api.conversation(profileId)).messages.length).toBeGreaterThan(0);
      conversationPageSchema.parse(await body(`/profiles/${profileId}/conversation`));
    });

    it('catalog, policies, decisions and lift', async () => {
      expect((await api.saveActions(CATALOG)).map((a) => a.id)).toEqual(['call-lead', 'demo-invite']);
      catalogSchema.parse(await body('/actions'));
      const policies = await api.policies();
      policiesResponseSchema.parse(await api.savePolicies({ ...policies, holdout: { share: 0 }, quietHours: { enabled: false } }));
      policiesResponseSchema.parse(await body('/policies'));

      const decided = await api.decide(profileId);
      expect(await api.decision(decided.decisionId)).toEqual(expect.objectContaining({ decisionId: decided.decisionId }));
      decisionSchema.parse(await body(`/decisions/${decided.decisionId}`));
      expect((await api.decisionsPage({ limit: 10 })).decisions.map((d) => d.decisionId)).toContain(decided.decisionId);
      decisionListSchema.parse(await body('/decisions?limit=10'));

      expect(outcomeRecordedSchema.parse(await api.recordOutcome(decided.decisionId, 'positive')).outcome).toBe('positive');
      const next = await api.decide(profileId);
      const acted = await api.cardAction({ type: 'dismiss', profileId, decisionId: next.decisionId });
      expect(cardActionResultSchema.parse(acted).card.profileId).toBe(profileId);
      expect((await api.lift()).overall.treated.decisions).toBeGreaterThanOrEqual(0);
      liftReportSchema.parse(await body('/lift'));
      liftReportSentSchema.parse(await body('/lift'));
    });

    it('playbooks and runs', async () => {
      const created = await api.createPlaybook({
        id: 'contracts',
        name: 'Contracts',
        steps: [{ id: 'sign-off', kind: 'wait', wait: { type: 'approval', timeout: '1d', prompt: 'Go on?' } }],
      });
      expect(created.status).toBe('draft');
      expect((await api.publishPlaybook('contracts')).status).toBe('published');
      expect((await api.playbooks()).map((p) => p.id)).toContain('contracts');
      playbookListSchema.parse(await body('/playbooks'));

      const started = await api.startRun('contracts', profileId);
      runControlSchema.parse(started);
      expect((await api.runs({ profileId })).map((r) => r.id)).toContain(started.id);
      runListSchema.parse(await body(`/runs?profileId=${profileId}`));
      await waitFor(async () => (await api.run(started.id)).status === 'waiting' || undefined, 'the run to wait for its approval');
      runDetailSchema.parse(await body(`/runs/${started.id}`));
      expect((await api.approveRun(started.id, 'approved')).id).toBe(started.id);
      const second = await api.startRun('contracts', profileId);
      expect((await api.cancelRun(second.id, 'contract test')).status).toBe('cancelled');
      expect((await api.runsPage({ limit: 1 })).runs).toHaveLength(1);
      playbookSchema.parse(await api.archivePlaybook('contracts'));
    });

    it('connections and dead letters', async () => {
      const { connectionId } = await api.createConnection('zendesk', {
        subdomain: 'contracts',
        email: 'agent@example.com',
        apiToken: 'token-123456',
        webhookSecret: 'secret-123456',
        baseUrl: 'http://127.0.0.1:9',
      });
      expect((await api.connections()).map((c) => c.connectionId)).toContain(connectionId);
      connectionListSchema.parse(await body('/connections'));
      // Nothing listens on port 9: the test runs and reports the classified failure.
      expect(connectionTestSchema.parse(await api.testConnection(connectionId)).ok).toBe(false);

      const dead = await svc.runtime.work.enqueue({ tenantId, kind: 'test.contract', payload: { profileId }, maxAttempts: 1 });
      const page = await waitFor(async () => {
        const p = await api.deadLettersPage({ limit: 10 });
        return p.deadLetters.some((d) => d.id === dead.id) ? p : undefined;
      }, 'the job to die');
      expect(page.deadLetters[0]?.kind).toBe('test.contract');
      deadLetterListSchema.parse(await body('/dead-letters?limit=10'));
      expect(redriveOneSchema.parse(await api.redriveDeadLetter(dead.id)).id).toBe(dead.id);
      await waitFor(async () => (await api.deadLettersPage({ limit: 10 })).deadLetters.length > 0 || undefined, 'the job to die again');
      expect(redriveManySchema.parse(await api.redriveAllDeadLetters()).redriven).toBe(1);
    });

    it('the error envelope', async () => {
      const missing = await request(svc.url).get('/api/v1/runs/run_missing').set('authorization', `Bearer ${apiKey}`);
      expect(missing.status).toBe(404);
      expect(apiErrorSchema.parse(missing.body).error.code).toBe('run_not_found');
      await expect(api.run('run_missing')).rejects.toThrow(ApiError);
    });
  });
}
