/**
 * The scripted rep: on every start of the demo, one pass through everything a rep does in Baton,
 * deterministically, beside the random population. People of its own (created in HubSpot like everyone
 * else, left alone by the population) each get a decision for one requested action (the demo policy
 * `rep-requested-action`), and the rep:
 *
 * - accepts "Call them" for one person (a HubSpot task is created),
 * - snoozes "Helpful content email" for another,
 * - explains the accepted decision (every candidate with the policy that ruled it out, or its factors),
 * - approves an edited draft of the "Upgrade offer" email for a third (the run sends the rep's words),
 * - resumes a failed run: HubSpot refuses the task for a fourth person once (a validation error the
 *   sandbox is told to answer for that contact only), the run parks as failed, the rep resumes it
 *   from the failed step and it completes,
 * - and leaves one proposed "Call them" on a fifth person's card for whoever opens the console.
 *
 * Holdout people get no action (that is what the holdout is), so a person the holdout draws is skipped
 * and the next one is created; anything else that does not go as described is an error, reported.
 */
import { randomBytes } from 'node:crypto';
import { associatedWith } from '../../test/sandboxes/hubspot';
import type { BatonApi } from './api';
import { REQUESTED_ACTION } from './catalog';
import type { Sandboxes } from './sandboxes';

export const WALKTHROUGH_ROLES = ['accept', 'snooze', 'draft', 'resume', 'for-you'] as const;
export type WalkthroughRole = (typeof WALKTHROUGH_ROLES)[number];

/** The action each role asks Baton for. */
const REQUESTED: Record<WalkthroughRole, string> = {
  accept: 'call-task',
  snooze: 'nurture-email',
  draft: 'upgrade-offer-email',
  resume: 'call-task',
  'for-you': 'call-task',
};

const NAMES = [
  ['Alma', 'Reyes'],
  ['Bruno', 'Keller'],
  ['Cleo', 'Marsh'],
  ['Dario', 'Conti'],
  ['Elif', 'Aydin'],
  ['Felix', 'Brandt'],
  ['Gia', 'Moreau'],
  ['Hugo', 'Lind'],
  ['Iris', 'Novak'],
  ['Jude', 'Okoro'],
  ['Kira', 'Sato'],
  ['Leon', 'Berg'],
] as const;
/** With the demo's 20% holdout, five people outside it need about six candidates; forty not sufficing means the holdout share is wrong. */
const MAX_CANDIDATES = 40;

export interface WalkthroughPerson {
  readonly role: WalkthroughRole;
  readonly name: string;
  readonly email: string;
  readonly profileId: string;
  readonly decisionId: string;
}

export interface WalkthroughReport {
  /** `running`, then `done` when every step happened, or `failed` with the error (`interrupted`: the demo stopped first). */
  status: 'running' | 'done' | 'failed' | 'interrupted';
  error: string | null;
  people: WalkthroughPerson[];
  /** People the holdout drew (no action for them; the next candidate took the role). */
  heldOut: number;
  accepted: { decisionId: string; runId: string; runStatus: string } | null;
  snoozed: { decisionId: string; until: string } | null;
  explained: { decisionId: string; chosen: string; candidates: number; ruledOut: number } | null;
  draftApproved: { decisionId: string; runId: string } | null;
  resumed: { runId: string; failedWith: string; finalStatus: string } | null;
  /** Proposed and left open on the card for a person at the console. */
  forYou: WalkthroughPerson | null;
}

export interface WalkthroughOptions {
  readonly api: BatonApi;
  readonly publicUrl: string;
  readonly sandboxes: Sandboxes;
  readonly portalId: string;
  /** Which start of the demo this is: people get fresh addresses on every start. */
  readonly runNumber: number;
  /** The rep's name (run approvals) and signature (drafts). */
  readonly rep: string;
  readonly signature: string;
  readonly out: (line: string) => void;
}

