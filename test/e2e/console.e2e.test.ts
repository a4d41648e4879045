/**
 * The console in a real browser (Debian Chromium via playwright-core) against the real service,
 * in-process on embedded defaults with the console freshly built: sign in, find a profile, open its
 * card, start a run and see it, resume a failed run, explain a decision, open the lift charts and the
 * settings. Any browser console error fails the test. Screenshots go to test-artifacts/console/.
 *
 * Every step runs and asserts on every run: the data is seeded so that each one can (no holdout and
 * quiet hours off for the people it decides for, an action needing approval for the draft, a port that
 * refuses the "flaky" step once for the failed run). Only a missing Chromium skips the suite, and
 * under CI=true that is a failure (test/support/require-or-skip).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionPort } from '../../app/orchestration';
import { permanentError } from '../../app/orchestration';
import type { ModuleFactory } from '../../server/module';
import { modules as defaultModules } from '../../server/modules';
import { ACTION_REGISTRY } from '../../server/runs';
import { RecordingActionPort } from '../support/recording-action-port';
import { createTenant } from '../../server/tenants/tenants.repository';
import { ARTIFACTS, buildConsole, chromiumInstalled, CHROMIUM, openBrowser, type Browser } from '../support/browser';
import { effectsOfRun } from '../support/recording-action-port';
import { requireOrSkip } from '../support/require-or-skip';
import { startTestService, type TestService } from '../support/runtime';
import { waitFor } from '../support/services';

/**
 * The e2e tenant has no CRM connected: its notes are recorded in the effect ledger (vendor recorder), and those of a step
 * named "flaky" are refused once per run, so the run parks as failed and can be resumed.
 */
const flakyNotes: ModuleFactory = (ctx) => {
  const log = new RecordingActionPort(ctx.db);
  const refused = new Set<string>();
  const port: ActionPort = {
    async execute(request) {
      if (!refused.has(request.runId)) {
        refused.add(request.runId);
        return { ok: false, error: permanentError('vendor_refused', 'the vendor refused the note (e2e)') };
      }
      return log.execute(request);
    },
  };
  ctx.services
    .require(ACTION_REGISTRY)
    .register('note', { execute: (r) => (r.stepId === 'flaky' ? port.execute(r) : log.execute(r)) }, { name: 'e2e-notes' });
  return { name: 'e2e-flaky-notes' };
};

const CATALOG = [
  { id: 'call-lead', label: 'Call the lead', channel: 'task', value: 120 },
  { id: 'demo-invite', label: 'Send a demo invite', channel: 'email', value: 80, cost: 1 },
];

