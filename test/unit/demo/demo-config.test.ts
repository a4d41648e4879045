/** The demo's pure parts: the one-line summary, the policies at a given speed, the playbooks it installs. */
import { decide, parseCatalog, parseDecisioningConfig } from '../../../app/decisioning';
import { createSeededRandom } from '../../../app/decisioning/random/prng';
import { definePlaybook } from '../../../app/orchestration/playbook/playbook.validate';
import { newLeadNurtureDefinition } from '../../../app/orchestration/samples';
import { DEMO_CATALOG, DEMO_MARKER, demoPlaybooks, demoPolicies, REQUESTED_ACTION } from '../../../scripts/demo/catalog';
import { buildPopulation } from '../../../scripts/demo/people';
import { formatSummary, type Summary } from '../../../scripts/demo/summary';

const summary = (lift: Summary['lift'], approvals = { runApprovals: 0, draftsApproved: 0 }): Summary => ({
  at: '2026-11-30T15:00:00Z',
  tenantId: 'ten_1',
  consoleUrl: 'http://localhost:3000/console',
  events: { total: 12, bySource: { hubspot: 10, zendesk: 2 } },
  decisions: { total: 5, withAction: 4, holdout: 1 },
  runs: { total: 2, byStatus: { waiting: 1, completed: 1 } },
  lift,
  population: {
    simulatedHours: 30,
    sent: { hubspot: 10, salesforce: 0, zendesk: 2, twilio: 0, whatsapp: 0, api: 0 },
    refused: 0,
    errors: 0,
    lastError: null,
    batonWrites: { hubspot: 3, salesforce: 1, sms: 0, whatsapp: 0, zendesk: 0 },
    hubspotRecordWrites: 2,
    reviews: 4,
    touches: 3,
    positiveResponses: 1,
    unsubscribes: 0,
    accepted: 2,
    organic: 1,
    ...approvals,
    runRejections: 0,
    approvedRunIds: [],
    draftRunIds: [],
    runsStarted: 1,
    acceptedDecisionIds: [],
    dropped: 0,
  },
  walkthrough: null,
});

describe('demo summary line', () => {
  it('shows lift so far with both groups, and what the reps approved', () => {
    const line = formatSummary(
      summary(
        {
          treated: { decisions: 40, positives: 20 },
          control: { decisions: 10, positives: 3 },
          lift: 0.6667,
          confidenceInterval: [-0.2, 1.5],
          significant: false,
        },
        { runApprovals: 2, draftsApproved: 3 },
      ),
    );
    expect(line).toContain('day 2 · events 12 (hs 10 · zd 2)');
    expect(line).toContain('lift so far +67% [−20%, +150%] (treated 20/40, holdout 3/10)');
    expect(line).toContain('reps approved 2 run(s), 3 draft(s)');
  });

  it('says lift is pending until the holdout has outcomes', () => {
    const line = formatSummary(
      summary({
        treated: { decisions: 4, positives: 2 },
        control: { decisions: 0, positives: 0 },
        lift: null,
        confidenceInterval: null,
        significant: false,
      }),
    );
    expect(line).toContain('lift so far pending (treated 2/4, holdout 0/0)');
    expect(formatSummary(summary(null))).toContain('lift n/a');
  });
});

describe('demo tenant', () => {
  it('attributes outcomes for 72 simulated hours of real time, a valid policy at any speed', () => {
    for (const [speed, seconds] of [
      [1, 72],
      [10, 7.2],
      [0.5, 144],
    ] as const) {
      const parsed = parseDecisioningConfig(demoPolicies(speed));
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.config.attributionWindowHours * 3600).toBeCloseTo(seconds, 9);
    }
  });

  it('installs the sample playbooks unchanged but for the demo marker', () => {
    const [nurture] = demoPlaybooks();
    expect(nurture?.['description']).toBe(`${newLeadNurtureDefinition.description} ${DEMO_MARKER}`);
    expect(nurture?.['steps']).toEqual(newLeadNurtureDefinition.steps);
    expect(() => definePlaybook({ ...nurture, status: 'published', version: 1 } as never)).not.toThrow();
  });

  it('gives every person a base rate below their responses to touches (the holdout baseline)', () => {
    for (const p of buildPopulation(50, 3)) {
      const mean = Object.values(p.preferences).reduce((a, b) => a + b, 0) / 5;
      expect(p.baseRate).toBeCloseTo(mean / 2, 12);
      expect(p.baseRate).toBeGreaterThan(0);
    }
  });
});

describe('the walkthrough asks Baton for one action', () => {
  const parsed = parseDecisioningConfig({ ...demoPolicies(1), holdout: { share: 0 } });
  const catalog = parseCatalog(DEMO_CATALOG);
  if (!parsed.ok || !catalog.ok) throw new Error('the demo policies and catalog must parse');
  const input = (context: Record<string, unknown>) => ({
    decisionId: 'dec_1',
    profile: { profileId: 'prof_1', stage: 'lead' },
    context,
    catalog: catalog.catalog,
    config: parsed.config,
    propensities: {},
    contactHistory: [],
    now: Date.parse('2026-03-02T12:00:00Z'),
  });

  it('chooses exactly the requested action, whatever the random draw, and explains why the others were not considered', () => {
    for (const requested of ['call-task', 'nurture-email', 'upgrade-offer-email']) {
      for (let seed = 0; seed < 30; seed++) {
        const record = decide(input({ [REQUESTED_ACTION]: requested }), createSeededRandom(`walkthrough:${seed}`));
        expect(record.action?.id).toBe(requested);
        expect(record.explanation.filter((c) => c.fate === 'blocked').map((c) => c.blockedBy?.policy)).toEqual(
          Array(DEMO_CATALOG.actions.length - 1).fill('applicability'),
        );
      }
    }
  });

  it('leaves every other decision alone', () => {
    const record = decide(input({ trigger: 'contact.created' }), createSeededRandom('walkthrough:none'));
    expect(record.explanation.some((c) => c.blockedBy?.policy === 'applicability')).toBe(false);
  });
});
