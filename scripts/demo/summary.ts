/**
 * The live summary: what Baton has seen and done for the demo tenant (its own tables, read in the
 * same process), lift from the public API, and what the population saw arrive in the sandboxes.
 * Also written to `<data-dir>/demo-status.json` for scripts and tests.
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../server/db/database';
import type { BatonApi } from './api';
import type { PopulationStats } from './population';
import type { WalkthroughReport } from './walkthrough';

export interface Summary {
  readonly at: string;
  readonly tenantId: string;
  readonly consoleUrl: string;
  readonly events: { readonly total: number; readonly bySource: Record<string, number> };
  readonly decisions: { readonly total: number; readonly withAction: number; readonly holdout: number };
  readonly runs: { readonly total: number; readonly byStatus: Record<string, number> };
  readonly lift: {
    readonly treated: { decisions: number; positives: number };
    readonly control: { decisions: number; positives: number };
    readonly lift: number | null;
    readonly confidenceInterval: readonly [number, number] | null;
    readonly significant: boolean;
  } | null;
  readonly population: PopulationStats | null;
  /** The scripted rep's pass (accept, snooze, explain, approve a draft, resume a failed run). */
  readonly walkthrough: WalkthroughReport | null;
}

const num = (v: unknown): number => Number(v ?? 0);

export async function collectSummary(
  db: Database,
  api: BatonApi,
  tenantId: string,
  consoleUrl: string,
  population: PopulationStats | null,
  walkthrough: WalkthroughReport | null = null,
): Promise<Summary> {
  const [events, decisions, runs, lift] = await Promise.all([
    db.query<{ source: string; n: string }>('SELECT source, count(*) AS n FROM events WHERE tenant_id = $1 GROUP BY source', [tenantId]),
    db.query<{ total: string; with_action: string; holdout: string }>(
      'SELECT count(*) AS total, count(*) FILTER (WHERE action_id IS NOT NULL) AS with_action, count(*) FILTER (WHERE holdout) AS holdout FROM decisions WHERE tenant_id = $1',
      [tenantId],
    ),
    db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM runs WHERE tenant_id = $1 GROUP BY status', [tenantId]),
    // A busy service may answer slowly; the summary then shows the rest without lift.
    api
      .call<{ overall?: NonNullable<Summary['lift']> }>('GET', '/lift')
      .catch(() => ({ status: 0, body: {} as { overall?: NonNullable<Summary['lift']> } })),
  ]);
  const bySource: Record<string, number> = {};
  for (const r of events.rows) bySource[r.source] = num(r.n);
  const byStatus: Record<string, number> = {};
  for (const r of runs.rows) byStatus[r.status] = num(r.n);
  const d = decisions.rows[0];
  const o = lift.status === 200 ? lift.body.overall : undefined;
  return {
    at: new Date().toISOString(),
    tenantId,
    consoleUrl,
    events: { total: Object.values(bySource).reduce((a, b) => a + b, 0), bySource },
    decisions: { total: num(d?.total), withAction: num(d?.with_action), holdout: num(d?.holdout) },
    runs: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
    lift:
      o === undefined
        ? null
        : { treated: o.treated, control: o.control, lift: o.lift, confidenceInterval: o.confidenceInterval, significant: o.significant },
    population,
    walkthrough,
  };
}

const pct = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(0)}%`;
const SHORT: Record<string, string> = { hubspot: 'hs', salesforce: 'sf', zendesk: 'zd', twilio: 'sms', whatsapp: 'wa' };

/** One line: events (by source), decisions, runs, lift, and Baton's writes into the sandboxes. */
export function formatSummary(s: Summary): string {
  const sources = Object.entries(s.events.bySource)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${SHORT[k] ?? k} ${v}`)
    .join(' · ');
  const active = (s.runs.byStatus['running'] ?? 0) + (s.runs.byStatus['waiting'] ?? 0) + (s.runs.byStatus['pending'] ?? 0);
  const failed = s.runs.byStatus['failed'] ?? 0;
  const l = s.lift;
  const groups =
    l === null ? '' : `(treated ${l.treated.positives}/${l.treated.decisions}, holdout ${l.control.positives}/${l.control.decisions})`;
  const lift =
    l === null
      ? 'lift n/a'
      : l.lift === null
        ? `lift so far pending ${groups}`
        : `lift so far ${pct(l.lift)}${l.confidenceInterval === null ? '' : ` [${pct(l.confidenceInterval[0])}, ${pct(l.confidenceInterval[1])}]`}${l.significant ? ' significant' : ''} ${groups}`;
  const p = s.population;
  const reps = p === null ? '' : ` · reps approved ${p.runApprovals} run(s), ${p.draftsApproved} draft(s)`;
  const writes =
    p === null
      ? ''
      : `${reps} · Baton wrote: hs ${p.batonWrites.hubspot} sf ${p.batonWrites.salesforce} sms ${p.batonWrites.sms} wa ${p.batonWrites.whatsapp} zd ${p.batonWrites.zendesk}`;
  const sim = p === null ? '' : `day ${Math.floor(p.simulatedHours / 24) + 1} · `;
  return `${sim}events ${s.events.total} (${sources || 'none yet'}) · decisions ${s.decisions.total} · runs ${s.runs.total} (${active} active, ${failed} failed) · ${lift}${writes}`;
}

export function writeStatus(dataDir: string, s: Summary): void {
  const file = path.join(dataDir, 'demo-status.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