export function emptyWalkthrough(): WalkthroughReport {
  return {
    status: 'running',
    error: null,
    people: [],
    heldOut: 0,
    accepted: null,
    snoozed: null,
    explained: null,
    draftApproved: null,
    resumed: null,
    forYou: null,
  };
}

class WalkthroughError extends Error {}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new WalkthroughError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface DecisionJson {
  decisionId: string;
  holdout: boolean;
  action: { id: string; label: string; channel: string } | null;
  status: string;
  explanation: { actionId: string; fate: string; blockedBy?: { policy: string } }[];
}
interface RunJson {
  id: string;
  status: string;
  steps: { stepId: string; status: string; input: unknown; error?: { code: string; message: string } | null }[];
  error?: { code: string; message: string } | null;
}

export class Walkthrough {
  readonly report: WalkthroughReport = emptyWalkthrough();
  private candidates = 0;
  private stopped = false;

  constructor(private readonly o: WalkthroughOptions) {}

  /** Runs every step once; never throws (the report says what failed). */
  async run(): Promise<WalkthroughReport> {
    try {
      await this.steps();
      this.report.status = 'done';
      this.o.out(
        `Walkthrough done: a rep accepted, snoozed, explained, approved a draft and resumed a failed run. Open ${this.report.forYou?.name ?? '?'} (${this.report.forYou?.email ?? '?'}) in the console to accept their next best action yourself.`,
      );
    } catch (err) {
      this.report.error = err instanceof Error ? err.message : String(err);
      this.report.status = this.stopped ? 'interrupted' : 'failed';
      if (!this.stopped) this.o.out(`Walkthrough FAILED: ${this.report.error}`);
    }
    return this.report;
  }

  /** The demo is stopping: whatever fails from now on is the shutdown, not the walkthrough. */
  stop(): void {
    this.stopped = true;
  }

  private async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.o.api.call<T>(method, path, body);
    if (r.status < 200 || r.status > 299)
      throw new WalkthroughError(`${method} /api/v1${path} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }

  private async steps(): Promise<void> {
    const { out, rep, signature } = this.o;
    const people = {} as Record<WalkthroughRole, WalkthroughPerson>;
    for (const role of WALKTHROUGH_ROLES) {
      people[role] = await this.person(role);
      this.report.people.push(people[role]);
    }

    // Accept: the decision becomes a run of the accepted action; HubSpot gets the call task.
    const accepted = await this.card('accept', people.accept, { type: 'accept' });
    const acceptedRun = await this.settled(accepted, 'the accepted action');
    this.report.accepted = { decisionId: people.accept.decisionId, runId: accepted, runStatus: acceptedRun.status };
    out(`  rep accepted "Call them" for ${people.accept.name}: run ${accepted} ${acceptedRun.status}`);

    // Snooze: a day later the card proposes it again.
    await this.card('snooze', people.snooze, { type: 'snooze', hours: 24 });
    const snoozed = await this.ok<DecisionJson & { until?: string }>('GET', `/decisions/${people.snooze.decisionId}`);
    if (snoozed.status !== 'snoozed' || snoozed.until === undefined)
      throw new WalkthroughError(`the snoozed decision is ${snoozed.status}`);
    this.report.snoozed = { decisionId: people.snooze.decisionId, until: snoozed.until };
    out(`  rep snoozed "Helpful content email" for ${people.snooze.name} until ${snoozed.until}`);

    // Explain: every candidate of the accepted decision, chosen or ruled out by a policy.
    const explained = await this.ok<DecisionJson>('GET', `/decisions/${people.accept.decisionId}`);
    const ruledOut = explained.explanation.filter((c) => c.fate === 'blocked').length;
    if (explained.action?.id !== REQUESTED.accept || explained.explanation.length < 2)
      throw new WalkthroughError(`the explanation of ${people.accept.decisionId} does not show its candidates`);
    this.report.explained = {
      decisionId: people.accept.decisionId,
      chosen: explained.action.label,
      candidates: explained.explanation.length,
      ruledOut,
    };
    out(`  rep read why: ${explained.explanation.length} candidates, "${explained.action.label}" chosen, ${ruledOut} ruled out by policy`);

    // Approve a draft: the rep's edited words are what the run sends.
    const card = await this.ok<{ nextBestAction: { decisionId: string; draft?: { subject?: string; body: string } } | null }>(
      'GET',
      `/profiles/${people.draft.profileId}/card`,
    );
    const draft = card.nextBestAction?.decisionId === people.draft.decisionId ? card.nextBestAction.draft : undefined;
    const base = draft ?? { subject: 'Upgrade offer', body: 'Upgrade offer' };
    const drafted = await this.card('approve_draft', people.draft, {
      type: 'approve_draft',
      draft: { ...base, body: `${base.body}\n\n${signature}` },
    });
    const draftRun = await this.ok<RunJson>('GET', `/runs/${drafted}`);
    if (
      !JSON.stringify(draftRun.steps).includes(signature) &&
      !JSON.stringify(await this.settled(drafted, 'the approved draft')).includes(signature)
    ) {
      throw new WalkthroughError(`run ${drafted} does not carry the rep's edited draft`);
    }
    this.report.draftApproved = { decisionId: people.draft.decisionId, runId: drafted };
    out(`  rep approved an edited "Upgrade offer" draft for ${people.draft.name}: run ${drafted}`);

