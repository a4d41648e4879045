/**
 * `npm run demo` end to end, as a child process on a fresh data directory: it installs a tenant
 * through the vendors' flows and prints the console URL and API key; while the population runs,
 * Baton's API shows events from every vendor, decisions and runs, and the HubSpot sandbox receives
 * Baton's writes; lift has settled observations in both the treated and the holdout group; the
 * scripted rep (scripts/demo/walkthrough.ts) accepted, snoozed, explained, approved an edited draft and
 * resumed a failed run, each checked through the API; in Chromium, the person the walkthrough left for
 * the console gets their next best action accepted from the card; Ctrl-C (SIGINT) stops it with exit
 * code 0; a second run resumes the same tenant. Every step happens on every run: only a missing
 * Chromium skips the browser part, and under CI=true that is a failure.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPopulation } from '../../scripts/demo/people';
import { REP_SIGNATURE } from '../../scripts/demo/population';
import type { WalkthroughPerson, WalkthroughReport } from '../../scripts/demo/walkthrough';
import { ARTIFACTS, buildConsole, CHROMIUM, chromiumInstalled, openBrowser } from '../support/browser';
import { spawnTs, type Child } from '../support/child';
import { requireOrSkip } from '../support/require-or-skip';
import { waitFor } from '../support/services';

// Starting the service (TypeScript through tsx, PGlite, migrations) can take a while on a busy machine.
jest.setTimeout(600_000);

const PEOPLE = 20;
const SEED = 11;

interface Status {
  decisions: { total: number };
  population: { hubspotRecordWrites: number; accepted: number; approvedRunIds: string[]; draftRunIds: string[] } | null;
  walkthrough: WalkthroughReport | null;
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
  status: string;
  steps: { stepId: string; status: string; attempts?: unknown[]; input: unknown; output: { decision?: string; actor?: string } | null }[];
}
interface DecisionJson {
  decisionId: string;
  status: string;
  action: { id: string; label: string } | null;
  explanation: { actionId: string; fate: string; blockedBy?: { policy: string } }[];
}

type Call = <T>(p: string) => Promise<{ status: number; body: T }>;

/**
 * The console against the running demo, as a rep would use it: sign in with the printed key, find the
 * person the walkthrough left a proposed "Call them" for (nobody else touches their card), accept it
 * and see its run on the card, then open the lift chart.
 */
