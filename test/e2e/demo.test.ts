/**
 * `npm run demo` end to end, as a child process on a fresh data directory: it installs a tenant
 * through the vendors' flows and prints the console URL and API key; while the population runs,
 * Baton's API shows events from every vendor, decisions and runs, and the HubSpot sandbox receives
 * Baton's writes; lift has settled observations in both the treated and the holdout group; a
 * simulated rep approved a run (one waiting for a person, or one started from an edited draft);
 * Ctrl-C (SIGINT) stops it with exit code 0; a second run resumes the same tenant.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPopulation } from '../../scripts/demo/people';
import { REP, REP_SIGNATURE } from '../../scripts/demo/population';
import { ARTIFACTS, buildConsole, CHROMIUM, chromiumInstalled, openBrowser } from '../support/browser';
import { spawnTs, type Child } from '../support/child';
import { waitFor } from '../support/services';

// Starting the service (TypeScript through tsx, PGlite, migrations) can take a while on a busy machine.
jest.setTimeout(600_000);

const PEOPLE = 20;
const SEED = 11;

interface Status {
  decisions: { total: number };
  population: { hubspotRecordWrites: number; accepted: number; approvedRunIds: string[]; draftRunIds: string[] } | null;
}
interface Counts {
  decisions: number;
  positives: number;
}
interface LiftJson {
  overall: { treated: Counts; control: Counts };
  series: { at: string; treated: Counts; control: Counts }[];
}
interface RunJson {
  id: string;
  steps: { stepId: string; input: unknown; output: { decision?: string; actor?: string } | null }[];
}

type Call = <T>(p: string) => Promise<{ status: number; body: T }>;

/**
 * The console against the running demo, as a rep would use it: sign in with the printed key, find a
 * person whose card proposes an action, accept it and see its run on the card, then open the lift
 * chart. Simulated reps work the same cards, so a person whose action they took first is skipped.
 */
async function inTheBrowser(consoleUrl: string, apiKey: string, emails: readonly string[], call: Call): Promise<void> {
  const browser = await openBrowser(path.join(ARTIFACTS, 'demo'));
  try {
    const { page } = browser;
    await page.goto(`${consoleUrl}/`);
    await page.getByLabel('Tenant API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    const accepted = await waitFor(async () => {
      for (const email of emails) {
        const found = await call<{ profiles?: { id: string }[] }>(`/profiles?email=${encodeURIComponent(email)}`);
        const id = found.body.profiles?.[0]?.id;
        if (id === undefined) continue;
        const card = await call<{ nextBestAction: { status: string; requiresApproval: boolean } | null }>(`/profiles/${id}/card`);
        const nba = card.body.nextBestAction;
        if (nba === null || nba.status !== 'proposed' || nba.requiresApproval) continue;
        await page.getByLabel('Find a person by email, phone or name').fill(email);
        await page.getByRole('button', { name: 'Search' }).click();
        // The person's own result (an email may also sit on a profile that is only a possible match).
        const result = page.getByRole('region', { name: `Results for “${email}”` }).locator(`a[href*="/profiles/${id}"]`).first();
        if (!(await result.isVisible({ timeout: 10_000 }).catch(() => false))) continue;
        await result.click();
        const accept = page.getByRole('article', { name: /^Record card for/ }).getByRole('button', { name: 'Accept', exact: true });
        if (!(await accept.isVisible({ timeout: 10_000 }).catch(() => false))) continue;
        await accept.click();
        const ok = await page.getByRole('link', { name: 'Accepted next best action' }).first().waitFor({ timeout: 15_000 }).then(() => true, () => false);
        if (ok && page.url().includes(`/profiles/${id}`)) return id;
      }
      return undefined;
    }, 'a proposed next best action accepted from the console', 180_000, 2_000);
    const runs = await call<{ runs: { id: string }[] }>(`/runs?profileId=${accepted}&playbookId=baton-accepted-action`);
    expect(runs.body.runs.length).toBeGreaterThanOrEqual(1);
    await browser.screenshot('01-accepted-on-the-card');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Lift' }).click();
    await page.getByRole('figure', { name: 'Treated and holdout conversion rates and lift over time' }).waitFor({ timeout: 30_000 });
    await browser.screenshot('02-lift');
    // Refused actions a simulated rep took first answer 409; nothing else may go wrong in the page.
    expect(browser.problems.filter((p) => !/409/.test(p.text))).toEqual([]);
  } finally {
    await browser.close();
  }
}

const t0 = Date.now();
const progress = (what: string): void => console.log(`demo e2e +${Math.round((Date.now() - t0) / 1000)} s: ${what}`);