    // Resume a failed run: HubSpot refuses this person's task once; the run fails, the rep resumes it.
    const contactId = await this.hubspotContactOf(people.resume);
    this.o.sandboxes.hubspot.state.inject('POST', /^\/crm\/v3\/objects\/tasks$/, {
      status: 400,
      when: associatedWith(contactId),
      body: {
        status: 'error',
        message: 'Property values were not valid: hubspot_owner_id 61000 is not an active owner (demo: HubSpot refuses this task once)',
        category: 'VALIDATION_ERROR',
        correlationId: 'demo-walkthrough',
      },
    });
    const failing = await this.card('accept', people.resume, { type: 'accept' });
    const failed = await this.settled(failing, 'the refused task');
    if (failed.status !== 'failed')
      throw new WalkthroughError(`run ${failing} should have failed on HubSpot's refusal, it is ${failed.status}`);
    const listed = await this.ok<{ runs: { id: string }[] }>('GET', '/runs?status=failed&limit=100&order=newest');
    if (!listed.runs.some((r) => r.id === failing)) throw new WalkthroughError(`run ${failing} is not in the failed runs list`);
    const failedWith = failed.steps.find((s) => s.status === 'failed')?.error?.message ?? failed.error?.message ?? 'failed';
    out(`  HubSpot refused ${people.resume.name}'s task; run ${failing} failed: ${failedWith}`);
    await this.ok('POST', `/runs/${failing}/resume`, {});
    const resumed = await this.settled(failing, 'the resumed run', (r) => r.status !== 'failed');
    if (resumed.status !== 'completed') throw new WalkthroughError(`resumed run ${failing} ended ${resumed.status}`);
    this.report.resumed = { runId: failing, failedWith, finalStatus: resumed.status };
    out(`  rep (${rep}) resumed run ${failing} from the failed step: ${resumed.status}`);

