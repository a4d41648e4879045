import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { readLock } from '../db/data-dir-lock';
import { createTenant, type CreatedTenant } from '../tenants/tenants.repository';
import { withDatabase } from './database';
import { CliUsageError, type CliCommand } from './io';

const USAGE = 'usage: baton tenants create --name NAME';

/** When the service holds the embedded database, the CLI asks it over loopback instead of opening the files. */
async function createThroughService(url: string, adminToken: string, name: string): Promise<CreatedTenant> {
  const res = await fetch(`${url}/internal/admin/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-baton-admin-token': adminToken },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as CreatedTenant & { error?: { message: string } };
  if (!res.ok) throw new Error(`the running service refused: ${body.error?.message ?? res.statusText}`);
  return { tenantId: body.tenantId, apiKey: body.apiKey };
}

export const tenantsCommand: CliCommand = async (args, io) => {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new CliUsageError(sub === undefined ? USAGE : `unknown tenants command "${sub}"\n${USAGE}`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { name: { type: 'string' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const name = parsed.values.name?.trim();
  if (name === undefined || name === '') throw new CliUsageError(`--name is required\n${USAGE}`);
  if (name.length > 200) throw new CliUsageError('--name must be at most 200 characters');

  const config = loadConfig();
  let created: CreatedTenant;
  const holder = config.databaseUrl === undefined ? readLock(config.dataDir) : undefined;
  if (holder !== undefined) {
    if (holder.url === undefined || holder.adminToken === undefined) {
      io.stderr.write(`baton: the service (pid ${holder.pid}) holding ${config.dataDir} is still starting; try again in a few seconds.\n`);
      return 1;
    }
    created = await createThroughService(holder.url, holder.adminToken, name);
  } else {
    created = await withDatabase((db) => createTenant(db, name));
  }
  io.stdout.write(`${JSON.stringify(created)}\n`);
  return 0;
};
