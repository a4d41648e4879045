import './compile-cache';
import { ConfigError, loadConfig } from './config';
import { DataDirLockedError } from './db/data-dir-lock';
import { startService } from './runtime';

/** `npm start`: the service (HTTP and workers), embedded defaults unless DATABASE_URL / REDIS_URL are set. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  let runtime;
  try {
    runtime = await startService(config);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      process.stderr.write(`baton: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const storage = runtime.db.description;
  const dispatch = runtime.dispatcher.name === 'bullmq' ? 'BullMQ on Redis' : 'in-process dispatch';
  if (runtime.url !== undefined) {
    process.stdout.write(
      `Baton is listening on ${config.publicUrl} (local ${runtime.url}; ${storage}; ${dispatch}; role ${config.role}; ready ${process.uptime().toFixed(1)} s after start)\n`,
    );
  } else {
    process.stdout.write(`Baton worker running (${storage}; ${dispatch}; ready ${process.uptime().toFixed(1)} s after start)\n`);
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      process.stderr.write('baton: second signal, exiting now\n');
      process.exit(1);
    }
    runtime
      .shutdown(signal)
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        process.stderr.write(`baton: shutdown failed: ${String(err)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`baton: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
