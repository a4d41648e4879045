/**
 * The sample playbooks' action steps, with their parameters resolved from a typical run context,
 * through the real HubSpot and Salesforce action ports (over recording fakes of the vendor clients):
 * every step either port can perform is accepted, and a HubSpot property write names only properties
 * Baton creates at install (connectors/hubspot/app-definition.ts).
 */
import type { HubSpotApi } from '../../../connectors/hubspot/client/api';
import { HubSpotActionPort } from '../../../connectors/hubspot/client/action.port';
import { SalesforceActionPort } from '../../../connectors/salesforce/client/action.port';
import type { SalesforceClient } from '../../../connectors/salesforce/client/client';
import { deliverEvent, resolveParams, samplePlaybooks, type ActionRequest, type JsonObject } from '../../../app/orchestration';
import { MemoryEffectLedger } from '../../../app/orchestration/memory';
import { newLeadNurtureDefinition, renewalRescueDefinition } from '../../../app/orchestration/samples';
import { load, makeWorld, publish, pump, start, T0, TENANT } from './support/harness';
import { CONTACT_PROPERTIES } from '../../../connectors/hubspot/app-definition';

const context = {
  profile: { firstName: 'Lin', email: 'lin@example.com', timeZone: 'Europe/Berlin' },
  lead: { source: 'webinar', score: 85 },
  renewal: { arr: 64000, renewalDate: '2027-01-31' },
  emails: { welcome: 90004, reminder: 90005 },
};
const scope = {
  context,
  steps: {
    'await-reply': { output: { event: { type: 'email.replied' } } },
    'await-engagement': { output: { event: { type: 'email.opened' } } },
  },
};

const actionSteps = samplePlaybooks.flatMap((playbook) =>
  playbook.steps.flatMap((step) =>
    step.kind === 'action'
      ? [{ name: `${playbook.id}/${step.id}`, kind: step.action.type, params: resolveParams(step.action.params as JsonObject, scope) }]
      : [],
  ),
);

const request = (kind: ActionRequest['kind'], params: JsonObject, stepId: string): ActionRequest => ({
  tenantId: 't1',
  runId: 'run_1',
  stepId,
  profileId: 'p1',
  kind,
  params,
  idempotencyKey: `run_1:${stepId}`,
  attempt: 1,
});

function hubspotPort(): { port: HubSpotActionPort; written: Record<string, string>[] } {
  const known = new Set(CONTACT_PROPERTIES.map((p) => p.name));
  const written: Record<string, string>[] = [];
  const api = {
    async updateObject(_portal: string, _type: string, id: string, properties: Record<string, string>) {
      const unknown = Object.keys(properties).filter((k) => !known.has(k));
      // What HubSpot answers for a property the portal does not have.
      if (unknown.length > 0)
        throw Object.assign(new Error(`Property values were not valid: ${unknown.join(', ')} does not exist`), { status: 400 });
      written.push(properties);
      return { id, properties };
    },
    async createEngagement(_portal: string, kind: string) {
      return { id: `${kind}-1`, properties: {} };
    },
    async singleSend() {
      return { statusId: 's1' };
    },
    async batchRead() {
      return [{ id: '101', properties: { email: 'lin@example.com' } }];
    },
    async searchEq() {
      return [];
    },
  } as unknown as HubSpotApi; // only the calls these action kinds make
  const ledger = new MemoryEffectLedger();
  return {
    port: new HubSpotActionPort({ api, target: async () => ({ portalId: '42', objectType: 'contact', objectId: '101' }), ledger }),
    written,
  };
}

function salesforcePort(): SalesforceActionPort {
  const client = {
    orgId: '00D000000000001AAA',
    async upsert() {
      return { id: '00T000000000001AAA', created: true };
    },
    async updateRecords(records: { id: string }[]) {
      return records.map((r) => ({ id: r.id, success: true, errors: [] }));
    },
    async emailSimple() {
      return [{ isSuccess: true }];
    },
    dataPath: '/services/data/v62.0',
    // The email step reads the recipient's opt-outs first (one Composite call): not opted out.
    async composite() {
      return {
        compositeResponse: [
          {
            referenceId: 'person',
            httpStatusCode: 200,
            body: { records: [{ Id: '003000000000001AAA', HasOptedOutOfEmail: false, DoNotCall: false, IndividualId: null }] },
          },
        ],
      };
    },
  } as unknown as SalesforceClient; // only the calls these action kinds make
  const ledger = new MemoryEffectLedger();
  return new SalesforceActionPort({
    clientFor: async () => client,
    records: async () => [{ recordId: '003000000000001AAA', objectType: 'Contact' }],
    ledger,
    rateLimitRetryMs: 1000,
  });
}