async function inTheBrowser(consoleUrl: string, apiKey: string, person: WalkthroughPerson, call: Call): Promise<void> {
  const browser = await openBrowser(path.join(ARTIFACTS, 'demo'));
  try {
    const { page } = browser;
    await page.goto(`${consoleUrl}/`);
    await page.getByLabel('Tenant API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    await page.getByLabel('Find a person by email, phone or name').fill(person.email);
    await page.getByRole('button', { name: 'Search' }).click();
    await page
      .getByRole('region', { name: `Results for “${person.email}”` })
      .locator(`a[href*="/profiles/${person.profileId}"]`)
      .first()
      .click();
    const card = page.getByRole('article', { name: `Record card for ${person.name}` });
    const accept = card.getByRole('region', { name: 'Next best action' }).getByRole('button', { name: 'Accept', exact: true });
    await accept.waitFor({ timeout: 30_000 });
    await accept.click();
    await page.getByRole('link', { name: 'Accepted next best action' }).first().waitFor({ timeout: 30_000 });
    expect((await call<DecisionJson>(`/decisions/${person.decisionId}`)).body.status).toBe('accepted');
    const runs = await call<{ runs: { id: string }[] }>(`/runs?profileId=${person.profileId}&playbookId=baton-accepted-action`);
    expect(runs.body.runs).toHaveLength(1);
    await browser.screenshot('01-accepted-on-the-card');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Lift' }).click();
    await page.getByRole('figure', { name: 'Treated and holdout conversion rates and lift over time' }).waitFor({ timeout: 30_000 });
    await browser.screenshot('02-lift');
    expect(browser.problems).toEqual([]);
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
    const child = spawnTs('scripts/demo.ts', { PORT: '0', LOG_LEVEL: 'info' }, [
      '--duration',
      String(durationSeconds),
      '--people',
      String(PEOPLE),
      '--seed',
      String(SEED),
      '--data-dir',
      dir,
    ]);
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
    await waitFor(
      async () => {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        const stored = (source: string): number =>
          Number(new RegExp(`baton_events_ingested_total\\{source="${source}",outcome="stored"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
        return ['hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp'].every((s) => stored(s) > 0);
      },
      'events from HubSpot, Salesforce, Zendesk, Twilio and WhatsApp',
      120_000,
      1_000,
    );

    progress('events from every vendor');
    // Decisions on the people's profiles, found by their email like the console's search does.
    const people = buildPopulation(PEOPLE, SEED);
    await waitFor(
      async () => {
        for (const p of people) {
          const found = await call<{ profiles?: { id: string }[] }>(`/profiles?email=${encodeURIComponent(p.email)}`);
          const id = found.body.profiles?.[0]?.id;
          if (id === undefined) continue;
          const profile = await call<{ decision?: { decisionId: string } | null }>(`/profiles/${id}`);
          if (profile.body.decision?.decisionId !== undefined) return true;
        }
        return false;
      },
      'a decision on some profile',
      120_000,
      2_000,
    );

    progress('a decision');
    await waitFor(
      async () => ((await call<{ runs: unknown[] }>('/runs?limit=5')).body.runs.length > 0 ? true : undefined),
      'a run',
      120_000,
      1_000,
    );

    progress('a run');
    // What the HubSpot sandbox received from Baton (record writes, not the install's property setup).
    const status = await waitFor(
      async () => {
        const s = JSON.parse(readFileSync(path.join(dir, 'demo-status.json'), 'utf8')) as Status;
        return (s.population?.hubspotRecordWrites ?? 0) > 0 ? s : undefined;
      },
      'a HubSpot write from Baton',
      120_000,
      1_000,
    );
    expect(status.decisions.total).toBeGreaterThan(0);

    progress('a HubSpot write');
    // Lift compares both groups: holdout people get no automated action but still engage at their base
    // rate, and unanswered decisions settle as negative after the (compressed) attribution window.
    const lift = await waitFor(
      async () => {
        const r = await call<LiftJson>('/lift');
        return r.body.overall.treated.decisions > 0 && r.body.overall.control.decisions > 0 ? r.body : undefined;
      },
      'lift with treated and holdout observations',
      240_000,
      2_000,
    );
    const last = lift.series.at(-1);
    expect(last?.treated).toEqual(lift.overall.treated);
    expect(last?.control).toEqual(lift.overall.control);
    expect(first.lines.some((l) => /lift so far /.test(l))).toBe(true);

    progress(
      `lift: treated ${lift.overall.treated.positives}/${lift.overall.treated.decisions}, holdout ${lift.overall.control.positives}/${lift.overall.control.decisions}`,
    );
    // The scripted rep went through every step; each one is checked through Baton's API.
    const walk = await waitFor(
      async () => {
        const w = (JSON.parse(readFileSync(path.join(dir, 'demo-status.json'), 'utf8')) as Status).walkthrough;
        if (w?.status === 'failed' || w?.status === 'interrupted') throw new Error(`the walkthrough ${w.status}: ${w.error ?? ''}`);
        return w?.status === 'done' ? w : undefined;
      },
      'the walkthrough (accept, snooze, explain, approve a draft, resume a failed run)',
      240_000,
      1_000,
    );
    const { accepted, snoozed, explained, draftApproved, resumed, forYou } = walk;
    if (accepted === null || snoozed === null || explained === null || draftApproved === null || resumed === null || forYou === null)
      throw new Error(`incomplete walkthrough: ${JSON.stringify(walk)}`);
    expect(first.lines).toContain(
      `Walkthrough done: a rep accepted, snoozed, explained, approved a draft and resumed a failed run. Open ${forYou.name} (${forYou.email}) in the console to accept their next best action yourself.`,
    );
    // Accept: the decision is accepted, its run carried out the call task.
    expect((await call<DecisionJson>(`/decisions/${accepted.decisionId}`)).body.status).toBe('accepted');
    expect((await call<RunJson>(`/runs/${accepted.runId}`)).body.status).toBe('completed');
    // Snooze.
    expect((await call<DecisionJson>(`/decisions/${snoozed.decisionId}`)).body.status).toBe('snoozed');
    // Explain: every catalog action is a candidate; the requested one chosen, the others ruled out by the policy.
    const why = (await call<DecisionJson>(`/decisions/${explained.decisionId}`)).body;
    expect(why.explanation.filter((c) => c.fate === 'chosen').map((c) => c.actionId)).toEqual([why.action?.id]);
    expect(why.explanation.filter((c) => c.fate === 'blocked').every((c) => c.blockedBy?.policy === 'applicability')).toBe(true);
    expect(explained.candidates).toBe(why.explanation.length);
    // Approve a draft: the rep's edited words are in the run.
    expect((await call<DecisionJson>(`/decisions/${draftApproved.decisionId}`)).body.status).toBe('accepted');
    expect(JSON.stringify((await call<RunJson>(`/runs/${draftApproved.runId}`)).body.steps)).toContain(REP_SIGNATURE);
    // Resume a failed run: HubSpot refused the task once; resumed from the failed step, the run completed.
    expect(resumed.failedWith).toMatch(/not an active owner/);
    expect((await call<RunJson>(`/runs/${resumed.runId}`)).body.status).toBe('completed');
    progress(
      `walkthrough: accepted ${accepted.runId}, snoozed ${snoozed.decisionId}, explained ${explained.decisionId}, draft ${draftApproved.runId}, resumed ${resumed.runId}`,
    );

    if (requireOrSkip(chromiumInstalled(), `Chromium (${CHROMIUM}; .ci/run installs it)`).step('the demo in the browser')) {
      await inTheBrowser(consoleUrl, apiKey, forYou, call);
      progress(`signed in, found ${forYou.name}, accepted their next best action, saw the run and the lift chart in Chromium`);
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
    expect(
      second.lines.filter((l) =>
        /created by the Salesforce install|action catalog loaded|playbook .* published|✓ (zendesk|twilio|whatsapp) connected$/.test(l),
      ),
    ).toEqual([]);
    expect(second.lines.some((l) => /zendesk connection reused/.test(l))).toBe(true);
  });
});