describe('npm run demo', () => {
  let dir: string;
  const children: Child[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-demo-test-'));
    // `npm run demo` builds first; this test starts scripts/demo.ts itself, so the console must exist.
    if (!existsSync(path.resolve(__dirname, '..', '..', 'dist', 'console', 'index.html'))) await buildConsole();
  });
  afterAll(() => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (durationSeconds: number): Child => {
    const child = spawnTs('scripts/demo.ts', { PORT: '0', LOG_LEVEL: 'info' }, ['--duration', String(durationSeconds), '--people', String(PEOPLE), '--seed', String(SEED), '--data-dir', dir]);
    children.push(child);
    return child;
  };

  it('runs the population through every vendor, stops on SIGINT, and resumes the same tenant', async () => {
    // --duration is only a safety net here: the test interrupts the demo as soon as it has seen enough.
    const first = start(420);
    const consoleUrl = (await first.waitForLine(/^Console: (http:\/\/localhost:\d+\/console)$/, 180_000))[1] ?? '';
    const apiKey = (await first.waitForLine(/^API key: (bk_\S+)$/))[1] ?? '';
    const tenantId = (await first.waitForLine(/^Tenant: (ten_\S+)$/))[1] ?? '';
    const base = consoleUrl.replace(/\/console$/, '');
    const call = async <T>(p: string): Promise<{ status: number; body: T }> => {
      const r = await fetch(`${base}/api/v1${p}`, { headers: { authorization: `Bearer ${apiKey}` } });
      return { status: r.status, body: (await r.json()) as T };
    };
    progress('started and installed');
    const consolePage = await fetch(consoleUrl);
    expect([200, 503]).toContain(consolePage.status); // 503 names the build step when dist/console is missing

    // Events from every vendor, counted by the service as it stored them.
    await waitFor(async () => {
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const stored = (source: string): number => Number(new RegExp(`baton_events_ingested_total\\{source="${source}",outcome="stored"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      return ['hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp'].every((s) => stored(s) > 0);
    }, 'events from HubSpot, Salesforce, Zendesk, Twilio and WhatsApp', 120_000, 1_000);

    progress('events from every vendor');
    // Decisions on the people's profiles, found by their email like the console's search does.
    const people = buildPopulation(PEOPLE, SEED);
    await waitFor(async () => {
      for (const p of people) {
        const found = await call<{ profiles?: { id: string }[] }>(`/profiles?email=${encodeURIComponent(p.email)}`);
        const id = found.body.profiles?.[0]?.id;
        if (id === undefined) continue;
        const profile = await call<{ decision?: { decisionId: string } | null }>(`/profiles/${id}`);
        if (profile.body.decision?.decisionId !== undefined) return true;
      }
      return false;
    }, 'a decision on some profile', 120_000, 2_000);

    progress('a decision');
    await waitFor(async () => ((await call<{ runs: unknown[] }>('/runs?limit=5')).body.runs.length > 0 ? true : undefined), 'a run', 120_000, 1_000);

    progress('a run');
    // What the HubSpot sandbox received from Baton (record writes, not the install's property setup).
    const status = await waitFor(async () => {
      const s = JSON.parse(readFileSync(path.join(dir, 'demo-status.json'), 'utf8')) as Status;
      return (s.population?.hubspotRecordWrites ?? 0) > 0 ? s : undefined;
    }, 'a HubSpot write from Baton', 120_000, 1_000);
    expect(status.decisions.total).toBeGreaterThan(0);

    progress('a HubSpot write');
    // Lift compares both groups: holdout people get no automated action but still engage at their base
    // rate, and unanswered decisions settle as negative after the (compressed) attribution window.
    const lift = await waitFor(async () => {
      const r = await call<LiftJson>('/lift');
      return r.body.overall.treated.decisions > 0 && r.body.overall.control.decisions > 0 ? r.body : undefined;
    }, 'lift with treated and holdout observations', 240_000, 2_000);
    const last = lift.series.at(-1);
    expect(last?.treated).toEqual(lift.overall.treated);
    expect(last?.control).toEqual(lift.overall.control);
    expect(first.lines.some((l) => /lift so far /.test(l))).toBe(true);

    progress(`lift: treated ${lift.overall.treated.positives}/${lift.overall.treated.decisions}, holdout ${lift.overall.control.positives}/${lift.overall.control.decisions}`);
    // A simulated rep approved a run: a run waiting for a person (the approval is its step's output),
    // or the run a rep started by approving an edited draft on the card (the rep's words are sent).
    const approved = await waitFor(async () => {
      const s = JSON.parse(readFileSync(path.join(dir, 'demo-status.json'), 'utf8')) as Status;
      for (const id of [...(s.population?.approvedRunIds ?? []), ...(s.population?.draftRunIds ?? [])]) {
        const run = (await call<RunJson>(`/runs/${id}`)).body;
        if (run.steps.some((st) => st.output?.decision === 'approved' && st.output.actor === REP)) return run;
        if (run.steps.some((st) => JSON.stringify(st.input).includes(REP_SIGNATURE))) return run;
      }
      return undefined;
    }, 'a run approved by a simulated rep', 240_000, 2_000);
    expect(approved.id).toMatch(/^run_/);

    progress(`run ${approved.id} approved by a simulated rep`);
    if (chromiumInstalled()) {
      await inTheBrowser(consoleUrl, apiKey, people.map((p) => p.email), call);
      progress('signed in, found a person, accepted their next best action, saw the run and the lift chart in Chromium');
    } else {
      progress(`SKIPPED the browser part: ${CHROMIUM} is not installed (.ci/run installs it)`);
    }
    first.proc.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.lines).toContain('Stopped. Run the same command again to resume this data.');

    progress('stopped on SIGINT');
    // A second run on the same data: same tenant, nothing installed twice; it stops by itself.
    const second = start(5);
    expect((await second.waitForLine(/resuming tenant (ten_\S+)\)/, 180_000))[1]).toBe(tenantId);
    expect((await second.waitForLine(/^Tenant: (ten_\S+)$/, 180_000))[1]).toBe(tenantId);
    expect((await second.waitForLine(/^API key: (bk_\S+)$/))[1]).toBe(apiKey);
    expect(await second.exited).toBe(0);
    expect(second.lines.filter((l) => /created by the Salesforce install|action catalog loaded|playbook .* published|✓ (zendesk|twilio|whatsapp) connected$/.test(l))).toEqual([]);
    expect(second.lines.some((l) => /zendesk connection reused/.test(l))).toBe(true);
  });
});
