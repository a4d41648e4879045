import type { CardActionRequest } from '../../../app/cards/card-view';
import { dropSchema } from '../../../server/db/postgres';
import type { Runtime } from '../../../server/runtime';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { describeWith, TEST_DATABASE_URL, uniqueName, waitFor } from '../../support/services';
import { installOrg, sfModules, startOnSchema, type StubValues } from './helpers';

interface Row {
  source_event_id: string;
  type: string;
  properties: { recordId?: string; via?: string; fields?: Record<string, unknown> };
}

describeWith(['postgres'], 'Salesforce change events across restarts (PostgreSQL)', () => {
  let sb: SalesforceSandbox;
  let rt: Runtime | undefined;
  const schema = uniqueName('sf');
  const values = new Map<string, StubValues>();
  const acts: { tenantId: string; request: CardActionRequest; source: string }[] = [];
  let tenantId = '';

  const start = async (): Promise<Runtime> => {
    await stop();
    rt = await startOnSchema(schema, sb, sfModules(values, acts));
    return rt;
  };
  const stop = async (): Promise<void> => {
    await rt?.shutdown('test');
    rt = undefined;
  };
  const rows = async (r: Runtime): Promise<Row[]> =>
    (
      await r.db.query<Row>(
        `SELECT source_event_id, type, properties FROM events WHERE tenant_id = $1 AND source = 'salesforce' ORDER BY seq`,
        [tenantId],
      )
    ).rows;
  /** The stored Contact replay id as the sandbox's number (Pub/Sub replay ids are 8 bytes, big-endian). */
  const storedContactReplay = async (r: Runtime): Promise<number> => {
    const stored = await r.db.query<{ replay_id: Uint8Array | null }>(
      `SELECT replay_id FROM salesforce_stream_positions WHERE tenant_id = $1 AND channel = '/data/ContactChangeEvent'`,
      [tenantId],
    );
    const bytes = stored.rows[0]?.replay_id;
    return bytes === null || bytes === undefined || bytes.length !== 8 ? 0 : Number(Buffer.from(bytes).readBigUInt64BE());
  };
  const subscribed = () => waitFor(async () => sb.pubsub.subscriptions.some((s) => s.channels.length === 5), 'five CDC subscriptions');

  beforeAll(async () => {
    sb = await startSalesforceSandbox({ connectHoldMs: 300 });
  });
  afterAll(async () => {
    await stop();
    await sb.close();
    await dropSchema(TEST_DATABASE_URL, schema);
  });

  it('resumes from the stored replay id after a restart: changes made while down arrive once, nothing twice', async () => {
    const queriesBefore = sb.state.requests.filter((r) => r.path.startsWith('/query')).length;
    const r1 = await start();
    const installed = await installOrg(r1.url ?? '');
    tenantId = installed.body.tenantId;
    await subscribed();
    // The install's gap-filling queries (one per object) run beside the live stream; a record created
    // before they ran would arrive both ways. Create after them, so each change has one way in.
    await waitFor(
      async () => sb.state.requests.filter((r) => r.path.startsWith('/query')).length >= queriesBefore + 5,
      "the install's five catch-up queries",
    );
    const ada = sb.state.create('Contact', { LastName: 'Lovelace', Email: 'ada@example.com' }, null);
    await waitFor(async () => (await rows(r1)).some((e) => e.properties.recordId === ada.Id), 'the first event');
    // The replay id is written right after the event is stored.
    await waitFor(async () => (await storedContactReplay(r1)) > 0, 'the Contact replay id stored');
    await stop();

    sb.state.update('Contact', ada.Id, { Title: 'Countess' }, null);
    const bob = sb.state.create('Lead', { LastName: 'Babbage', Company: 'Engines' }, null);
    const r2 = await start();
    await waitFor(async () => {
      const got = await rows(r2);
      return (
        got.some((e) => e.properties.recordId === bob.Id) &&
        got.some((e) => e.properties.recordId === ada.Id && e.type === 'contact.updated')
      );
    }, 'the changes made while down');
    const all = await rows(r2);
    expect(all.filter((e) => e.properties.recordId === ada.Id).map((e) => e.type)).toEqual(['contact.created', 'contact.updated']);
    // Lead had no stored position yet (no Lead event before the stop): it is filled by query, once.
    expect(all.filter((e) => e.properties.recordId === bob.Id)).toHaveLength(1);
    expect(all.every((e) => e.properties.via === 'cdc' || e.properties.via === 'resync')).toBe(true);
    expect(new Set(all.map((e) => e.source_event_id)).size).toBe(all.length);
    await stop();
  });

  it('re-synchronises by query when the stored replay id has expired (72 h retention)', async () => {
    const grace = sb.state.create('Contact', { LastName: 'Hopper', Email: 'grace@example.com' }, null);
    sb.state.purgeRetainedEvents();
    const r3 = await start();
    const synced = await waitFor(
      async () => (await rows(r3)).find((e) => e.properties.recordId === grace.Id && e.properties.via === 'resync'),
      'the resync event for the record changed while the replay id expired',
    );
    expect(synced.type).toBe('contact.updated');
    expect(synced.properties.fields?.['Email']).toBe('grace@example.com');
    await subscribed();
    const after = sb.state.create('Contact', { LastName: 'Franklin' }, null);
    await waitFor(
      async () => (await rows(r3)).some((e) => e.properties.recordId === after.Id && e.properties.via === 'cdc'),
      'new events after the resync',
    );
    await waitFor(async () => (await storedContactReplay(r3)) > sb.state.purgedThrough, 'a retained replay id stored again');
  });
});
