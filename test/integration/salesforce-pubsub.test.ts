/**
 * Salesforce change events over the Pub/Sub API, end to end: the real service (both storage modes)
 * follows the sandbox org through the real gRPC client against the local Pub/Sub server, which serves
 * the org's record changes as Avro-encoded change events. Proves: changes become Baton events; flow
 * control never has more outstanding than requested; a restart resumes after the stored replay id (no
 * duplicate, no gap); an expired replay id is filled by query with no lost change; a stream that goes
 * silent is detected (status, metric) and recovered. A connector-level case shows a change made while
 * the gap is being filled still arrives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CardActionRequest } from '../../app/cards/card-view';
import { beginAuthorization, ChangeStream, exchangeCode, type ChangeEventMessage } from '../../connectors/salesforce/client';
import { dropSchema } from '../../server/db/postgres';
import { identityModule } from '../../server/identity/identity.module';
import type { ModuleFactory } from '../../server/module';
import { runsModule } from '../../server/runs';
import { salesforceModuleWith } from '../../connectors/salesforce/salesforce.module';
import { startSalesforceSandbox, type SalesforceSandbox } from '../sandboxes/salesforce';
import { modes, obliterateQueue, startTestService, type Mode, type TestService } from '../support/runtime';
import { describeWith, TEST_DATABASE_URL, waitFor as waitForWithin } from '../support/services';
import { installOrg, sfEnv, stubCards, type StubValues } from './salesforce/helpers';

jest.setTimeout(180_000);
const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> => waitForWithin(probe, what, 60_000);

/** Follows the authorize redirect like a browser whose user approves, returning the callback query. */
async function approve(url: string): Promise<URLSearchParams> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) throw new Error(`authorize answered ${res.status}`);
  return new URL(location).searchParams;
}

const BATCH = 10;
const IDLE_MS = 1_500;
/** Gap-filling queries read 3 records at a time, so the gaps below take several pages (and whole seconds). */
const RESYNC_PAGE = 3;

interface Row {
  source_event_id: string;
  type: string;
  properties: { recordId?: string; via?: string; fields?: Record<string, unknown>; changedFields?: string[] };
}

interface EntityStatus {
  entity: string;
  replayId: string | null;
  lastEventAt: string | null;
  lastHeardAt: string | null;
  stalls: number;
  lastStallAt: string | null;
  expiredReplays: number;
  lastResyncAt: string | null;
  state?: string;
  flow?: {
    owed: number;
    queued: number;
    maxInFlight: number;
    requested: number;
    received: number;
    handled: number;
    subscribes: number;
    stalls: number;
  };
}

function modules(
  values: Map<string, StubValues>,
  acts: { tenantId: string; request: CardActionRequest; source: string }[],
): ModuleFactory[] {
  return [
    identityModule,
    runsModule({ engine: { leaseMs: 5_000 }, stuckSweepIntervalMs: 500, stuckGraceMs: 2_000 }),
    stubCards(values, acts),
    salesforceModuleWith({
      streamPollMs: 200,
      streamLeaseMs: 3_000,
      streamRestartMs: 200,
      streamBatchSize: BATCH,
      streamIdleTimeoutMs: IDLE_MS,
      streamRetryMs: 100,
      streamResyncPageSize: RESYNC_PAGE,
    }),
  ];
}

