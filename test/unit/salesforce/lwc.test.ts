/**
 * Runs the Salesforce package's LWC jest tests (extensions/salesforce, sfdx-lwc-jest with its own jest
 * 29, jsdom and the lightning-* stubs) as part of `npm test`: the root jest (30, node environment) cannot
 * compile LWC, so it starts sfdx-lwc-jest from the SFDX project folder and reads its JSON report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '../../..');
const project = path.join(root, 'extensions/salesforce');

interface Report {
  success: boolean;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
}

describe('extensions/salesforce LWC jest tests (sfdx-lwc-jest)', () => {
  it('pass: every batonCard state, button and accessibility check', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'baton-lwc-')), 'report.json');
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/@salesforce/sfdx-lwc-jest/bin/sfdx-lwc-jest'), '--', '--ci', '--json', `--outputFile=${out}`],
      {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 170_000,
      },
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const failures = report.testResults.flatMap((s) =>
      s.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.title}: ${a.status}`),
    );
    expect({ status: run.status, failures }).toEqual({ status: 0, failures: [] });
    expect(report.success).toBe(true);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPendingTests).toBe(0);
    // 14 tests in lwc/batonCard/__tests__/batonCard.test.js today; fewer means tests went missing.
    expect(report.numPassedTests).toBeGreaterThanOrEqual(14);
    const titles = report.testResults.flatMap((s) => s.assertionResults.map((a) => a.title));
    for (const t of [
      'shows a spinner while the card loads, then the card',
      'lists runs and retries only the failed one',
      'lists linked identities and confirms or rejects a possible match',
      'shows the latest signals with intent, sentiment, urgency and excerpt',
    ]) {
      expect(titles).toContain(t);
    }
    expect(report.testResults.map((s) => path.relative(project, s.name))).toContain(
      'force-app/main/default/lwc/batonCard/__tests__/batonCard.test.js',
    );
  }, 180_000);
});
