/**
 * `npm run demo`: Baton on embedded defaults (PGlite under --data-dir, in-process dispatch) with local
 * HubSpot, Salesforce, Zendesk, Twilio and WhatsApp sandboxes in this process; a demo tenant installed
 * through the real OAuth and connection flows; a simulated population that talks to Baton only
 * through the vendors' webhooks and Baton's public API. Prints the console URL, the API key and a
 * live one-line summary. Ctrl-C stops everything cleanly; a second run resumes the same data.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { parseConfig, ConfigError } from '../server/config';
import { defaultConsoleDir } from '../server/console/console.routes';
import { createLogger } from '../server/observability/logger';
import { startService, type Runtime } from '../server/runtime';
import { BatonApi } from './demo/api';
import { ArgsError, parseArgs } from './demo/args';
import { installDemoTenant } from './demo/install';
import { Population, REP, REP_SIGNATURE } from './demo/population';
import { choosePort, restoreSalesforceOrg, salesforceOrgMemory, startSandboxes, type Sandboxes } from './demo/sandboxes';
import { DemoStateFile } from './demo/state';
import { collectSummary, formatSummary, writeStatus } from './demo/summary';
import { Walkthrough } from './demo/walkthrough';
import { warehouseScene } from './demo/warehouse';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** Whether Baton's Change Data Capture subscriber is live in the Salesforce sandbox (within `timeoutMs`). */
async function subscribed(sandboxes: Sandboxes, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (sandboxes.salesforce.pubsub.subscriptions.some((s) => s.channels.includes('/data/ContactChangeEvent'))) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), process.cwd());
  } catch (err) {
    if (err instanceof ArgsError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { store, resumed } = DemoStateFile.open(args.dataDir);
  store.state.runs += 1;
  store.save();
  mkdirSync(args.dataDir, { recursive: true });
  const logFile = path.join(args.dataDir, 'baton.log');
  const logger = createLogger(process.env['LOG_LEVEL'] ?? 'info', pino.destination({ dest: logFile, sync: true }));
  const tty = process.stdout.isTTY === true;

  out(
    `Baton demo: data in ${args.dataDir}${resumed ? ` (resuming tenant ${store.state.tenantId ?? '?'})` : ''}; service log in ${logFile}`,
  );
  let sandboxes: Sandboxes | undefined;
  let runtime: Runtime | undefined;
  let population: Population | undefined;
  let walkthrough: Walkthrough | undefined;
  let stopping: Promise<void> | undefined;
  let summaryTimer: NodeJS.Timeout | undefined;
  let rememberOrg = (): void => undefined;

  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      if (summaryTimer !== undefined) clearTimeout(summaryTimer);
      if (tty) process.stdout.write('\n');
      out(`Stopping (${reason}): population, service, sandboxes…`);
      walkthrough?.stop();
      await population?.stop().catch(() => undefined);
      await runtime?.shutdown(reason).catch((err: unknown) => out(`service shutdown: ${String(err)}`));
      rememberOrg();
      await sandboxes?.close().catch(() => undefined);
      out('Stopped. Run the same command again to resume this data.');
    })();
    return stopping;
  };
  /** Stops and exits 0; if the service has not finished stopping after 30 s, says so and exits anyway. */
  const stopWithin = async (reason: string): Promise<void> => {
    const late = setTimeout(() => {
      out(`The service did not finish stopping within 30 s (see ${logFile}); exiting anyway.`);
      process.exit(0);
    }, 30_000);
    await stop(reason);
    clearTimeout(late);
    process.exit(0);
  };
  let signals = 0;
  const onSignal = (signal: string) => () => {
    signals++;
    if (signals > 1) {
      out('Second interrupt: exiting without waiting.');
      process.exit(130);
    }
    void stopWithin(signal);
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));

  try {
    const c = store.state.credentials;
    sandboxes = await startSandboxes(c, { salesforcePort: store.state.salesforcePort });
    const sandboxesNow = sandboxes;
    const sfPort = Number(new URL(sandboxes.salesforce.url).port);
    if (store.state.salesforcePort !== undefined && store.state.salesforcePort !== sfPort) {
      // Baton's stored instance URL names the old port: consent again so it learns the new one.
      delete store.state.salesforceOrg;
      out(`  (Salesforce sandbox port ${store.state.salesforcePort} is taken; the org is authorised again on ${sfPort})`);
    }
    store.state.salesforcePort = sfPort;
    store.save();
    const restored = restoreSalesforceOrg(sandboxes.salesforce, store.state.salesforceOrg);
    if (restored) out('  ✓ Salesforce sandbox org restored (tokens and change-event position)');
    rememberOrg = () => {
      store.state.salesforceOrg = salesforceOrgMemory(sandboxesNow.salesforce);
      store.save();
    };
    const envPort = Number(process.env['PORT'] ?? 3000);
    const port = await choosePort(Number.isInteger(envPort) ? envPort : 3000);
    if (envPort > 0 && port !== envPort) out(`Port ${envPort} is taken; using ${port}.`);
    const publicUrl = `http://localhost:${port}`;
    const config = parseConfig({
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      BATON_DATA_DIR: args.dataDir,
      // Embedded defaults: the demo never touches a shared PostgreSQL or Redis.
      DATABASE_URL: '',
      REDIS_URL: '',
      BATON_ROLE: 'all',
      HUBSPOT_CLIENT_ID: c.hubspot.clientId,
      HUBSPOT_CLIENT_SECRET: c.hubspot.clientSecret,
      HUBSPOT_APP_ID: '54321',
      HUBSPOT_API_BASE_URL: sandboxes.hubspot.url,
      SALESFORCE_CLIENT_ID: c.salesforce.clientId,
      SALESFORCE_CLIENT_SECRET: c.salesforce.clientSecret,
      SALESFORCE_LOGIN_URL: sandboxes.salesforce.url,
      SALESFORCE_PUBSUB_ENDPOINT: sandboxes.salesforce.pubsub.address,
      SALESFORCE_PUBSUB_TLS: 'false',
      BATON_SHUTDOWN_TIMEOUT_MS: process.env['BATON_SHUTDOWN_TIMEOUT_MS'] ?? '5000',
    });
    runtime = await startService(config, { logger });
    if (stopping !== undefined) return 0;
    const base = new BatonApi(`http://127.0.0.1:${port}`);

    const installed = await installDemoTenant(base, sandboxes, store, args.speed);
    rememberOrg();
    for (const step of installed.steps) out(`  ✓ ${step}`);
    const api = base.withKey(installed.apiKey);
    const consoleUrl = `${publicUrl}/console`;
    out('');
    out(`Console: ${consoleUrl}`);
    out(`API key: ${installed.apiKey}`);
    out(`Tenant: ${installed.tenantId}`);
    if (!existsSync(path.join(defaultConsoleDir(), 'index.html')))
      out('  (the console is not built: run `npx vite build --config extensions/console/vite.config.mts`, then reload)');
    out(
      `Sandboxes: HubSpot ${sandboxes.hubspot.url} · Salesforce ${sandboxes.salesforce.url} · Zendesk ${sandboxes.zendesk.url} · Twilio ${sandboxes.twilio.url} · WhatsApp ${sandboxes.whatsapp.url}`,
    );
    out(
      `Population: ${args.people} people, seed ${args.seed}, ${args.speed} simulated hour(s) per second.${args.durationSeconds === undefined ? ' Ctrl-C to stop.' : ` Stops after ${args.durationSeconds} s.`}`,
    );
    out('');

    const conns = store.state.connections;
    population = new Population({
      api,
      publicUrl,
      sandboxes,
      credentials: c,
      connections: { zendesk: conns.zendesk ?? '', twilio: conns.twilio ?? '', whatsapp: conns.whatsapp ?? '' },
      people: args.people,
      seed: args.seed,
      speed: args.speed,
      log: (message) => logger.warn({ demo: true }, message),
    });
    // On a first install Baton subscribes for new change events only: let the stream start before the
    // records are created. A resumed org replays from Baton's stored position, so nothing is missed.
    if (!restored && !(await subscribed(sandboxes, 60_000)))
      out(
        '  (Baton has not subscribed to Salesforce change events yet; Salesforce records created meanwhile reach it only as later changes)',
      );
    await population.seed();
    population.start();
    // Beside the random population, a scripted rep goes through every step once (scripts/demo/walkthrough.ts).
    walkthrough = new Walkthrough({
      api,
      publicUrl,
      sandboxes,
      portalId: c.hubspot.portalId,
      runNumber: store.state.runs,
      rep: REP,
      signature: REP_SIGNATURE,
      out: (line) => out(tty ? `\r\x1b[K${line}` : line),
    });
    void walkthrough.run();
    // A DuckDB warehouse with plan and usage traits that change a decision (scripts/demo/warehouse.ts).
    void warehouseScene({
      api,
      dataDir: args.dataDir,
      runNumber: store.state.runs,
      speed: args.speed,
      out: (line) => out(tty ? `\r\x1b[K${line}` : line),
    }).catch((err: unknown) => out(`  (warehouse scene: ${err instanceof Error ? err.message : String(err)})`));

    const startedAt = Date.now();
    let printedAt = 0;
    const refresh = async (): Promise<void> => {
      if (stopping !== undefined || runtime === undefined) return;
      try {
        const summary = await collectSummary(
          runtime.db,
          api,
          installed.tenantId,
          consoleUrl,
          population?.stats ?? null,
          walkthrough?.report ?? null,
        );
        writeStatus(args.dataDir, summary);
        rememberOrg(); // Salesforce rotates refresh tokens: keep the latest ones
        const line = formatSummary(summary);
        if (tty) process.stdout.write(`\r\x1b[K${line.slice(0, Math.max(40, (process.stdout.columns ?? 200) - 1))}`);
        else if (Date.now() - printedAt >= 10_000) {
          printedAt = Date.now();
          out(line);
        }
      } catch (err) {
        logger.warn({ err }, 'demo summary failed');
      }
      if (args.durationSeconds !== undefined && Date.now() - startedAt >= args.durationSeconds * 1000) {
        void stopWithin(`--duration ${args.durationSeconds}`);
        return;
      }
      if (stopping === undefined) summaryTimer = setTimeout(() => void refresh(), tty ? 2_000 : 2_000);
    };
    summaryTimer = setTimeout(() => void refresh(), 1_000);
    return await new Promise<number>(() => undefined); // runs until a signal or --duration ends the process
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`The demo could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stop('start-up failed');
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