for (const { mode, needs } of modes) {
  describeWith(needs, `Salesforce change events over the Pub/Sub API (${mode})`, () => {
    let sb: SalesforceSandbox;
    let svc: TestService | undefined;
    let apiKey = '';
    let tenantId = '';
    // One storage across restarts: the embedded data directory, or the PostgreSQL schema and queue.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'baton-pubsub-'));
    let schema: string | undefined;
    let queueName: string | undefined;
    const values = new Map<string, StubValues>();
    const acts: { tenantId: string; request: CardActionRequest; source: string }[] = [];

    const start = async (): Promise<TestService> => {
      const s = await startTestService(
        mode as Mode,
        { modules: modules(values, acts), ...(schema === undefined ? {} : { schema }), ...(queueName === undefined ? {} : { queueName }) },
        { ...sfEnv(sb), BATON_DATA_DIR: dataDir },
      );
      schema ??= s.schema;
      queueName ??= s.queueName;
      svc = s;
      return s;
    };
    /** Shuts the service down, keeping its storage. */
    const halt = async (): Promise<void> => {
      await svc?.runtime.shutdown('test');
      svc = undefined;
    };
    const running = (): TestService => {
      if (svc === undefined) throw new Error('service not running');
      return svc;
    };
    const rows = async (): Promise<Row[]> =>
      (
        await running().runtime.db.query<Row>(
          `SELECT source_event_id, type, properties FROM events WHERE tenant_id = $1 AND source = 'salesforce' ORDER BY seq`,
          [tenantId],
        )
      ).rows;
    const status = async (): Promise<{ followedHere: boolean; entities: EntityStatus[] }> => {
      const res = await fetch(`${running().url}/api/v1/salesforce/stream`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as { followedHere: boolean; entities: EntityStatus[] };
    };
    const contactStatus = async (): Promise<EntityStatus> => {
      const c = (await status()).entities.find((e) => e.entity === 'Contact');
      if (c === undefined) throw new Error('no Contact entry');
      return c;
    };
    const allSubscribed = () =>
      waitFor(async () => sb.pubsub.subscriptions.some((s) => s.channels.length === 5), 'five change event subscriptions');
    const queries = (): number => sb.state.requests.filter((r) => r.path.startsWith('/query')).length;

    beforeAll(async () => {
      sb = await startSalesforceSandbox({ pubsubKeepaliveMs: 200 });
    });
    afterAll(async () => {
      await halt();
      await sb.close();
      if (schema !== undefined) await dropSchema(TEST_DATABASE_URL, schema);
      if (queueName !== undefined) await obliterateQueue(queueName);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('turns record changes into Baton events, Avro decoded, with the replay id stored', async () => {
      const before = queries();
      const s = await start();
      const installed = await installOrg(s.url);
      expect(installed.status).toBe(200);
      tenantId = installed.body.tenantId;
      apiKey = installed.body.apiKey ?? '';
      await allSubscribed();
      // The install's catch-up queries (one per object) run beside the live stream; change records after them.
      await waitFor(async () => queries() >= before + 5, "the install's five catch-up queries");
      const ada = sb.state.create('Contact', { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com' }, null);
      sb.state.update('Contact', ada.Id, { Title: 'Countess' }, null);
      const lead = sb.state.create('Lead', { LastName: 'Babbage', Company: 'Engines', Email: 'charles@example.com' }, null);
      const got = await waitFor(async () => {
        const r = await rows();
        return r.filter((e) => e.properties.recordId === ada.Id).length === 2 && r.some((e) => e.properties.recordId === lead.Id)
          ? r
          : undefined;
      }, 'the three changes as events');
      const adas = got.filter((e) => e.properties.recordId === ada.Id);
      expect(adas.map((e) => e.type)).toEqual(['contact.created', 'contact.updated']);
      expect(adas[0]?.properties).toMatchObject({
        via: 'cdc',
        fields: { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com' },
      });
      expect(adas[1]?.properties.changedFields).toEqual(['Title', 'LastModifiedDate']);
      expect(adas[1]?.properties.fields?.['Title']).toBe('Countess');
      expect(got.find((e) => e.properties.recordId === lead.Id)).toMatchObject({
        type: 'lead.created',
        properties: { via: 'cdc', fields: { Company: 'Engines' } },
      });
      // Event ids carry Salesforce's replay id of the change (not Baton's own write-backs, whose echoes are
      // skipped); the stored position is at or past it (past once a keepalive said the stream is caught up).
      const header = (e: (typeof sb.state.events)[number]): { recordIds: string[]; changeType: string; changeOrigin: string } =>
        e.data.payload['ChangeEventHeader'] as never;
      const update =
        sb.state.events.find(
          (e) =>
            e.channel === '/data/ContactChangeEvent' &&
            header(e).recordIds.includes(ada.Id) &&
            header(e).changeType === 'UPDATE' &&
            !header(e).changeOrigin.includes('client=Baton'),
        )?.replayId ?? Infinity;
      expect(adas[1]?.source_event_id).toBe(`cdc:Contact:${update}:${ada.Id}`);
      await waitFor(async () => Number((await contactStatus()).replayId) >= update, 'the Contact replay id stored');
      expect(await status()).toMatchObject({ followedHere: true });
    });

    it(`requests at most ${BATCH} events at a time and asks for more only as they are handled`, async () => {
      const violationsBefore = sb.pubsub.violations.length;
      const made = Array.from({ length: 45 }, (_x, k) => sb.state.create('Contact', { LastName: `Bulk ${k}` }, null).Id);
      const got = await waitFor(async () => {
        const r = (await rows()).filter((e) => made.includes(e.properties.recordId ?? ''));
        return r.length >= made.length ? r : undefined;
      }, 'the 45 bulk changes');
      // In order, once each.
      expect(got.map((e) => e.properties.recordId)).toEqual(made);
      // The server saw no request past the outstanding limit; this stream never asked for more than its batch.
      expect(sb.pubsub.violations.length).toBe(violationsBefore);
      const contactSubs = sb.pubsub.records().filter((r) => r.channel === '/data/ContactChangeEvent');
      expect(contactSubs.length).toBeGreaterThan(0);
      for (const r of contactSubs) {
        expect(Math.max(...r.requests)).toBeLessThanOrEqual(BATCH);
        expect(r.maxPending).toBeLessThanOrEqual(BATCH);
      }
      // 45 events in batches of 10 need several top-ups on the live subscription.
      const live = contactSubs.filter((r) => r.open);
      expect(live.length).toBe(1);
      expect(live[0]?.requests.length).toBeGreaterThanOrEqual(5);
      const flow = (await contactStatus()).flow;
      expect(flow?.maxInFlight).toBeLessThanOrEqual(BATCH);
      expect(flow?.handled).toBeGreaterThanOrEqual(45);
      expect((flow?.requested ?? 0) - (flow?.handled ?? 0)).toBeLessThanOrEqual(BATCH);
    });

    it('resumes after the stored replay id on restart: changes made while down arrive once, nothing twice', async () => {
      const beforeRows = await rows();
      const storedBefore = Number((await contactStatus()).replayId);
      const ada = beforeRows.find((e) => e.type === 'contact.created')?.properties.recordId ?? '';
      await halt();
      sb.state.update('Contact', ada, { Title: 'Enchantress of Numbers' }, null);
      const leads = [0, 1, 2].map((k) => sb.state.create('Lead', { LastName: `Down ${k}`, Company: 'Gap Ltd' }, null).Id);
      const kase = sb.state.create('Case', { Subject: 'While down', Status: 'New' }, null).Id;
      const queriesBefore = queries();
      await start();
      const got = await waitFor(async () => {
        const r = await rows();
        const ok =
          leads.every((id) => r.some((e) => e.properties.recordId === id)) &&
          r.some((e) => e.properties.recordId === kase) &&
          r.some((e) => e.properties.recordId === ada && e.properties.fields?.['Title'] === 'Enchantress of Numbers');
        return ok ? r : undefined;
      }, 'the changes made while down');
      const fresh = got.slice(beforeRows.length);
      // Each change made while down once, from the event stream (not a re-read), and nothing from before again.
      expect(fresh.map((e) => e.properties.recordId).sort()).toEqual([ada, ...leads, kase].sort());
      expect(fresh.every((e) => e.properties.via === 'cdc')).toBe(true);
      expect(new Set(got.map((e) => e.source_event_id)).size).toBe(got.length);
      // Every entity had a stored position: no catch-up query was needed.
      expect(queries()).toBe(queriesBefore);
      await waitFor(async () => Number((await contactStatus()).replayId) > storedBefore, 'the Contact position moved on');
    });

    it('fills the gap by query when the stored replay id has expired, losing no change, then follows new events', async () => {
      const ada = (await rows()).find((e) => e.type === 'contact.created')?.properties.recordId ?? '';
      const expiredBefore = (await contactStatus()).expiredReplays;
      await halt();
      sb.state.update('Contact', ada, { Title: 'Analyst' }, null);
      const grace = sb.state.create(
        'Contact',
        { FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@example.com', HasOptedOutOfEmail: true, MailingCountry: 'Japan' },
        null,
      );
      const many = Array.from({ length: 8 }, (_x, k) => sb.state.create('Contact', { LastName: `Gap ${k}` }, null).Id);
      sb.state.purgeRetainedEvents(); // 72 hours pass: every stored replay id is now refused
      await start();
      const synced = await waitFor(
        async () => {
          const r = await rows();
          const g = r.find((e) => e.properties.recordId === grace.Id && e.properties.via === 'resync');
          const a = r.find(
            (e) => e.properties.recordId === ada && e.properties.via === 'resync' && e.properties.fields?.['Title'] === 'Analyst',
          );
          const all = many.every((id) => r.some((e) => e.properties.recordId === id && e.properties.via === 'resync'));
          return g !== undefined && a !== undefined && all ? { g, a } : undefined;
        },
        `all ${many.length + 2} changes made while the replay id expired, re-read by query ${RESYNC_PAGE} at a time`,
      );
      expect(synced.g).toMatchObject({
        type: 'contact.updated',
        properties: { fields: { Email: 'grace@example.com', LastName: 'Hopper', HasOptedOutOfEmail: true, MailingCountry: 'Japan' } },
      });
      const after = sb.state.create('Contact', { LastName: 'Franklin' }, null);
      await waitFor(
        async () => (await rows()).some((e) => e.properties.recordId === after.Id && e.properties.via === 'cdc'),
        'new events after the resync',
      );
      const c = await contactStatus();
      expect(c.expiredReplays).toBeGreaterThan(expiredBefore);
      expect(c.lastResyncAt).not.toBeNull();
      await waitFor(async () => Number((await contactStatus()).replayId) > sb.state.purgedThrough, 'a retained replay id stored again');
    });

    it('detects a stream that went silent, shows it, and recovers without losing the change made meanwhile', async () => {
      await allSubscribed();
      const stallsBefore = (await contactStatus()).stalls;
      expect(sb.pubsub.stall()).toBeGreaterThan(0); // every open stream stops answering, without an error
      const quiet = sb.state.create('Contact', { LastName: 'Meanwhile', Email: 'meanwhile@example.com' }, null);
      const got = await waitFor(async () => {
        const r = (await rows()).filter((e) => e.properties.recordId === quiet.Id);
        return r.length > 0 ? r : undefined;
      }, 'the change made while the stream was silent');
      expect(got).toHaveLength(1);
      expect(got[0]?.properties.via).toBe('cdc');
      const c = await contactStatus();
      expect(c.stalls).toBeGreaterThan(stallsBefore);
      expect(c.lastStallAt).not.toBeNull();
      expect(c.state).toBe('live');
      const metrics = await (await fetch(`${running().url}/metrics`)).text();
      expect(metrics).toMatch(/baton_salesforce_stream_stalls_total\{entity="Contact"\} [1-9]/);
    });

    it('renews the token when Salesforce ends the stream for an expired session, and goes on', async () => {
      await allSubscribed();
      const rotations = (): number => [...sb.state.families.values()].reduce((n, f) => n + f.rotations, 0);
      const before = rotations();
      sb.state.expireAccessTokens(); // the session times out; the refresh token stays good
      await waitFor(async () => rotations() > before, 'a token refresh after UNAUTHENTICATED');
      await allSubscribed();
      const after = sb.state.create('Lead', { LastName: 'Renewed', Company: 'Fresh' }, null);
      const got = await waitFor(async () => {
        const r = (await rows()).filter((e) => e.properties.recordId === after.Id);
        return r.length > 0 ? r : undefined;
      }, 'a change after the renewal');
      expect(got).toHaveLength(1);
      const row = await running().runtime.db.query<{ status: string }>(
        `SELECT status FROM connections WHERE tenant_id = $1 AND type = 'salesforce'`,
        [tenantId],
      );
      expect(row.rows[0]?.status).toBe('active');
    });
  });
}

describe('Pub/Sub change stream (connector, against the local server)', () => {
  let sb: SalesforceSandbox;
  let org: { orgId: string; accessToken: string; instanceUrl: string };
  beforeAll(async () => {
    sb = await startSalesforceSandbox({ pubsubKeepaliveMs: 200 });
    const app = {
      loginUrl: sb.url,
      clientId: 'sandbox-client-id',
      clientSecret: 'sandbox-client-secret',
      redirectUri: 'http://baton.test/cb',
    };
    const pending = beginAuthorization(app);
    const cb = await approve(pending.url);
    org = await exchangeCode(app, cb.get('code') ?? '', pending.codeVerifier);
  });
  afterAll(async () => {
    await sb.close();
  });

  it('subscribes again after the server ends the stream and while it answers UNAVAILABLE, with growing waits, losing nothing', async () => {
    const got: string[] = [];
    const retries: { reason: string; attempt: number; delayMs: number }[] = [];
    const failures: string[] = [];
    const stream = new ChangeStream(
      {
        endpoint: sb.pubsub.address,
        tls: false,
        retryInitialMs: 50,
        credentials: async () => ({ accessToken: org.accessToken, instanceUrl: org.instanceUrl, tenantId: org.orgId }),
      },
      new Map([['Lead', null]]),
      {
        onEvent: async (_e, m) => void got.push(...m.payload.ChangeEventHeader.recordIds),
        onReplayExpired: async () => undefined,
        onRetry: (_e, reason, attempt, delayMs) => void retries.push({ reason, attempt, delayMs }),
        onFailure: (r) => void failures.push(r),
      },
    );
    expect(await stream.start()).toEqual(['Lead']);
    await waitFor(async () => sb.pubsub.subscriptions.some((s) => s.channels.includes('/data/LeadChangeEvent')), 'the Lead subscription');
    const first = sb.state.create('Lead', { LastName: 'Before', Company: 'A' }, null).Id;
    await waitFor(async () => got.includes(first), 'the first change');
    // The service goes away for three attempts, after ending the stream cleanly.
    sb.pubsub.failSubscribes(3);
    sb.pubsub.endStreams();
    const meanwhile = sb.state.create('Lead', { LastName: 'Meanwhile', Company: 'B' }, null).Id;
    await waitFor(async () => got.includes(meanwhile), 'the change made while the service was away');
    await stream.stop();
    expect(sb.pubsub.refused).toBe(3);
    expect(retries[0]?.reason).toMatch(/ended the stream/);
    expect(retries.slice(1).map((r) => r.reason)).toEqual(Array(3).fill(expect.stringMatching(/UNAVAILABLE.*service\.unavailable/)));
    expect(retries.map((r) => r.delayMs)).toEqual([50, 100, 200, 400]);
    // Resumed from the last handled replay id: the first change was not delivered again.
    expect(got).toEqual([first, meanwhile]);
    expect(failures).toEqual([]);
  });

  it('reports a refused token as an authentication failure and subscribes to nothing', async () => {
    const failures: { reason: string; kind: string | undefined }[] = [];
    const stream = new ChangeStream(
      {
        endpoint: sb.pubsub.address,
        tls: false,
        credentials: async () => ({ accessToken: 'not-a-token', instanceUrl: org.instanceUrl, tenantId: org.orgId }),
      },
      new Map([['Contact', null]]),
      {
        onEvent: async () => undefined,
        onReplayExpired: async () => undefined,
        onFailure: (reason, _c, kind) => void failures.push({ reason, kind }),
      },
    );
    expect(await stream.start()).toEqual([]);
    await stream.stop();
    expect(failures).toEqual([{ reason: expect.stringMatching(/authentication exception/), kind: 'auth' }]);
  });

  it('leaves out an object whose topic the user may not subscribe to and follows the others', async () => {
    sb.pubsub.deniedTopics.add('/data/CaseChangeEvent');
    const refused: string[] = [];
    const failures: string[] = [];
    const got: string[] = [];
    const stream = new ChangeStream(
      {
        endpoint: sb.pubsub.address,
        tls: false,
        credentials: async () => ({ accessToken: org.accessToken, instanceUrl: org.instanceUrl, tenantId: org.orgId }),
      },
      new Map([
        ['Contact', null],
        ['Case', null],
      ]),
      {
        onEvent: async (_e, m) => void got.push(m.payload.ChangeEventHeader.entityName),
        onReplayExpired: async () => undefined,
        onTopicRefused: (entity) => void refused.push(entity),
        onFailure: (r) => void failures.push(r),
      },
    );
    try {
      expect(await stream.start()).toEqual(['Contact']);
      await waitFor(
        async () => sb.pubsub.subscriptions.some((s) => s.channels.includes('/data/ContactChangeEvent')),
        'the Contact subscription',
      );
      sb.state.create('Case', { Subject: 'Unseen' }, null);
      sb.state.create('Contact', { LastName: 'Seen' }, null);
      await waitFor(async () => got.length > 0, 'the Contact change');
      expect(got).toEqual(['Contact']);
      expect(refused).toEqual(['Case']);
      expect(failures).toEqual([]);
    } finally {
      await stream.stop();
      sb.pubsub.deniedTopics.clear();
    }
  });

  it('subscribes from LATEST before the gap is filled, so a change made while filling it still arrives', async () => {
    const old = sb.state.create('Contact', { LastName: 'Old' }, null);
    const expired = Buffer.alloc(8);
    expired.writeBigUInt64BE(BigInt(sb.state.events.at(-1)?.replayId ?? 0) - 1n);
    sb.state.purgeRetainedEvents();
    const got: ChangeEventMessage[] = [];
    const failures: string[] = [];
    let during = '';
    const stream = new ChangeStream(
      {
        endpoint: sb.pubsub.address,
        tls: false,
        credentials: async () => ({ accessToken: org.accessToken, instanceUrl: org.instanceUrl, tenantId: org.orgId }),
      },
      new Map([['Contact', expired]]),
      {
        onEvent: async (_e, m) => void got.push(m),
        onReplayExpired: async (_entity, detail) => {
          expect(detail).toMatch(/replayid\.corrupted/);
          // The owner's query runs here; a change committed meanwhile must come through the new stream.
          await waitFor(
            async () => sb.pubsub.subscriptions.some((s) => s.channels.includes('/data/ContactChangeEvent')),
            'the LATEST subscription',
          );
          during = sb.state.create('Contact', { LastName: 'During the query' }, null).Id;
          expect(got).toHaveLength(0); // the new stream's events wait for the gap to be filled
        },
        onFailure: (r) => void failures.push(r),
      },
    );
    expect(await stream.start()).toEqual(['Contact']);
    await waitFor(
      async () => got.some((m) => m.payload.ChangeEventHeader.recordIds.includes(during)),
      'the change made while the gap was filled',
    );
    await stream.stop();
    // The expired event itself is not redelivered (that is the query's job).
    expect(got.some((m) => m.payload.ChangeEventHeader.recordIds.includes(old.Id))).toBe(false);
    expect(failures).toEqual([]);
  });
});