requireOrSkip(chromiumInstalled(), `Chromium (${CHROMIUM}; apt-get install -y --no-install-recommends chromium)`).describe(
  'console end to end in Chromium',
  () => {
    let svc: TestService;
    let browser: Browser;
    let apiKey = '';
    let tenantId = '';
    let profileId = '';
    let graceId = '';
    let linusId = '';
    /** Browser console warnings (errors are in browser.problems). */
    const warnings: string[] = [];

    async function call(method: string, p: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
      const res = await fetch(`${svc.url}/api/v1${p}`, {
        method,
        headers: { Authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
    }

    beforeAll(async () => {
      await buildConsole();
      svc = await startTestService('embedded', { modules: [...defaultModules, flakyNotes] });
      ({ apiKey, tenantId } = await createTenant(svc.runtime.db, 'Console e2e'));
      // Decisioning first, so the events below already get a next best action: a small catalog of actions
      // nobody is suppressed from (a call task is not promotional), nobody held out (the holdout group is
      // assigned at a person's first decision and kept; the lift step raises the share for its own people),
      // and no quiet hours, so whether the email is deferred does not depend on the time of day.
      expect((await call('PUT', '/actions', { actions: CATALOG })).status).toBe(200);
      expect((await call('PUT', '/policies', { holdout: { share: 0 }, quietHours: { enabled: false } })).status).toBe(200);
      const people = [
        {
          identifiers: [
            { type: 'email', value: 'ada.lovelace@analytical-engines.io' },
            { type: 'phone', value: '+44 20 7946 0958' },
          ],
          traits: { firstName: 'Ada', lastName: 'Lovelace' },
          text: 'Could we book a demo next week? We are ready to buy.',
        },
        {
          identifiers: [{ type: 'email', value: 'grace.hopper@cobol-works.com' }],
          traits: { firstName: 'Grace', lastName: 'Hopper' },
          text: 'My invoice is wrong again, please fix it.',
        },
        {
          identifiers: [{ type: 'phone', value: '+1 (415) 555-0100' }],
          traits: { firstName: 'Linus', lastName: 'Pauling' },
          text: 'Please call me back about pricing.',
        },
      ];
      for (const [i, p] of people.entries()) {
        const r = await call('POST', '/events', {
          source: 'hubspot',
          type: 'form_submitted',
          occurredAt: new Date(Date.now() - (10 - i) * 60_000).toISOString(),
          subject: { identifiers: p.identifiers, traits: p.traits },
          text: p.text,
        });
        expect(r.status).toBe(202);
        if (i === 0) profileId = String(r.json['profileId']);
        if (i === 1) graceId = String(r.json['profileId']);
        if (i === 2) linusId = String(r.json['profileId']);
      }
      await call('POST', '/playbooks', {
        id: 'console-e2e',
        name: 'Console e2e',
        steps: [
          { id: 'hello', kind: 'action', action: { type: 'note', params: { body: 'hello' } } },
          { id: 'flaky', kind: 'action', action: { type: 'note', params: { body: 'refused once' } }, retry: { maxAttempts: 1 } },
          { id: 'sign-off', kind: 'wait', wait: { type: 'approval', timeout: '1d', prompt: 'Send the goodbye note?' } },
          { id: 'bye', kind: 'action', action: { type: 'note', params: { body: 'bye' } } },
        ],
      });
      expect((await call('POST', '/playbooks/console-e2e/publish', {})).status).toBe(200);
      // Every route the console uses is Baton's own: none may be missing.
      for (const p of ['/lift', '/connections', '/decisions?limit=1', `/profiles/${profileId}/card`])
        expect({ p, status: (await call('GET', p)).status }).toEqual({ p, status: 200 });
      // The pipeline decides after ingest: Ada and Grace each have an open next best action before any step starts.
      for (const [who, id] of [
        ['Ada', profileId],
        ['Grace', graceId],
      ] as const) {
        await waitFor(
          async () => {
            const nba = (await call('GET', `/profiles/${id}/card`)).json['nextBestAction'] as { status?: string } | null;
            return nba?.status === 'proposed' || undefined;
          },
          `a proposed next best action on ${who}'s card`,
          60_000,
          200,
        );
      }
      browser = await openBrowser(path.join(ARTIFACTS, 'console'));
      browser.page.on('console', (msg) => {
        if (msg.type() === 'warning') warnings.push(`${msg.text()} (${msg.location().url})`);
      });
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    const text = () => browser.page.locator('main').innerText();

    /**
     * axe-core (node_modules/axe-core, there through @sa11y) on the page as it is: no serious or
     * critical violation. Evaluated through the DevTools protocol, which the console's CSP does not cover.
     */
    const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    async function expectAccessible(where: string): Promise<void> {
      const { page } = browser;
      if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE);
      const violations = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')))`)) as string[];
      expect({ where, violations }).toEqual({ where, violations: [] });
    }

    /** Presses Tab until the focused element's accessible text matches, failing after `max` presses; checks the focus is drawn. */
    async function tabTo(name: RegExp, max = 60): Promise<void> {
      const { page } = browser;
      const seen: string[] = [];
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const focused = (await page.evaluate(`(() => { const e = document.activeElement; if (!e) return null;
        const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';
        return { text: (e.getAttribute('aria-label') || label || e.innerText || e.value || '').trim(), outline: getComputedStyle(e).outlineStyle }; })()`)) as {
          text: string;
          outline: string;
        } | null;
        seen.push(focused?.text.slice(0, 40) ?? '(nothing)');
        if (focused !== null && name.test(focused.text)) {
          expect({ focused: focused.text, outline: focused.outline }).toEqual({
            focused: focused.text,
            outline: expect.not.stringMatching(/^none$/),
          });
          return;
        }
      }
      throw new Error(`${max} presses of Tab never reached ${String(name)}; focus went to: ${seen.join(' | ')}`);
    }

    /** Polls an expression in the page through DevTools (waitForFunction's string form is eval, which the CSP refuses). */
    const until = (expression: string, what: string): Promise<true> =>
      waitFor(async () => (await browser.page.evaluate(expression)) === true || undefined, what, 5_000);

    /** Everything that looks clickable is a real control (a link, button, summary, label or form field), not a div. */
    async function expectClickablesAreControls(where: string): Promise<void> {
      const odd = (await browser.page.evaluate(`[...document.querySelectorAll('body *')]
      .filter((e) => getComputedStyle(e).cursor === 'pointer' && !e.closest('a, button, summary, label, select, input, textarea, .recharts-wrapper'))
      .map((e) => e.tagName.toLowerCase() + '.' + e.className)`)) as string[];
      expect({ where, odd }).toEqual({ where, odd: [] });
    }

    /** Sixteen more people, about half of them in the holdout, each decided once, two thirds with a positive outcome: lift has data. */
    async function population(): Promise<void> {
      expect((await call('PUT', '/policies', { holdout: { share: 0.5 } })).status).toBe(200);
      for (let i = 0; i < 16; i++) {
        const ev = await call('POST', '/events', {
          source: 'hubspot',
          type: 'contact.updated',
          occurredAt: new Date().toISOString(),
          subject: {
            identifiers: [{ type: 'email', value: `person${i}@lift-sample.io` }],
            traits: { firstName: `Person${i}`, lastName: 'Sample' },
          },
        });
        const decision = await call('POST', '/decisions', { profileId: ev.json['profileId'] });
        expect(decision.status).toBe(200);
        const outcome = i % 3 === 0 ? 'negative' : 'positive';
        expect((await call('POST', `/decisions/${String(decision.json['decisionId'])}/outcome`, { outcome })).status).toBe(200);
      }
      // The API settles outcomes "now": spread them over four days so lift over time has a point per day.
      await svc.runtime.db.query(
        `UPDATE decision_outcomes o SET at = o.at - (r.n % 4) * interval '1 day'
         FROM (SELECT decision_id, row_number() OVER (ORDER BY decision_id) AS n FROM decision_outcomes WHERE tenant_id = $1) r
        WHERE o.tenant_id = $1 AND o.decision_id = r.decision_id`,
        [tenantId],
      );
    }

    it('serves the console with its own CSP and falls back to the app for deep links', async () => {
      const res = await fetch(`${svc.url}/console/runs/anything`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<div id="root">');
      expect((await fetch(`${svc.url}/console/assets/nope.js`)).status).toBe(404);
    });

    it('signs in with the tenant API key (kept in sessionStorage only)', async () => {
      const { page } = browser;
      await page.goto(`${svc.url}/console/`);
      // A wrong key first: refused with the server's reason, nothing kept (its 401 is tolerated below, by name).
      await page.getByLabel('Tenant API key').fill('not-a-key');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'Not signed in: the API key is not valid' }).waitFor();
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      await expectAccessible('sign-in with an error');
      await page.getByLabel('Tenant API key').fill(apiKey);
      await browser.screenshot('01-sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      expect(await page.evaluate('[sessionStorage.getItem("baton.console.apiKey"), localStorage.length, document.cookie]')).toEqual([
        apiKey,
        0,
        '',
      ]);
      expect(await page.context().cookies()).toEqual([]);
    });

    it('finds a profile by name and by email and opens its record', async () => {
      const { page } = browser;
      await page.getByLabel('Find a person by email, phone or name').fill('lovelace');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'Ada Lovelace' }).click();
      await page.waitForURL(`**/console/profiles/${profileId}?q=lovelace`);
      await page.getByLabel('Find a person by email, phone or name').fill('grace.hopper@cobol-works.com');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
      expect(await page.getByRole('link', { name: 'Ada Lovelace' }).count()).toBe(0);
      // A phone in any format finds the number stored as E.164 (+14155550100, +442079460958).
      for (const typed of ['4155550100', '+1 (415) 555-0100', '415.555.0100', '1-415-555-0100']) {
        await page.getByLabel('Find a person by email, phone or name').fill(typed);
        await page.getByRole('button', { name: 'Search' }).click();
        await page
          .getByRole('region', { name: `Results for “${typed}”` })
          .getByRole('link', { name: 'Linus Pauling', exact: true })
          .waitFor();
        expect(
          await page
            .getByRole('region', { name: /^Results for/ })
            .getByRole('link')
            .count(),
        ).toBe(1);
      }
      await page.getByLabel('Find a person by email, phone or name').fill('020 7946 0958');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('region', { name: 'Results for “020 7946 0958”' }).getByRole('link', { name: 'Ada Lovelace' }).waitFor();
      // An unknown profile: a clear error with a retry.
      await page.goto(`${svc.url}/console/profiles/prof_nobody`);
      await page
        .getByRole('alert')
        .filter({ hasText: 'no profile prof_nobody in your tenant' })
        .getByRole('button', { name: 'Try again' })
        .waitFor();
      // Nobody: the empty state, not an error.
      await page.getByLabel('Find a person by email, phone or name').fill('nobody-here@nowhere-corp.com');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('Nobody matches.').waitFor();
      await page.goto(`${svc.url}/console/profiles/${profileId}`);
      await page.getByRole('article', { name: /Record card for Ada Lovelace/i }).waitFor();
      const t = await text();
      for (const heading of ['Next best action', 'Runs', 'Linked identities', 'Signals']) expect(t).toContain(heading);
      expect(t).toContain('ada.lovelace@analytical-engines.io');
      for (const fact of ['Stage', 'Time in stage', 'Hotness']) expect(t).toContain(fact);
      await expectAccessible('record card');
      await expectClickablesAreControls('record card');
      await browser.screenshot('02-record');
    });

    it('accepts the next best action from the card and sees its run', async () => {
      const { page } = browser;
      const accept = page.getByRole('region', { name: 'Next best action' }).getByRole('button', { name: 'Accept', exact: true });
      await accept.waitFor();
      expect(await accept.isEnabled()).toBe(true);
      await accept.click();
      await page
        .getByRole('status')
        .filter({ hasText: /accept/i })
        .first()
        .waitFor();
      await page.getByRole('link', { name: 'Accepted next best action' }).first().waitFor();
      const runs = (await call('GET', `/runs?profileId=${profileId}&playbookId=baton-accepted-action`)).json['runs'] as unknown[];
      expect(runs).toHaveLength(1);
      await browser.screenshot('03-accepted');
    });

    it('starts a playbook from the record view and sees the run', async () => {
      const { page } = browser;
      await page.getByLabel('Playbook', { exact: true }).selectOption('console-e2e');
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await page.getByText(/Started console-e2e|Already running: console-e2e/).waitFor();
      const runs = await waitFor(async () => {
        const r = await call('GET', `/runs?profileId=${profileId}&playbookId=console-e2e`);
        const list = r.json['runs'] as { id: string; status: string }[];
        return list.length > 0 ? list : undefined;
      }, 'the run to exist');
      await page
        .getByRole('link', { name: /Console e2e|console-e2e/ })
        .first()
        .waitFor();
      expect(runs).toHaveLength(1);
      await browser.screenshot('04-run-started');
    });

    it('lists failed runs, shows the failed step, resumes it, approves its sign-off, and it completes', async () => {
      const { page } = browser;
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Runs' }).click();
      await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
      await page.getByLabel('Status').selectOption('failed');
      await waitFor(async () => {
        if ((await page.getByRole('cell', { name: /console-e2e/ }).count()) > 0) return true;
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.waitForTimeout(300);
        return undefined;
      }, 'the failed run in the list');
      await browser.screenshot('05-runs-failed');
      await page
        .getByRole('row', { name: /console-e2e/ })
        .getByRole('link')
        .first()
        .click();
      await page.getByRole('button', { name: 'Resume from the failed step' }).waitFor();
      const t = await text();
      expect(t).toContain('vendor_refused');
      expect(t).toContain('refused once');
      // The failed step is open: its input, output and each attempt with its error and idempotency key.
      const attempts = page.getByRole('table', { name: 'Attempts of flaky' });
      expect(await attempts.getByRole('row').count()).toBe(2);
      expect(await attempts.getByRole('row').nth(1).innerText()).toMatch(
        /1\tFailed\t.*vendor_refused: the vendor refused the note \(e2e\)\t\S+/,
      );
      expect(await page.getByRole('figure').filter({ hasText: 'Input' }).count()).toBeGreaterThan(0);
      expect(await page.getByRole('figure').filter({ hasText: 'Output' }).count()).toBeGreaterThan(0);
      await expectAccessible('failed run detail');
      await browser.screenshot('06-run-failed-detail');
      await page.getByRole('button', { name: 'Resume from the failed step' }).click();
      await page.getByRole('button', { name: 'Approve step sign-off' }).waitFor({ timeout: 20_000 });
      await browser.screenshot('07-run-awaiting-approval');
      await page.getByRole('button', { name: 'Approve step sign-off' }).click();
      await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Completed' }).waitFor({ timeout: 20_000 });
      const done = (await call('GET', `/runs?profileId=${profileId}&playbookId=console-e2e`)).json['runs'] as { id: string }[];
      const effects = await effectsOfRun(svc.runtime.db, tenantId, done[0]?.id ?? '');
      expect(effects.map((e) => e.stepId)).toEqual(['hello', 'flaky', 'bye']);
      await browser.screenshot('07-run-completed');
    });

    it('snoozes, then dismisses, the next best action and retries a failed step from the card', async () => {
      const { page } = browser;
      // Grace's run of console-e2e parks on its flaky step; the card offers the retry.
      const started = await call('POST', '/runs', { playbookId: 'console-e2e', profileId: graceId });
      const runId = String(started.json['id']);
      await waitFor(async () => (await call('GET', `/runs/${runId}`)).json['status'] === 'failed', 'the run to fail at its flaky step');
      await page.goto(`${svc.url}/console/profiles/${graceId}`);
      await page.getByRole('article', { name: /Record card for Grace Hopper/ }).waitFor();
      // Grace's next best action (proposed since beforeAll): snooze it, then dismiss it.
      const nba = page.getByRole('region', { name: 'Next best action' });
      const snooze = nba.getByRole('button', { name: 'Snooze', exact: true });
      await snooze.waitFor();
      expect(await snooze.isEnabled()).toBe(true);
      await nba.getByLabel('Snooze for').selectOption({ label: '4 h' });
      await snooze.click();
      await nba.getByText('Snoozed until').waitFor();
      const card = (await call('GET', `/profiles/${graceId}/card`)).json['nextBestAction'] as {
        decisionId: string;
        status: string;
        until: string;
      };
      expect(card.status).toBe('snoozed');
      const hours = (Date.parse(card.until) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(3.5);
      expect(hours).toBeLessThan(4.5);
      // Still open while snoozed: the rep can dismiss it for good.
      await nba.getByRole('button', { name: 'Dismiss' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /Dismissed/ })
        .first()
        .waitFor();
      expect((await call('GET', `/decisions/${card.decisionId}`)).json['status']).toBe('dismissed');
      await page.getByRole('button', { name: 'Retry failed step' }).click();
      await page.getByRole('status').filter({ hasText: /retr/i }).first().waitFor();
      await waitFor(
        async () => (await call('GET', `/runs/${runId}`)).json['waitingFor'] === 'approval',
        'the retried run to reach its sign-off',
      );
      expect(await page.getByRole('button', { name: 'Retry failed step' }).count()).toBe(0);
      await browser.screenshot('07b-card-retried');
    });

    it('pages through many runs, and cancels one from the list, which updates', async () => {
      const { page } = browser;
      await call('POST', '/playbooks', {
        id: 'console-e2e-wait',
        name: 'Console e2e wait',
        concurrency: 'unlimited',
        steps: [{ id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '1d' } }],
      });
      expect((await call('POST', '/playbooks/console-e2e-wait/publish', {})).status).toBe(200);
      for (let i = 0; i < 26; i++)
        expect((await call('POST', '/runs', { playbookId: 'console-e2e-wait', profileId: linusId })).status).toBe(201);
      const waiting = await waitFor(async () => {
        const list = (await call('GET', '/runs?status=waiting&limit=1000')).json['runs'] as { id: string; playbookId: string }[];
        return list.filter((r) => r.playbookId === 'console-e2e-wait').length === 26 ? list : undefined;
      }, 'the 26 runs to wait');
      await page.goto(`${svc.url}/console/runs?status=waiting`);
      await page.getByLabel('Per page').selectOption('25');
      const rows = page.getByRole('table', { name: 'Runs with status waiting' }).locator('tbody tr');
      await page.getByText('Showing 25 runs, more to load').waitFor();
      expect(await rows.count()).toBe(25);
      await page.getByRole('button', { name: 'Load 25 more' }).click();
      await page.getByText(`Showing ${waiting.length} runs (newest first)`).waitFor();
      expect(await rows.count()).toBe(waiting.length);
      await expectAccessible('runs list');
      // The API listed them oldest first; the console shows the newest on top.
      const victim = waiting.filter((r) => r.playbookId === 'console-e2e-wait').at(-1)?.id ?? 'missing';
      expect(await rows.first().innerText()).toContain(victim);
      await page.getByRole('button', { name: `Cancel run ${victim}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Cancelled ${victim}` })
        .waitFor();
      await page.getByText(`Showing ${waiting.length - 1} runs`).waitFor();
      expect(await page.getByRole('link', { name: victim }).count()).toBe(0);
      expect((await call('GET', `/runs/${victim}`)).json['status']).toBe('cancelled');
      await browser.screenshot('07c-runs-paged');
    });

    it('explains a decision: every candidate with its policy or P×C×V×L', async () => {
      const { page } = browser;
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Decisions' }).click();
      await page.getByLabel('Profile id').fill(profileId);
      await page.getByRole('button', { name: 'Decide now' }).click();
      await page
        .getByRole('table', { name: /Candidates/ })
        .first()
        .waitFor();
      // The decision just made is Ada's latest: her card proposes it (she is not held out, nothing is suppressed).
      const adaNext = (await call('GET', `/profiles/${profileId}/card`)).json['nextBestAction'] as {
        decisionId: string;
        status: string;
      } | null;
      expect(adaNext?.status).toBe('proposed');
      const id = adaNext?.decisionId ?? '';
      await page.getByLabel('Decision id').fill(id);
      await page.getByRole('button', { name: 'Explain' }).click();
      await page
        .getByRole('region', { name: 'Explanation' })
        .getByRole('table', { name: /Candidates \(2\)/ })
        .waitFor();
      const region = page.getByRole('region', { name: 'Explanation' });
      expect(await region.innerText()).toMatch(/Call the lead[\s\S]*Send a demo invite|Send a demo invite[\s\S]*Call the lead/);
      // Each candidate: the policy that blocked it, or its factors; the decision's chosen action, probability, holdout flag, outcome.
      const stored = (await call('GET', `/decisions/${id}`)).json as {
        holdout: boolean;
        action: { label: string } | null;
        explanation: { label: string; blockedBy?: { policy: string }; factors?: { propensity: number } }[];
      };
      for (const c of stored.explanation) {
        const row = await region.getByRole('row', { name: new RegExp(c.label) }).innerText();
        if (c.blockedBy === undefined) expect(row.split('\t')[3]?.trim()).toMatch(/^[\d.,e-]+$/);
        else expect(row).toContain(c.blockedBy.policy);
      }
      const facts = await region.innerText();
      expect(facts).toContain(`Chosen action\n${stored.action === null ? 'none' : stored.action.label}`);
      expect(facts).toMatch(/Selection probability\n\d+\.\d%/);
      expect(facts).toContain(stored.holdout ? 'holdout (nothing sent, measured as control)' : 'Mode');
      expect(facts).toContain('Outcome\npending (no outcome yet)');
      await region.getByRole('button', { name: 'Record positive outcome' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Recorded a positive outcome for ${id}` })
        .waitFor();
      await region.getByText(/^Positive/).waitFor();
      // A decision for the person an email names.
      await page.getByLabel('Person (profile id, email or phone)').fill('grace.hopper@cobol-works.com');
      await page.getByRole('button', { name: 'Decide now' }).click();
      await page.getByRole('region', { name: 'New decision' }).getByRole('link', { name: graceId }).waitFor();
      await browser.screenshot('08-decision');
      // The latest decisions, newest first: the one just made heads the list and opens its explanation.
      const latest = ((await call('GET', '/decisions?limit=1')).json['decisions'] as { decisionId: string; profileId: string }[])[0];
      expect(latest?.profileId).toBe(graceId);
      await page.reload();
      const recent = page.getByRole('table', { name: 'Recent decisions, newest first' });
      await recent.waitFor();
      expect(await recent.getByRole('row').nth(1).innerText()).toContain(graceId);
      await recent.getByRole('link', { name: `explain decision ${latest?.decisionId ?? ''}` }).click();
      await page.waitForURL(`**/console/decisions/${latest?.decisionId ?? ''}`);
      await page
        .getByRole('region', { name: 'Explanation' })
        .getByRole('table', { name: /Candidates/ })
        .waitFor();
      await expectAccessible('recent decisions');
    });

    it('shows lift, treated vs holdout, as charts', async () => {
      const { page } = browser;
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Lift' }).click();
      await page.getByRole('heading', { name: 'Lift', level: 1 }).waitFor();
      await population();
      await page.reload();
      await page.getByText('Overall lift').waitFor();
      const overall = await page
        .getByRole('table', { name: /Lift per action/ })
        .getByRole('row', { name: /^Overall/ })
        .innerText();
      expect(overall).not.toContain('(0/0)');
      expect(await page.locator('svg.recharts-surface').count()).toBeGreaterThanOrEqual(2);
      await page.getByRole('table', { name: /Lift per action/ }).waitFor();
      // Lift over time: one cumulative point per day, drawn as dots on the treated and holdout lines, with a CI band.
      const overTime = page.getByRole('figure', { name: 'Treated and holdout conversion rates and lift over time' });
      await overTime.locator('.recharts-line-dot').first().waitFor();
      expect(await overTime.locator('.recharts-line-dot').count()).toBeGreaterThanOrEqual(4);
      expect(await overTime.locator('.recharts-area-area').count()).toBe(1);
      expect(await page.getByText(/Cumulative: each point counts every outcome up to the end of its day/).count()).toBe(1);
      await overTime.scrollIntoViewIfNeeded();
      await browser.screenshot('09-lift-over-time');
      // The same figures as a table, and one over-time chart per action with outcomes.
      await page.getByText('Lift over time as a table').click();
      const table = page.getByRole('table', { name: /Lift over time, treated vs holdout/ });
      expect(await table.getByRole('row').count()).toBe(5);
      const lastRow = await table.getByRole('row').nth(4).innerText();
      expect(lastRow).toContain(overall.split('\t')[1]?.trim() ?? 'missing');
      expect(await page.getByRole('figure', { name: /^Lift over time: / }).count()).toBeGreaterThanOrEqual(1);
      await browser.screenshot('09-lift');
    });

    it('shows settings: connections, policies with an editable holdout share, catalog, playbooks', async () => {
      const { page } = browser;
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Settings' }).click();
      await page.getByText('Console e2e').first().waitFor();
      expect(await page.getByText('Not available on this server yet').count()).toBe(0);
      await page.getByRole('cell', { name: 'Call the lead', exact: true }).waitFor();
      await page.getByLabel('Holdout share (%)').fill('10');
      await page.getByLabel('From', { exact: true }).fill('22:30');
      await page.getByLabel('Until', { exact: true }).fill('07:15');
      await page.getByLabel('Default time zone').fill('Europe/Berlin');
      await page.getByLabel('All channels per day').fill('3');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Holdout share saved: 10%.').waitFor();
      const saved = (await call('GET', '/policies')).json['policies'] as {
        holdout: { share: number };
        quietHours: { start: string; end: string; defaultTimeZone: string };
        frequencyCaps: { channel: string; period: string; max: number }[];
      };
      expect(saved.holdout.share).toBeCloseTo(0.1, 10);
      expect(saved.quietHours).toMatchObject({ start: '22:30', end: '07:15', defaultTimeZone: 'Europe/Berlin' });
      expect(saved.frequencyCaps.find((c) => c.channel === 'all' && c.period === 'day')?.max).toBe(3);
      // A wrong time zone: the server's reason, nothing saved.
      await page.getByLabel('Default time zone').fill('Mars/Olympus');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /not an IANA time zone/ })
        .waitFor();
      expect(
        ((await call('GET', '/policies')).json['policies'] as { quietHours: { defaultTimeZone: string } }).quietHours.defaultTimeZone,
      ).toBe('Europe/Berlin');
      // Edit an action, add one, remove it: each a PUT of the whole catalog.
      await page.getByRole('button', { name: 'Edit Send a demo invite' }).click();
      await page.getByLabel('Value', { exact: true }).fill('95');
      await page.getByLabel('A rep approves it before it is sent').check();
      await page.getByRole('button', { name: 'Save action' }).click();
      await page.getByText('Saved demo-invite.').waitFor();
      const edited = (
        (await call('GET', '/actions')).json['actions'] as { id: string; value: number; cost?: number; requiresApproval?: boolean }[]
      ).find((a) => a.id === 'demo-invite');
      expect(edited).toMatchObject({ value: 95, cost: 1, requiresApproval: true });
      await page.getByRole('button', { name: 'Add an action' }).click();
      await page.getByLabel('Id', { exact: true }).fill('nurture-sms');
      await page.getByLabel('Label', { exact: true }).fill('Nurture by SMS');
      await page.getByLabel('Channel', { exact: true }).selectOption('sms');
      await page.getByLabel('Value', { exact: true }).fill('30');
      await page.getByRole('button', { name: 'Save action' }).click();
      await page.getByRole('cell', { name: 'Nurture by SMS', exact: true }).waitFor();
      expect(((await call('GET', '/actions')).json['actions'] as { id: string }[]).map((a) => a.id)).toEqual([
        'call-lead',
        'demo-invite',
        'nurture-sms',
      ]);
      await page.getByRole('button', { name: 'Remove Nurture by SMS' }).click();
      await page.getByText('Removed nurture-sms.').waitFor();
      expect(((await call('GET', '/actions')).json['actions'] as { id: string }[]).map((a) => a.id)).toEqual(['call-lead', 'demo-invite']);
      // Playbooks off and on again: off archives, on publishes a new version of the same definition.
      const toggle = page.getByRole('switch', { name: 'Playbook Console e2e', exact: true });
      expect(await toggle.isChecked()).toBe(true);
      await toggle.click();
      await page.getByText('Console e2e is off').waitFor();
      const published = async () =>
        ((await call('GET', '/playbooks?id=console-e2e')).json['playbooks'] as { version: number; status: string }[])
          .filter((p) => p.status === 'published')
          .map((p) => p.version);
      expect(await published()).toEqual([]);
      expect((await call('POST', '/runs', { playbookId: 'console-e2e', profileId: linusId })).status).toBeGreaterThanOrEqual(400);
      await toggle.click();
      await page.getByText(/Console e2e is on \(v2\)/).waitFor();
      expect(await published()).toEqual([2]);
      expect(await toggle.isChecked()).toBe(true);
      await page.waitForLoadState('networkidle');
      await expectAccessible('settings');
      await browser.screenshot('10-settings');
    });

    it('approves an edited draft from the card, and the run sends the edited message', async () => {
      const { page } = browser;
      // One email action that needs a rep's approval, nobody held out, no quiet hours: the next best action is the draft.
      expect(
        (await call('PUT', '/policies', { holdout: { share: 0 }, randomControlShare: 0, quietHours: { enabled: false } })).status,
      ).toBe(200);
      expect(
        (
          await call('PUT', '/actions', {
            actions: [
              {
                id: 'spring-offer',
                label: 'Send the spring offer',
                channel: 'email',
                value: 100,
                requiresApproval: true,
                template: 'Spring offer: 20% off',
              },
            ],
          })
        ).status,
      ).toBe(200);
      const ev = await call('POST', '/events', {
        source: 'hubspot',
        type: 'form_submitted',
        occurredAt: new Date().toISOString(),
        subject: {
          identifiers: [{ type: 'email', value: 'hedy.lamarr@frequency-hopping.io' }],
          traits: { firstName: 'Hedy', lastName: 'Lamarr' },
        },
        text: 'What does the premium plan cost?',
      });
      const hedy = String(ev.json['profileId']);
      // The pipeline decides after ingest; the card shows that decision.
      await waitFor(
        async () =>
          ((await call('GET', `/profiles/${hedy}/card`)).json['nextBestAction'] as { action?: { id: string } } | null)?.action?.id ===
          'spring-offer',
        'the draft on the card',
      );
      await page.goto(`${svc.url}/console/profiles/${hedy}`);
      const nba = page.getByRole('region', { name: 'Next best action' });
      await nba.getByRole('group', { name: 'Draft to approve' }).waitFor();
      const decisionId = decodeURIComponent(
        (await nba.getByRole('link', { name: 'Why this action?' }).getAttribute('href'))?.split('/').at(-1) ?? '',
      );
      expect(await nba.getByRole('button', { name: 'Accept', exact: true }).count()).toBe(0);
      expect(await nba.getByLabel('Message').inputValue()).toBe('Spring offer: 20% off');
      await nba.getByLabel('Subject').fill('Your spring offer, Hedy');
      await nba.getByLabel('Message').fill('Hi Hedy, the premium plan is 20% off until Friday.');
      await expectAccessible('draft approval');
      await nba.getByRole('button', { name: 'Approve and send' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /Approved and sending/ })
        .first()
        .waitFor();
      expect((await call('GET', `/decisions/${decisionId}`)).json['status']).toBe('accepted');
      const run = await waitFor(async () => {
        const runs = (await call('GET', `/runs?profileId=${hedy}`)).json['runs'] as { id: string }[];
        return runs[0] === undefined ? undefined : (await call('GET', `/runs/${runs[0].id}`)).json;
      }, 'the run of the approved draft');
      expect(JSON.stringify(run['steps'])).toContain('Hi Hedy, the premium plan is 20% off until Friday.');
      expect(JSON.stringify(run['steps'])).toContain('Your spring offer, Hedy');
      await browser.screenshot('10b-draft-approved');
    });

    it('confirms and rejects possible matches from the card', async () => {
      const { page } = browser;
      const person = async (identifiers: { type: string; value: string }[], traits: Record<string, string>): Promise<string> => {
        const r = await call('POST', '/events', {
          source: 'hubspot',
          type: 'contact.updated',
          occurredAt: new Date().toISOString(),
          subject: { identifiers, traits },
        });
        expect(r.status).toBe(202);
        return String(r.json['profileId']);
      };
      // Same name and city, no shared identifier: possible matches of the fuller record, for a person to decide.
      const full = await person([{ type: 'email', value: 'seun@adeyemi.io' }], {
        firstName: 'Oluwaseun',
        lastName: 'Adeyemi-Park',
        birthDate: '1988-11-02',
        postcode: '60614',
        city: 'Chicago',
      });
      const other = await person([{ type: 'phone', value: '+1 312 555 0101' }], {
        firstName: 'Oluwaseun',
        lastName: 'Adeyemi-Park',
        city: 'Chicago',
      });
      const same = await person([{ type: 'phone', value: '+1 312 555 0177' }], {
        firstName: 'Oluwaseun',
        lastName: 'Adeyemi-Park',
        city: 'Chicago',
      });
      expect(new Set([full, other, same]).size).toBe(3);

      await page.goto(`${svc.url}/console/profiles/${other}`);
      const identities = page.getByRole('region', { name: 'Linked identities' });
      await identities.getByRole('heading', { name: 'Possible matches' }).waitFor();
      expect(await identities.innerText()).toMatch(/likely the same person/);
      const matchesOf = async (id: string) => ((await call('GET', `/profiles/${id}/card`)).json['possibleMatches'] as unknown[]).length;
      const before = await matchesOf(other);
      const rejectButtons = identities.getByRole('button', { name: 'Not the same' });
      expect(await rejectButtons.count()).toBe(before);
      await rejectButtons.first().click();
      await waitFor(async () => (await matchesOf(other)) === before - 1, 'the rejected match to leave the card');
      await waitFor(async () => (await rejectButtons.count()) === before - 1, 'the card to drop the rejected match');
      expect((await call('GET', `/profiles/${other}`)).json['id']).toBe(other);

      await page.goto(`${svc.url}/console/profiles/${same}`);
      await identities.getByRole('heading', { name: 'Possible matches' }).waitFor();
      await identities.getByRole('button', { name: 'Same person' }).first().click();
      const merged = await waitFor(async () => {
        const id = String((await call('GET', `/profiles/${same}`)).json['id']);
        return id === same ? undefined : id;
      }, 'the confirmed match to merge the profiles');
      expect([full, other]).toContain(merged);
      await browser.screenshot('10c-match-confirmed');
    });

    it('shows loading, then a network error with a retry that recovers', async () => {
      const { page } = browser;
      const card = `**/api/v1/profiles/${linusId}/card`;
      let mode: 'hold' | 'refuse' | 'pass' = 'hold';
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route(card, async (route) => {
        if (mode === 'refuse') return route.abort('connectionrefused');
        if (mode === 'hold') await held;
        return route.continue();
      });
      try {
        await page.goto(`${svc.url}/console/profiles/${linusId}`);
        await page.getByRole('status').filter({ hasText: 'Loading the record card…' }).waitFor();
        mode = 'pass';
        release();
        await page.getByRole('article', { name: /Record card for Linus Pauling/ }).waitFor();
        mode = 'refuse';
        await page.reload();
        await page.getByRole('alert').filter({ hasText: 'Baton is unreachable' }).waitFor();
        mode = 'pass';
        await page.getByRole('alert').getByRole('button', { name: 'Try again' }).click();
        await page.getByRole('article', { name: /Record card for Linus Pauling/ }).waitFor();
      } finally {
        release();
        await page.unroute(card);
      }
    });

    it('works by keyboard and on a phone-sized screen', async () => {
      const { page } = browser;
      const noSideways = async (where: string) =>
        expect({
          where,
          overflow: await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
        }).toEqual({ where, overflow: 0 });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${svc.url}/console/profiles/${profileId}`);
      await page.getByRole('heading', { name: 'Records', level: 1 }).waitFor();
      await page.getByRole('article', { name: /Record card for Ada Lovelace/ }).waitFor();
      await page.waitForLoadState('networkidle');
      await noSideways('record card');
      await browser.screenshot('11-phone-record');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement.id')).toBe('main');

      // Find a person and open the card without a mouse.
      await tabTo(/^Find a person by email, phone or name$/);
      await page.keyboard.type('hopper');
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
      await tabTo(/^Grace Hopper$/); // shown with capitals (search answers names lower-case)
      await page.keyboard.press('Enter');
      await page.getByRole('article', { name: /Record card for Grace Hopper/ }).waitFor();
      await page.waitForLoadState('networkidle');
      await noSideways('record card after a keyboard search');
      await expectAccessible('record card at 390 px');
      // A card button by keyboard: the focus stays in the card afterwards (not thrown back to the page top).
      // Grace's latest decision is the one the explain step made for her email ("Decide now"): still proposed.
      const snooze = page.getByRole('region', { name: 'Next best action' }).getByRole('button', { name: 'Snooze', exact: true });
      await snooze.waitFor();
      expect(await snooze.isEnabled()).toBe(true);
      await tabTo(/^Snooze$/);
      await page.keyboard.press('Enter');
      await page
        .getByRole('status')
        .filter({ hasText: /^Snoozed/ })
        .first()
        .waitFor();
      await until(
        'document.activeElement !== document.body && document.activeElement.closest("article") !== null',
        'the focus to stay in the card',
      );

      // The nav by keyboard: Runs, one run's detail, its controls.
      await page.goto(`${svc.url}/console/profiles`);
      await tabTo(/^Runs$/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
      await until('document.activeElement !== null && document.activeElement.id === "main"', 'the focus to move to the new page');
      await page.getByRole('table').first().waitFor();
      await noSideways('runs');
      await browser.screenshot('12-phone-runs');
      await tabTo(/^run_/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /^Run run_/, level: 1 }).waitFor();
      await tabTo(/^(Cancel run|Refresh)$/);
      await page.waitForLoadState('networkidle');
      await noSideways('run detail');
      await expectAccessible('run detail at 390 px');

      for (const [where, heading] of [
        ['decisions', 'Decisions'],
        ['lift', 'Lift'],
        ['settings', 'Settings'],
      ] as const) {
        await page.goto(`${svc.url}/console/${where}`);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        await noSideways(where);
        await expectAccessible(`${where} at 390 px`);
        await expectClickablesAreControls(where);
      }
      await browser.screenshot('13-phone-settings');

      // Sign out and in again by keyboard: the key leaves sessionStorage on sign-out.
      await page.goto(`${svc.url}/console/profiles`);
      await tabTo(/^Sign out$/);
      await page.keyboard.press('Enter');
      await page.getByLabel('Tenant API key').waitFor();
      expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([0, 0, '']);
      await page.reload();
      await page.getByLabel('Tenant API key').waitFor();
      expect(await page.evaluate('document.activeElement.id')).toBe('api-key');
      await page.keyboard.type(apiKey);
      await page.keyboard.press('Enter');
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      expect(await page.evaluate('sessionStorage.getItem("baton.console.apiKey")')).toBe(apiKey);
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    it('logged no browser console errors or warnings (other than the deliberate wrong key, bad time zone, unknown profile and refused connection)', () => {
      const wrongKey = (p: { text: string; url: string }): boolean => p.text.includes('401') && p.url.endsWith('/api/v1/runs?limit=1');
      // The settings step saves an unknown time zone on purpose: the server's 400 is shown to the user.
      const badZone = (p: { text: string; url: string }): boolean => p.text.includes('400') && p.url.endsWith('/api/v1/policies');
      // …and the search step opens an unknown profile on purpose (its card answers 404).
      const unknownProfile = (p: { text: string; url: string }): boolean =>
        p.text.includes('404') && p.url.endsWith('/api/v1/profiles/prof_nobody/card');
      // …and the loading step refuses the card's connection once.
      const refused = (p: { text: string; url: string }): boolean =>
        p.text.includes('ERR_CONNECTION_REFUSED') && p.url.endsWith(`/api/v1/profiles/${linusId}/card`);
      const deliberate = (p: { text: string; url: string }): boolean => wrongKey(p) || badZone(p) || unknownProfile(p) || refused(p);
      expect(browser.problems.filter(wrongKey)).toHaveLength(1);
      expect(browser.problems.filter(badZone)).toHaveLength(1);
      expect(browser.problems.filter(unknownProfile).length).toBeGreaterThanOrEqual(1);
      expect(browser.problems.filter((p) => !deliberate(p))).toEqual([]);
      expect(warnings).toEqual([]);
    });
  },
);