    // For the person at the console: an open "Call them" on the card, the latest decision.
    this.report.forYou = await this.latestOnCard(people['for-you']);
  }

  /** A new person in HubSpot (creation webhook), out of the holdout, with a decision for the role's action. */
  private async person(role: WalkthroughRole): Promise<WalkthroughPerson> {
    for (;;) {
      if (this.candidates >= MAX_CANDIDATES)
        throw new WalkthroughError(`${MAX_CANDIDATES} people created and too few outside the holdout: check the holdout share`);
      const [first, last] = NAMES[this.candidates % NAMES.length] ?? ['Sam', 'Doe'];
      this.candidates++;
      const email =
        `${first}.${last}.${this.o.runNumber}-${this.candidates}-${randomBytes(2).toString('hex')}@walkthrough.baton-demo.io`.toLowerCase();
      const { hubspot } = this.o.sandboxes;
      const contact = hubspot.state.createObject(this.o.portalId, 'contacts', {
        email,
        firstname: first,
        lastname: last,
        company: 'Walkthrough Ltd',
        lifecyclestage: 'lead',
      });
      const event = {
        eventId: randomBytes(4).readUInt32BE(0),
        subscriptionId: 4711,
        portalId: Number(this.o.portalId),
        appId: 54321,
        occurredAt: Date.now(),
        subscriptionType: 'contact.creation',
        attemptNumber: 0,
        objectId: Number(contact.id),
        changeSource: 'CRM',
      };
      const sent = await hubspot.sendWebhooks(`${this.o.publicUrl}/webhooks/hubspot`, [event]);
      if (sent.status < 200 || sent.status > 299) throw new WalkthroughError(`HubSpot creation webhook answered ${sent.status}`);
      const profileId = await until(
        async () =>
          (await this.o.api.call<{ profiles?: { id: string }[] }>('GET', `/profiles?email=${encodeURIComponent(email)}`)).body.profiles?.[0]
            ?.id,
        `the profile of ${email}`,
      );
      const decision = await this.decide(profileId, role);
      if (decision.holdout) {
        this.report.heldOut++;
        continue;
      }
      return { role, name: `${first} ${last}`, email, profileId, decisionId: decision.decisionId };
    }
  }

  private async decide(profileId: string, role: WalkthroughRole): Promise<DecisionJson> {
    const decision = await this.ok<DecisionJson>('POST', '/decisions', { profileId, context: { [REQUESTED_ACTION]: REQUESTED[role] } });
    if (!decision.holdout && decision.action?.id !== REQUESTED[role]) {
      throw new WalkthroughError(
        `asked for ${REQUESTED[role]} for ${profileId}, Baton chose ${decision.action?.id ?? 'nothing'} (${JSON.stringify(decision.explanation.find((c) => c.actionId === REQUESTED[role]))})`,
      );
    }
    return decision;
  }

  /** A card button (POST /cards/actions, as the console sends it); the run it started, if any. */
  private async card(type: string, p: WalkthroughPerson, body: Record<string, unknown>): Promise<string> {
    const r = await this.ok<{ message: string }>('POST', '/cards/actions', {
      ...body,
      type,
      profileId: p.profileId,
      decisionId: p.decisionId,
    });
    return /\brun (\S+) started/.exec(r.message)?.[1] ?? '';
  }

  /** The run once it stopped moving (completed, failed, cancelled, waiting, or whatever `done` accepts). */
  private async settled(runId: string, what: string, done: (r: RunJson) => boolean = () => true): Promise<RunJson> {
    if (runId === '') throw new WalkthroughError(`no run was started for ${what}`);
    return until(async () => {
      const run = await this.ok<RunJson>('GET', `/runs/${runId}`);
      return run.status !== 'running' && run.status !== 'pending' && done(run) ? run : undefined;
    }, `${what} (run ${runId}) to settle`);
  }

  private async hubspotContactOf(p: WalkthroughPerson): Promise<string> {
    const contacts = this.o.sandboxes.hubspot.state.portal(this.o.portalId).objects.get('contacts');
    for (const c of contacts?.values() ?? []) if (c.properties['email'] === p.email) return c.id;
    throw new WalkthroughError(`no HubSpot contact for ${p.email}`);
  }

  /** Decides again until the role's decision is the latest on the card (the creation event's own decision may land later). */
  private async latestOnCard(p: WalkthroughPerson): Promise<WalkthroughPerson> {
    let current = p;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const nba = (await this.ok<{ nextBestAction: { decisionId: string; status: string } | null }>('GET', `/profiles/${p.profileId}/card`))
        .nextBestAction;
      if (nba?.decisionId === current.decisionId && nba.status === 'proposed') return current;
      current = { ...p, decisionId: (await this.decide(p.profileId, p.role)).decisionId };
    }
    throw new WalkthroughError(`${p.name}'s card kept showing another decision than the one left for the console`);
  }
}
