/**
 * The demo's warehouse: a DuckDB file generated at start (`<data-dir>/warehouse/warehouse.duckdb`,
 * never committed) with each account's plan and weekly active users, connected as a `warehouse`
 * connection. An engagement policy reads those traits (`profile.traits.plan`,
 * `profile.traits.weekly_active_users`): free accounts with little usage get no call from a rep.
 * The scene prints a decision for one such account, upgrades it in the warehouse, syncs again
 * (incrementally: one row) and prints the decision that changed.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { BatonApi } from './api';
import { demoPolicies } from './catalog';

export const WAREHOUSE_CALL_POLICY = {
  id: 'warehouse-calls-for-engaged-accounts',
  kind: 'eligibility',
  description: 'Reps call accounts the warehouse knows only when they pay for enterprise or use the product (≥ 20 weekly active users).',
  rule: {
    or: [
      { '!=': [{ var: 'action.id' }, 'call-task'] },
      { '!': [{ var: 'profile.traits.plan' }] },
      { '==': [{ var: 'profile.traits.plan' }, 'enterprise'] },
      { '>=': [{ var: 'profile.traits.weekly_active_users' }, 20] },
    ],
  },
} as const;

interface Account {
  readonly first: string;
  readonly last: string;
  readonly plan: 'free' | 'pro' | 'enterprise';
  readonly users: number;
}

const ACCOUNTS: readonly Account[] = [
  { first: 'Morgan', last: 'Diaz', plan: 'free', users: 3 },
  { first: 'Avery', last: 'Chen', plan: 'free', users: 2 },
  { first: 'Jordan', last: 'Okafor', plan: 'free', users: 4 },
  { first: 'Riley', last: 'Novak', plan: 'enterprise', users: 140 },
  { first: 'Casey', last: 'Moreau', plan: 'pro', users: 35 },
  { first: 'Quinn', last: 'Larsen', plan: 'free', users: 1 },
];

interface SyncJson {
  status: string;
  rowsRead: number;
  profilesMatched: number;
  profilesCreated: number;
  rowsRejected: number;
  error: string | null;
}
interface DecisionJson {
  holdout: boolean;
  action: { id: string; label: string } | null;
  explanation: { actionId: string; fate: string; blockedBy?: { policy: string; reason: string } }[];
}

async function withDuck(
  file: string,
  fn: (run: (sql: string, values?: (string | number)[]) => Promise<void>) => Promise<void>,
): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  try {
    await fn(async (sql, values) => {
      await c.run(sql, values);
    });
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

const emailOf = (a: Account, run: number): string => `${a.first}.${a.last}.r${run}@usage-demo.example`.toLowerCase();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function sync(api: BatonApi, connectionId: string): Promise<SyncJson> {
  const { syncId } = await api.ok<{ syncId: string }>('POST', `/connections/${connectionId}/sync`);
  const done = await until(async () => {
    const s = await api.ok<SyncJson>('GET', `/connections/${connectionId}/syncs/${syncId}`);
    return s.status === 'succeeded' || s.status === 'failed' ? s : undefined;
  }, 'the warehouse sync');
  if (done.status === 'failed') throw new Error(`the warehouse sync failed: ${done.error ?? '?'}`);
  return done;
}

const callDecision = (d: DecisionJson): string => {
  if (d.action?.id === 'call-task') return `"${d.action.label}" proposed`;
  const blocked = d.explanation.find((e) => e.actionId === 'call-task')?.blockedBy;
  if (blocked === undefined) return 'no call';
  return blocked.reason.includes(WAREHOUSE_CALL_POLICY.id) ? `no call (policy ${WAREHOUSE_CALL_POLICY.id})` : `no call (${blocked.reason})`;
};

export async function warehouseScene(options: {
  api: BatonApi;
  dataDir: string;
  runNumber: number;
  speed: number;
  out: (line: string) => void;
}): Promise<void> {
  const { api, out } = options;
  const dir = path.join(path.resolve(options.dataDir), 'warehouse');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'warehouse.duckdb');
  const start = Date.now();
  await withDuck(file, async (run) => {
    await run('CREATE OR REPLACE TABLE accounts (email VARCHAR, plan VARCHAR, weekly_active_users INTEGER, updated_at TIMESTAMP)');
    for (const [i, a] of ACCOUNTS.entries()) {
      await run('INSERT INTO accounts VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP))', [
        emailOf(a, options.runNumber),
        a.plan,
        a.users,
        new Date(start - (ACCOUNTS.length - i) * 1000).toISOString(),
      ]);
    }
  });

  // The people, known from the CRM first; the warehouse adds their plan and usage.
  const profiles = new Map<Account, string>();
  for (const a of ACCOUNTS) {
    const r = await api.ok<{ profileId: string }>('POST', '/events', {
      source: 'api',
      type: 'contact.created',
      occurredAt: new Date().toISOString(),
      subject: { identifiers: [{ type: 'email', value: emailOf(a, options.runNumber) }], traits: { firstName: a.first, lastName: a.last } },
    });
    profiles.set(a, r.profileId);
  }

  const policies = await api.ok<{ policies: { engagementPolicies: { id: string }[] } }>('GET', '/policies');
  if (!policies.policies.engagementPolicies.some((p) => p.id === WAREHOUSE_CALL_POLICY.id)) {
    const base =
      policies.policies.engagementPolicies.length > 0
        ? policies.policies
        : (demoPolicies(options.speed) as { engagementPolicies: { id: string }[] });
    await api.ok('PUT', '/policies', { ...base, engagementPolicies: [...base.engagementPolicies, WAREHOUSE_CALL_POLICY] });
  }

  const connection = await api.ok<{ connectionId: string }>('POST', '/connections', {
    type: 'warehouse',
    config: {
      engine: 'duckdb',
      path: file,
      query: 'SELECT email, plan, weekly_active_users, updated_at FROM accounts',
      identifiers: { email: 'email' },
      traits: ['plan', 'weekly_active_users'],
      cursor: 'updated_at',
      exportTable: 'baton_export',
    },
  });
  const first = await sync(api, connection.connectionId);
  out(
    `  ✓ warehouse: ${file} (plan and weekly active users of ${ACCOUNTS.length} accounts); sync read ${first.rowsRead} rows, ${first.profilesMatched} matched, ${first.profilesCreated} new`,
  );

  const traitsOf = async (profileId: string): Promise<Record<string, unknown>> =>
    (await api.ok<{ traits: Record<string, unknown> }>('GET', `/profiles/${profileId}`)).traits;
  const ask = (profileId: string): Promise<DecisionJson> =>
    api.ok<DecisionJson>('POST', '/decisions', { profileId, context: { requestedAction: 'call-task' } });

  // The first free, low-usage account outside the holdout (holdout people get no action at all).
  let chosen: { account: Account; profileId: string; before: DecisionJson } | undefined;
  for (const a of ACCOUNTS.filter((x) => x.plan === 'free')) {
    const profileId = profiles.get(a) ?? '';
    await until(async () => ((await traitsOf(profileId))['plan'] === a.plan ? true : undefined), 'the warehouse traits on the profile');
    const before = await ask(profileId);
    if (!before.holdout) {
      chosen = { account: a, profileId, before };
      break;
    }
  }
  if (chosen === undefined) {
    out('  (warehouse: every free account fell in the holdout this run; no decision to show)');
    return;
  }
  const name = `${chosen.account.first} ${chosen.account.last}`;
  out(
    `  Warehouse says ${name} is on the free plan with ${chosen.account.users} weekly active users → asked for a call: ${callDecision(chosen.before)}`,
  );

  await withDuck(file, async (run) => {
    await run('UPDATE accounts SET plan = $2, weekly_active_users = $3, updated_at = CAST($4 AS TIMESTAMP) WHERE email = $1', [
      emailOf(chosen.account, options.runNumber),
      'enterprise',
      85,
      new Date(Date.now() + 1000).toISOString(),
    ]);
  });
  const second = await sync(api, connection.connectionId);
  await until(
    async () => ((await traitsOf(chosen.profileId))['plan'] === 'enterprise' ? true : undefined),
    'the upgraded plan on the profile',
  );
  const after = await ask(chosen.profileId);
  out(
    `  ${name} upgrades to enterprise with 85 weekly active users in the warehouse; the next sync read ${second.rowsRead} new row (trait.changed) → asked again: ${callDecision(after)}`,
  );
}
