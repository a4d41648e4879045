/**
 * An org whose instance URL accepts connections and never answers (a stalled instance): the OAuth
 * callback still answers, the change stream gives up on its subscriptions and retries, and shutdown
 * finishes. Before the bounds, the callback waited for the stream and `stop()` for the supervision
 * round, both forever.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { CardActionRequest } from '../../../app/cards/card-view';
import { identityModule } from '../../../server/identity/identity.module';
import { runsModule } from '../../../server/runs';
import { salesforceModuleWith } from '../../../connectors/salesforce/salesforce.module';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { startTestService, type TestService } from '../../support/runtime';
import { waitFor } from '../../support/services';
import { installOrg, sfEnv, stubCards, type StubValues } from './helpers';

jest.setTimeout(120_000);

/** Fails with a message instead of hanging the suite (a liveness check, not a speed assertion). */
function finishes<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('Salesforce org whose instance URL never answers', () => {
  let sb: SalesforceSandbox;
  let svc: TestService | undefined;
  let stalled: Server;
  const held: Socket[] = [];

  beforeAll(async () => {
    stalled = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    sb = await startSalesforceSandbox({ connectHoldMs: 300 });
    const address = stalled.address();
    sb.state.instanceUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const values = new Map<string, StubValues>();
    const acts: { tenantId: string; request: CardActionRequest; source: string }[] = [];
    svc = await startTestService(
      'embedded',
      {
        modules: [
          identityModule,
          runsModule({ engine: { leaseMs: 5_000 }, stuckSweepIntervalMs: 500, stuckGraceMs: 2_000 }),
          stubCards(values, acts),
          salesforceModuleWith({
            streamPollMs: 200,
            streamLeaseMs: 3_000,
            streamRestartMs: 200,
            subscribeTimeoutMs: 1_000,
            stopTimeoutMs: 500,
            requestTimeoutMs: 1_500,
          }),
        ],
      },
      { ...sfEnv(sb), BATON_SHUTDOWN_TIMEOUT_MS: '3000' },
    );
  });
  afterAll(async () => {
    await svc?.stop();
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => stalled.close(() => resolve()));
    await sb.close();
  });

  it('answers the install callback, keeps retrying the stream and shuts down', async () => {
    const running = svc;
    if (running === undefined) throw new Error('service not started');
    const installed = await finishes(installOrg(running.url), 20_000, 'the OAuth callback');
    expect(installed.status).toBe(200);
    const row = await running.runtime.db.query<{ status: string; config: { instanceUrl?: string } }>(
      `SELECT status, config FROM connections WHERE type = 'salesforce'`,
    );
    expect(row.rows[0]).toMatchObject({ status: 'active', config: { instanceUrl: sb.state.instanceUrl } });
    // The stream's catch-up queries (and the secret hand-over) reach for the stalled instance, more than
    // once: it retries. (The Pub/Sub API is its own endpoint, so the subscriptions themselves may succeed.)
    await waitFor(async () => held.length >= 2, 'connections to the stalled instance', 30_000);
    await finishes(running.runtime.shutdown('test'), 30_000, 'shutdown');
  });
});