describe('sample playbooks through the CRM ports', () => {
  const crmKinds = new Set(['crm_update', 'task', 'email']);

  it('cover the CRM action kinds both ports perform', () => {
    expect(new Set(actionSteps.map((s) => s.kind))).toEqual(new Set(['crm_update', 'task', 'email', 'ticket']));
  });

  it.each(actionSteps.filter((s) => crmKinds.has(s.kind)).map((s) => [s.name, s] as const))(
    '%s is accepted by the HubSpot port',
    async (_name, step) => {
      const { port, written } = hubspotPort();
      const result = await port.execute(request(step.kind, step.params, step.name));
      expect(result).toMatchObject({ ok: true });
      if (step.kind === 'crm_update') expect(written).toHaveLength(1);
    },
  );

  it.each(actionSteps.filter((s) => crmKinds.has(s.kind)).map((s) => [s.name, s] as const))(
    '%s is accepted by the Salesforce port',
    async (_name, step) => {
      const result = await salesforcePort().execute(request(step.kind, step.params, step.name));
      expect(result).toMatchObject({ ok: true });
    },
  );

  it('sends HubSpot the marketing email id from the run context, Salesforce the subject and body', () => {
    const welcome = actionSteps.find((s) => s.name === 'new-lead-nurture/welcome-email');
    expect(welcome?.params).toMatchObject({ templateId: 90004, to: 'lin@example.com', subject: 'Welcome, Lin' });
  });
});

describe('sample playbooks hear the events the pipeline stores', () => {
  const lead = { profile: context.profile, lead: { source: 'webinar', score: 85 }, emails: context.emails };

  it.each([
    ['meeting.booked', {}, 'demo-booked'],
    ['email.unsubscribed', {}, 'unsubscribed'],
    ['contact.propertychange', { propertyName: 'lifecyclestage', propertyValue: 'customer' }, 'became-customer'],
  ])('new lead nurture exits on %s', async (type, properties, criterion) => {
    const world = makeWorld();
    await publish(world, newLeadNurtureDefinition);
    const { run } = await start(world, 'new-lead-nurture', lead);
    await pump(world);
    await deliverEvent(world.deps, TENANT, { id: 'e1', type, occurredAt: T0, profileId: 'profile_1', properties });
    await pump(world);
    expect((await load(world, run.id)).run).toMatchObject({ status: 'exited', end: { kind: 'exit_criteria', detail: criterion } });
  });

  it('new lead nurture: email.opened resumes the engagement wait and a hot lead waits for a rep', async () => {
    const world = makeWorld();
    await publish(world, newLeadNurtureDefinition);
    const { run } = await start(world, 'new-lead-nurture', lead);
    await pump(world);
    await deliverEvent(world.deps, TENANT, { id: 'e1', type: 'contact.updated', occurredAt: T0, profileId: 'profile_1' });
    await pump(world);
    expect((await load(world, run.id)).run.cursor).toBe('await-engagement');
    await deliverEvent(world.deps, TENANT, { id: 'e2', type: 'email.opened', occurredAt: T0, profileId: 'profile_1' });
    await pump(world);
    expect((await load(world, run.id)).run.waitingFor).toBe('approval');
  });

  it('renewal rescue exits on a high-priority Zendesk ticket and on a won Salesforce opportunity', async () => {
    for (const [type, properties, criterion] of [
      ['ticket.created', { priority: 'high' }, 'urgent-ticket'],
      ['opportunity.updated', { stage: 'Closed Won', isWon: true }, 'renewal-won'],
    ] as const) {
      const world = makeWorld();
      await publish(world, renewalRescueDefinition);
      const { run } = await start(world, 'renewal-rescue', { profile: context.profile, renewal: context.renewal });
      await pump(world);
      await deliverEvent(world.deps, TENANT, {
        id: 'e1',
        type: 'ticket.created',
        occurredAt: T0,
        profileId: 'profile_1',
        properties: { priority: 'normal' },
      });
      await pump(world);
      expect((await load(world, run.id)).run.status).not.toBe('exited');
      await deliverEvent(world.deps, TENANT, { id: 'e2', type, occurredAt: T0, profileId: 'profile_1', properties });
      await pump(world);
      expect((await load(world, run.id)).run).toMatchObject({ status: 'exited', end: { kind: 'exit_criteria', detail: criterion } });
    }
  });
});
