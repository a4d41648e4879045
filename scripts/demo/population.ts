/**
 * Runs the population against Baton through the vendors only: people change their CRM records in the
 * HubSpot and Salesforce sandboxes (which reach Baton as signed webhooks and change events), open
 * Zendesk tickets and write SMS / WhatsApp messages (signed webhooks). A simulated sales team uses
 * Baton's API like the console does: it accepts next best actions and starts the sample playbooks.
 * What Baton writes back (HubSpot tasks and emails, Salesforce records, texts, WhatsApp messages,
 * Zendesk tickets) is observed in the sandboxes, and each person answers it with their hidden
 * propensity, so outcomes, learning and lift build up over time. Everyone, holdout included, also
 * engages on their own at a hidden base rate after reaching out: that is the baseline lift is measured
 * against. Reps approve drafted messages from the card (`approve_draft`) and work the approval queue
 * of waiting runs (`POST /runs/:id/approve`, as the console's run page does). Time is compressed:
 * `speed` simulated hours per real second.
 */
import { randomBytes } from 'node:crypto';
import { createSeededRandom, type Random } from '../../app/decisioning/random/prng';
import type { BatonApi } from './api';
import { DEMO_EMAILS } from './catalog';
import { buildPopulation, pick, spontaneousText, TEXTS, waIdOf, type Person, type TextKind, type Touch } from './people';
import type { Sandboxes } from './sandboxes';
import type { Credentials } from './state';

export interface PopulationOptions {
  readonly api: BatonApi;
  readonly publicUrl: string;
  readonly sandboxes: Sandboxes;
  readonly credentials: Credentials;
  readonly connections: { zendesk: string; twilio: string; whatsapp: string };
  readonly people: number;
  readonly seed: number;
  /** Simulated hours per real second. */
  readonly speed: number;
  readonly log: (message: string) => void;
}

export type Source = 'hubspot' | 'salesforce' | 'zendesk' | 'twilio' | 'whatsapp' | 'api';

export interface PopulationStats {
  simulatedHours: number;
  /** Inputs the population sent, by the surface they went through. */
  sent: Record<Source, number>;
  /** Answers other than 2xx from Baton's webhooks and API. */
  refused: number;
  errors: number;
  lastError: string | null;
  /** Writes Baton made in the sandboxes (anything but reads). */
  batonWrites: { hubspot: number; salesforce: number; sms: number; whatsapp: number; zendesk: number };
  /** Of those, HubSpot record writes: contact properties, tasks, notes, emails (not the install's property setup). */
  hubspotRecordWrites: number;
  /** Cards the simulated sales team opened. */
  reviews: number;
  /** Touches the population noticed and answered positively / negatively. */
  touches: number;
  positiveResponses: number;
  unsubscribes: number;
  accepted: number;
  /** Engagements people started on their own (their base rate), holdout or not. */
  organic: number;
  /** Drafts a rep approved (and edited) from the card. */
  draftsApproved: number;
  /** Runs waiting for a human that a rep approved / rejected. */
  runApprovals: number;
  runRejections: number;
  /** The latest runs a rep approved (at most 20). */
  approvedRunIds: string[];
  /** The latest runs started by a rep approving an edited draft (at most 20). */
  draftRunIds: string[];
  runsStarted: number;
  acceptedDecisionIds: string[];
  dropped: number;
}

/** At most `limit` tasks in flight; the backlog is bounded so a slow service sheds simulated load. */
class Lanes {
  private active = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private idle: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxBacklog: number,
    private readonly onError: (err: unknown) => void,
    private readonly onDrop: () => void,
  ) {}

  run(task: () => Promise<void>): void {
    if (this.queue.length >= this.maxBacklog) {
      this.onDrop();
      return;
    }
    this.queue.push(task);
    this.pump();
  }

  get pending(): number {
    return this.active + this.queue.length;
  }

  private pump(): void {
    while (this.active < this.limit && this.queue.length > 0) {
      const task = this.queue.shift() as () => Promise<void>;
      this.active++;
      void task()
        .catch(this.onError)
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.queue.length === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }

  async drain(timeoutMs: number): Promise<void> {
    this.queue.length = 0;
    if (this.active === 0) return;
    await Promise.race([new Promise<void>((r) => this.idle.push(r)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}

/** Activities per person per simulated hour (spontaneous CRM changes, tickets, messages). */
const ACTIVITY_RATE = 0.012;
const MAX_ACTIVITIES_PER_TICK = 10;
const LIFECYCLE = ['lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer'];
const READS = /\/(search|batch\/read)$/;
const keepLast = (list: string[], item: string, max: number): void => {
  list.push(item);
  if (list.length > max) list.shift();
};
/** Ticks between two looks at the approval queue. */
const APPROVAL_QUEUE_TICKS = 5;
/** The simulated rep, as named in run approvals and drafts. */
export const REP = 'demo rep (Sam)';
export const REP_SIGNATURE = 'Sam, Baton Demo sales';

export class Population {
  readonly people: Person[];
  readonly stats: PopulationStats;
  private readonly rng: Random;
  private readonly lanes: Lanes;
  private readonly byHubSpot = new Map<string, Person>();
  private readonly bySalesforce = new Map<string, Person>();
  private readonly byPhone = new Map<string, Person>();
  private readonly byEmail = new Map<string, Person>();
  private readonly byZendesk = new Map<string, Person>();
  private readonly pending: { at: number; run: () => Promise<void> }[] = [];
  private readonly seen = {
    hubspotTasks: new Set<string>(),
    hubspotSends: new Set<string>(),
    sfTasks: new Set<string>(),
    sfActions: 0,
    twilio: 0,
    whatsapp: 0,
    zendesk: new Set<string>(),
  };
  private readonly ownTickets = new Set<string>();
  private readonly acceptedIds = new Set<string>();
  private readonly answeredRuns = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private stopped = false;
  private ticketSeq = 500_000;

  constructor(private readonly o: PopulationOptions) {
    this.people = buildPopulation(o.people, o.seed);
    this.rng = createSeededRandom(`baton-demo-behaviour:${o.seed}:${Date.now()}`);
    this.stats = {
      simulatedHours: 0,
      sent: { hubspot: 0, salesforce: 0, zendesk: 0, twilio: 0, whatsapp: 0, api: 0 },
      refused: 0,
      errors: 0,
      lastError: null,
      batonWrites: { hubspot: 0, salesforce: 0, sms: 0, whatsapp: 0, zendesk: 0 },
      hubspotRecordWrites: 0,
      reviews: 0,
      touches: 0,
      positiveResponses: 0,
      unsubscribes: 0,
      accepted: 0,
      organic: 0,
      draftsApproved: 0,
      runApprovals: 0,
      runRejections: 0,
      approvedRunIds: [],
      draftRunIds: [],
      runsStarted: 0,
      acceptedDecisionIds: [],
      dropped: 0,
    };
    this.lanes = new Lanes(
      4,
      400,
      (err) => this.error(err),
      () => this.stats.dropped++,
    );
    for (const p of this.people) {
      this.byPhone.set(p.phone, p);
      this.byEmail.set(p.email.toLowerCase(), p);
    }
  }

  private error(err: unknown): void {
    this.stats.errors++;
    this.stats.lastError = err instanceof Error ? err.message : String(err);
    this.o.log(`population: ${this.stats.lastError}`);
  }

  private get portalId(): string {
    return this.o.credentials.hubspot.portalId;
  }

  private url(path: string): string {
    return `${this.o.publicUrl}${path}`;
  }

  private checked(source: Source, r: { status: number }, what: string): void {
    this.stats.sent[source]++;
    if (r.status < 200 || r.status > 299) {
      this.stats.refused++;
      this.o.log(`${what} answered ${r.status}`);
    }
  }

  // ---- the CRM records everyone starts with ----------------------------------------------------

  /** Creates everyone in HubSpot (creation webhooks, 100 a batch) and some in Salesforce (change events). */
  async seed(): Promise<void> {
    const { hubspot, salesforce } = this.o.sandboxes;
    const now = Date.now();
    const events: Record<string, unknown>[] = [];
    for (const p of this.people) {
      const contact = hubspot.state.createObject(this.portalId, 'contacts', {
        email: p.email,
        firstname: p.firstName,
        lastname: p.lastName,
        company: p.company,
        lifecyclestage: p.lifecycle,
        ...(p.texts || p.whatsapp ? { phone: p.phone } : {}),
      });
      p.hubspotId = contact.id;
      this.byHubSpot.set(contact.id, p);
      events.push(this.hubspotEvent('contact.creation', contact.id, now));
    }
    for (let i = 0; i < events.length; i += 100) {
      const r = await hubspot.sendWebhooks(this.url('/webhooks/hubspot'), events.slice(i, i + 100));
      this.checked('hubspot', r, 'HubSpot creation webhooks');
    }
    for (const p of this.people.filter((x) => x.inSalesforce)) {
      const person = { FirstName: p.firstName, LastName: p.lastName, Email: p.email, ...(p.texts ? { Phone: p.phone } : {}) };
      const record =
        p.segment === 'lead'
          ? salesforce.state.create('Lead', { ...person, Company: p.company, Status: 'Open - Not Contacted', Title: 'Evaluator' }, null)
          : salesforce.state.create('Contact', { ...person, Title: 'Customer admin' }, null);
      p.salesforceId = record.Id;
      this.bySalesforce.set(record.Id, p);
      this.stats.sent.salesforce++;
    }
  }

  private hubspotEvent(
    subscriptionType: string,
    objectId: string,
    at: number,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      eventId: randomBytes(4).readUInt32BE(0),
      subscriptionId: 4711,
      portalId: Number(this.portalId),
      appId: 54321,
      occurredAt: at,
      subscriptionType,
      attemptNumber: 0,
      objectId: Number(objectId),
      changeSource: 'CRM',
      ...extra,
    };
  }

  // ---- time ------------------------------------------------------------------------------------

  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      try {
        this.tick();
      } catch (err) {
        this.error(err);
      }
      this.timer = setTimeout(tick, 1000);
    };
    this.timer = setTimeout(tick, 200);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.lanes.drain(5_000);
  }

  private later(hours: number, run: () => Promise<void>): void {
    this.pending.push({ at: this.stats.simulatedHours + hours, run });
  }

  private tick(): void {
    this.ticks++;
    this.stats.simulatedHours += this.o.speed;
    // The first ticks make sure every source speaks early; after that, activity follows the rate.
    const kickoff: ((p: Person) => Promise<void>)[] = [
      (p) => this.crmChange(p),
      (p) => this.salesforceChange(p),
      (p) => this.ticket(p),
      (p) => this.sms(p, pick(this.rng, TEXTS[spontaneousText(this.rng, p.segment)])),
      (p) => this.whatsapp(p, pick(this.rng, TEXTS[spontaneousText(this.rng, p.segment)])),
    ];
    const first = kickoff[this.ticks - 1];
    if (first !== undefined) {
      const candidates =
        this.ticks === 2
          ? this.people.filter((p) => p.salesforceId !== undefined)
          : this.ticks === 4
            ? this.people.filter((p) => p.texts)
            : this.ticks === 5
              ? this.people.filter((p) => p.whatsapp)
              : this.people;
      const p = pick(this.rng, candidates.length > 0 ? candidates : this.people);
      this.lanes.run(async () => {
        await first(p);
        this.maybeEngage(p);
        this.later(0.5, () => this.review(p));
      });
    }
    const expected = this.people.length * ACTIVITY_RATE * this.o.speed;
    let n = Math.floor(expected) + (this.rng.next() < expected - Math.floor(expected) ? 1 : 0);
    n = Math.min(n, MAX_ACTIVITIES_PER_TICK);
    for (let i = 0; i < n; i++) {
      const p = pick(this.rng, this.people);
      if (!p.unsubscribed) this.lanes.run(() => this.activity(p));
    }
    // A rep works the approval queue every few simulated hours.
    if (this.ticks % APPROVAL_QUEUE_TICKS === 0) this.lanes.run(() => this.approvalQueue());
    const due = this.pending.filter((x) => x.at <= this.stats.simulatedHours);
    for (const d of due) {
      this.pending.splice(this.pending.indexOf(d), 1);
      this.lanes.run(d.run);
    }
    this.observe();
  }

  // ---- spontaneous behaviour -------------------------------------------------------------------

  private async activity(p: Person): Promise<void> {
    const r = this.rng.next();
    const kind = spontaneousText(this.rng, p.segment);
    // A lifecycle step forward counts as engagement (an outcome), so it follows the person's base rate.
    if (r < 0.22 && this.rng.next() < p.baseRate * 2) await this.crmChange(p);
    else if (r < 0.37 && p.salesforceId !== undefined) await this.salesforceChange(p);
    else if (r < 0.55) await this.ticket(p, kind);
    else if (r < 0.8 && p.texts) await this.sms(p, pick(this.rng, TEXTS[kind]));
    else if (p.whatsapp) await this.whatsapp(p, pick(this.rng, TEXTS[kind]));
    else await this.ticket(p, kind);
    this.maybeEngage(p);
    this.later(0.5 + this.rng.next(), () => this.review(p));
  }

  /** After reaching out, the person may engage on their own (base rate), whatever Baton does. */
  private maybeEngage(p: Person): void {
    if (p.unsubscribed || this.rng.next() >= p.baseRate) return;
    this.later(1 + this.rng.next() * 24, async () => {
      if (p.unsubscribed) return;
      this.stats.organic++;
      if (this.rng.next() < 0.5) await this.apiEvent(p, 'calendar', 'meeting.booked');
      else await this.apiEvent(p, 'email', 'email.replied', pick(this.rng, TEXTS.reply));
    });
  }

  /** HubSpot: the lifecycle stage moves on (or a lead becomes sales-qualified), sent as a signed webhook. */
  private async crmChange(p: Person, to?: string): Promise<void> {
    if (p.hubspotId === undefined) return;
    const next = to ?? LIFECYCLE[Math.min(LIFECYCLE.length - 1, LIFECYCLE.indexOf(p.lifecycle) + 1)] ?? 'customer';
    p.lifecycle = next;
    const contact = this.o.sandboxes.hubspot.state.portal(this.portalId).objects.get('contacts')?.get(p.hubspotId);
    if (contact !== undefined) {
      contact.properties['lifecyclestage'] = next;
      contact.updatedAt = new Date().toISOString();
    }
    const r = await this.o.sandboxes.hubspot.sendWebhooks(this.url('/webhooks/hubspot'), [
      this.hubspotEvent('contact.propertyChange', p.hubspotId, Date.now(), { propertyName: 'lifecyclestage', propertyValue: next }),
    ]);
    this.checked('hubspot', r, 'HubSpot webhook');
  }

  /** Salesforce: a case with the person's words, or an opportunity moving, published as change events. */
  private async salesforceChange(p: Person): Promise<void> {
    const sf = this.o.sandboxes.salesforce.state;
    if (p.salesforceId === undefined) return;
    if (p.segment === 'lead') {
      const status = this.rng.next() < 0.5 ? 'Working - Contacted' : 'Open - Not Contacted';
      sf.update('Lead', p.salesforceId, { Status: status, Description: pick(this.rng, TEXTS[spontaneousText(this.rng, p.segment)]) }, null);
    } else if (this.rng.next() < 0.5) {
      const kind = spontaneousText(this.rng, p.segment);
      sf.create(
        'Case',
        {
          Subject: `${p.company}: ${kind}`,
          Description: pick(this.rng, TEXTS[kind]),
          Status: 'New',
          Priority: kind === 'complaint' ? 'High' : 'Medium',
          ContactId: p.salesforceId,
          SuppliedEmail: p.email,
        },
        null,
      );
    } else {
      sf.create(
        'Opportunity',
        {
          Name: `${p.company} expansion`,
          StageName: 'Prospecting',
          ContactId: p.salesforceId,
          CloseDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
        },
        null,
      );
    }
    this.stats.sent.salesforce++;
  }

  private zendeskTarget(): string {
    return this.url(`/webhooks/zendesk/${this.o.connections.zendesk}`);
  }

  private zendeskEnvelope(type: string, detail: Record<string, unknown>, event: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      account_id: 12345,
      id: `01DEMO${randomBytes(8).toString('hex').toUpperCase()}`,
      type: `zen:event-type:${type}`,
      subject: `zen:ticket:${String(detail['id'])}`,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      zendesk_event_version: '2022-11-06',
      detail,
      event,
    };
  }

  private zendeskUser(p: Person): string {
    if (p.zendeskUserId === undefined) {
      const user = this.o.sandboxes.zendesk.state.addUser({
        name: `${p.firstName} ${p.lastName}`,
        email: p.email,
        phone: null,
        role: 'end-user',
      });
      p.zendeskUserId = user.id;
      this.byZendesk.set(user.id, p);
    }
    return p.zendeskUserId;
  }

  private async deliverZendesk(envelope: Record<string, unknown>): Promise<void> {
    const r = await this.o.sandboxes.zendesk.deliver(this.zendeskTarget(), this.o.credentials.zendesk.webhookSecret, envelope);
    this.checked('zendesk', r, 'Zendesk webhook');
  }

  /** Zendesk: a ticket with the requester's words; it is solved a little later. */
  private async ticket(p: Person, kind: TextKind = spontaneousText(this.rng, p.segment)): Promise<void> {
    const requester = this.zendeskUser(p);
    const id = String(++this.ticketSeq);
    this.ownTickets.add(id);
    const now = new Date().toISOString();
    const priority = kind === 'complaint' || kind === 'cancel' ? 'HIGH' : 'NORMAL';
    const text = pick(this.rng, TEXTS[kind]);
    this.o.sandboxes.zendesk.state.tickets.set(id, {
      id,
      subject: text.slice(0, 60),
      status: 'new',
      priority: priority.toLowerCase(),
      requester_id: requester,
      external_id: null,
      tags: [],
      comments: [{ body: text, public: true, author_id: requester }],
      created_at: now,
      updated_at: now,
    });
    const detail = {
      id,
      requester_id: requester,
      status: 'NEW',
      priority,
      subject: text.slice(0, 60),
      updated_at: now,
      via: { channel: 'email' },
    };
    await this.deliverZendesk(this.zendeskEnvelope('ticket.created', detail));
    await this.deliverZendesk(
      this.zendeskEnvelope(
        'ticket.comment_added',
        { ...detail, status: 'OPEN' },
        { comment: { id: Number(id) * 10, body: text, is_public: true, author: { id: requester, is_staff: false } } },
      ),
    );
    // A solved ticket counts as engagement: a third are fixed within hours, the rest after the attribution window.
    const quick = this.rng.next() < 0.35;
    this.later(quick ? 2 + this.rng.next() * 10 : 80 + this.rng.next() * 120, () => this.solve(p, id, priority, this.rng.next() < 0.7));
  }

  private async solve(p: Person, ticketId: string, priority: string, happy: boolean): Promise<void> {
    const requester = this.zendeskUser(p);
    const row = this.o.sandboxes.zendesk.state.tickets.get(ticketId);
    if (row !== undefined) row.status = 'solved';
    const detail = { id: ticketId, requester_id: requester, status: 'OPEN', priority, updated_at: new Date().toISOString() };
    await this.deliverZendesk(
      this.zendeskEnvelope('ticket.comment_added', detail, {
        comment: {
          id: Number(ticketId) * 10 + 1,
          body: pick(this.rng, happy ? TEXTS.thanks : TEXTS.unhappy),
          is_public: true,
          author: { id: requester, is_staff: false },
        },
      }),
    );
    await this.deliverZendesk(
      this.zendeskEnvelope('ticket.status_changed', { ...detail, status: 'SOLVED' }, { previous: 'OPEN', current: 'SOLVED' }),
    );
  }

  private async sms(p: Person, body: string): Promise<void> {
    if (!p.texts) return;
    const r = await this.o.sandboxes.twilio.inbound(this.url(`/webhooks/twilio/${this.o.connections.twilio}`), {
      from: p.phone,
      to: this.o.credentials.twilio.smsFrom,
      body,
    });
    this.checked('twilio', r, 'Twilio webhook');
  }

  private async whatsapp(p: Person, text: string): Promise<void> {
    if (!p.whatsapp) return;
    const r = await this.o.sandboxes.whatsapp.inbound(this.url(`/webhooks/whatsapp/${this.o.connections.whatsapp}`), {
      waId: waIdOf(p),
      name: `${p.firstName} ${p.lastName}`,
      text,
    });
    this.checked('whatsapp', r, 'WhatsApp webhook');
  }

  /** Another system (a calendar, an email tool) reporting through Baton's public event API. */
  private async apiEvent(p: Person, source: string, type: string, text?: string): Promise<void> {
    const r = await this.o.api.call('POST', '/events', {
      id: `${source}-${randomBytes(8).toString('hex')}`,
      source,
      type,
      occurredAt: new Date().toISOString(),
      subject: { identifiers: [{ type: 'email', value: p.email }], traits: {} },
      ...(text === undefined ? {} : { text }),
      properties: {},
    });
    this.checked('api', r, `POST /events ${type}`);
  }

  // ---- the sales team at the console -----------------------------------------------------------

  private async profileOf(p: Person): Promise<string | undefined> {
    if (p.profileId !== undefined) return p.profileId;
    const r = await this.o.api.call<{ profiles?: { id: string }[] }>('GET', `/profiles?email=${encodeURIComponent(p.email)}`);
    const id = r.body.profiles?.[0]?.id;
    if (id !== undefined) p.profileId = id;
    return id;
  }

  /** A rep opens the person's card: accepts most proposed next best actions, starts a playbook now and then. */
  private async review(p: Person, attempt = 1): Promise<void> {
    this.stats.reviews++;
    const profileId = await this.profileOf(p);
    if (profileId === undefined) {
      // Baton has not linked the person's email yet (the CRM enrichment is a job): look again later.
      if (attempt < 4) this.later(1 + attempt, () => this.review(p, attempt + 1));
      return;
    }
    const card = await this.o.api.call<{
      nextBestAction?: {
        decisionId: string;
        status: string;
        requiresApproval?: boolean;
        draft?: { subject?: string; body: string };
      } | null;
    }>('GET', `/profiles/${profileId}/card`);
    if (card.status === 404) {
      delete p.profileId; // merged into another profile meanwhile
      return;
    }
    const nba = card.body.nextBestAction;
    if (nba !== undefined && nba !== null && nba.status === 'proposed' && !this.acceptedIds.has(nba.decisionId) && this.rng.next() < 0.85) {
      this.acceptedIds.add(nba.decisionId);
      // A drafted message is approved with the rep's own touch; anything else is accepted as proposed.
      const draft =
        nba.requiresApproval === true && nba.draft !== undefined
          ? { ...nba.draft, body: `${nba.draft.body}\n\n${REP_SIGNATURE}` }
          : undefined;
      const r = await this.o.api.call<{ message?: string }>(
        'POST',
        '/cards/actions',
        draft === undefined
          ? { type: 'accept', profileId, decisionId: nba.decisionId }
          : { type: 'approve_draft', profileId, decisionId: nba.decisionId, draft },
      );
      if (r.status === 200) {
        this.stats.accepted++;
        if (draft !== undefined) {
          this.stats.draftsApproved++;
          const runId = /\brun (\S+) started/.exec(r.body.message ?? '')?.[1];
          if (runId !== undefined) keepLast(this.stats.draftRunIds, runId, 20);
        }
        keepLast(this.stats.acceptedDecisionIds, nba.decisionId, 50);
      } else
        this.o.log(
          `card ${draft === undefined ? 'accept' : 'approve_draft'} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`,
        );
    }
    const context = { profile: { firstName: p.firstName, email: p.email, timeZone: 'UTC' }, emails: DEMO_EMAILS };
    if (p.segment === 'lead' && !p.nurtureStarted && this.rng.next() < 0.5) {
      p.nurtureStarted = true;
      await this.startRun('new-lead-nurture', profileId, {
        ...context,
        lead: { source: 'web', score: 30 + Math.floor(this.rng.next() * 70) },
      });
    } else if (p.segment === 'at_risk' && !p.rescueStarted && this.rng.next() < 0.6) {
      p.rescueStarted = true;
      await this.startRun('renewal-rescue', profileId, {
        ...context,
        renewal: {
          arr: 10_000 + Math.floor(this.rng.next() * 90_000),
          renewalDate: new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10),
        },
      });
    }
  }

  /** The rep's approval queue: runs waiting for a person. Most are approved, some rejected (the run takes its other path). */
  private async approvalQueue(): Promise<void> {
    const r = await this.o.api.call<{ runs?: { id: string; waitingFor: string | null; currentStep: string | null }[] }>(
      'GET',
      '/runs?status=waiting&limit=100',
    );
    for (const run of r.body.runs ?? []) {
      if (run.waitingFor !== 'approval' || this.answeredRuns.has(run.id)) continue;
      this.answeredRuns.add(run.id);
      const approve = this.rng.next() < 0.85;
      const answer = await this.o.api.call('POST', `/runs/${encodeURIComponent(run.id)}/approve`, {
        ...(run.currentStep === null ? {} : { stepId: run.currentStep }),
        decision: approve ? 'approved' : 'rejected',
        actor: REP,
        comment: approve ? 'Looks right, go ahead.' : 'Not now: keep nurturing.',
      });
      if (answer.status !== 200) {
        this.o.log(`POST /runs/${run.id}/approve answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
        continue;
      }
      if (!approve) {
        this.stats.runRejections++;
        continue;
      }
      this.stats.runApprovals++;
      keepLast(this.stats.approvedRunIds, run.id, 20);
    }
  }

  private async startRun(playbookId: string, profileId: string, context: Record<string, unknown>): Promise<void> {
    const r = await this.o.api.call('POST', '/runs', { playbookId, profileId, context });
    if (r.status === 201) this.stats.runsStarted++;
    else if (r.status !== 200) this.o.log(`POST /runs ${playbookId} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
  }

  // ---- what Baton did, seen from the vendors ---------------------------------------------------

  private observe(): void {
    const { hubspot, salesforce, twilio, whatsapp, zendesk } = this.o.sandboxes;
    const w = this.stats.batonWrites;
    const hubspotWrites = hubspot.state.requests.filter((r) => r.method !== 'GET' && !READS.test(r.path));
    w.hubspot = hubspotWrites.length;
    this.stats.hubspotRecordWrites = hubspotWrites.filter((r) => !r.path.startsWith('/crm/v3/properties/')).length;
    w.salesforce =
      salesforce.state.requests.filter((r) => r.method !== 'GET' && !/\/query/.test(r.path)).length + salesforce.state.apexRest.length;
    w.sms = twilio.state.messages.filter((m) => !m.to.startsWith('whatsapp:')).length;
    w.whatsapp = whatsapp.state.sent.length + twilio.state.messages.filter((m) => m.to.startsWith('whatsapp:')).length;
    w.zendesk = zendesk.state.requests.filter((r) => r.method === 'POST' || r.method === 'PUT').length;

    const portal = hubspot.state.portals.get(this.portalId);
    for (const task of portal?.objects.get('tasks')?.values() ?? []) {
      if (this.seen.hubspotTasks.has(task.id)) continue;
      this.seen.hubspotTasks.add(task.id);
      const p = this.byHubSpot.get(task.associations?.[0]?.toId ?? '');
      if (p !== undefined) this.touched(p, 'task');
    }
    for (const [sendId, send] of portal?.singleSends ?? []) {
      if (this.seen.hubspotSends.has(sendId)) continue;
      this.seen.hubspotSends.add(sendId);
      const to = (send['message'] as { to?: string } | undefined)?.to;
      const p = to === undefined ? undefined : this.byEmail.get(to.toLowerCase());
      if (p !== undefined) this.touched(p, 'email');
    }
    for (const task of salesforce.state.tasks()) {
      if (this.seen.sfTasks.has(task.Id)) continue;
      this.seen.sfTasks.add(task.Id);
      const p = this.bySalesforce.get(String(task['WhoId'] ?? ''));
      if (p !== undefined) this.touched(p, 'task');
    }
    for (const action of salesforce.state.actions.slice(this.seen.sfActions)) {
      if (action.name !== 'emailSimple') continue;
      for (const input of action.inputs) {
        const p =
          this.bySalesforce.get(String(input['recipientId'] ?? '')) ??
          this.byEmail.get(String(input['emailAddresses'] ?? '').toLowerCase());
        if (p !== undefined) this.touched(p, 'email');
      }
    }
    this.seen.sfActions = salesforce.state.actions.length;
    for (const m of twilio.state.messages.slice(this.seen.twilio)) {
      const wa = m.to.startsWith('whatsapp:');
      const p = this.byPhone.get(m.to.replace(/^whatsapp:/, ''));
      if (p !== undefined) this.touched(p, wa ? 'whatsapp' : 'sms');
    }
    this.seen.twilio = twilio.state.messages.length;
    for (const m of whatsapp.state.sent.slice(this.seen.whatsapp)) {
      const p = this.byPhone.get(`+${m.to}`);
      if (p !== undefined) this.touched(p, 'whatsapp');
    }
    this.seen.whatsapp = whatsapp.state.sent.length;
    for (const t of zendesk.state.tickets.values()) {
      if (this.ownTickets.has(t.id) || this.seen.zendesk.has(t.id)) continue;
      this.seen.zendesk.add(t.id);
      const p =
        this.byZendesk.get(t.requester_id) ??
        this.people.find((x) => x.email.toLowerCase() === zendesk.state.users.get(t.requester_id)?.email?.toLowerCase());
      if (p !== undefined) {
        if (p.zendeskUserId === undefined) {
          p.zendeskUserId = t.requester_id;
          this.byZendesk.set(t.requester_id, p);
        }
        this.touched(p, 'ticket', t.id);
      }
    }
  }

  /** A person received something from Baton: with their hidden propensity they answer, a few opt out. */
  private touched(p: Person, touch: Touch, ticketId?: string): void {
    this.stats.touches++;
    if (p.unsubscribed) return;
    // Most emails get opened (a nurture run waits for that), whether or not the person answers.
    if (touch === 'email' && this.rng.next() < 0.6) this.later(0.2 + this.rng.next(), () => this.apiEvent(p, 'email', 'email.opened'));
    const roll = this.rng.next();
    const delay = 1 + this.rng.next() * 6;
    if (roll < p.preferences[touch]) {
      this.stats.positiveResponses++;
      this.later(delay, () => this.respond(p, touch, ticketId));
    } else if (roll > 0.985 && touch !== 'task' && touch !== 'ticket') {
      this.stats.unsubscribes++;
      p.unsubscribed = true;
      this.later(delay, () => this.optOut(p, touch));
    }
  }

  private async respond(p: Person, touch: Touch, ticketId?: string): Promise<void> {
    switch (touch) {
      case 'sms':
        await this.sms(p, pick(this.rng, TEXTS.reply));
        break;
      case 'whatsapp':
        await this.whatsapp(p, pick(this.rng, TEXTS.reply));
        break;
      case 'email':
        if (this.rng.next() < 0.5) await this.apiEvent(p, 'email', 'email.replied', pick(this.rng, TEXTS.reply));
        else await this.apiEvent(p, 'calendar', 'meeting.booked');
        break;
      case 'task':
        await this.apiEvent(p, 'calendar', 'meeting.booked');
        if (p.lifecycle !== 'customer') await this.crmChange(p);
        break;
      case 'ticket':
        if (ticketId !== undefined) await this.solve(p, ticketId, 'NORMAL', true);
        break;
    }
    this.later(0.5, () => this.review(p));
  }

  private async optOut(p: Person, touch: Touch): Promise<void> {
    if (touch === 'sms') await this.sms(p, 'STOP');
    else if (touch === 'whatsapp') await this.whatsapp(p, pick(this.rng, TEXTS.unsubscribe));
    else await this.apiEvent(p, 'email', 'email.unsubscribed');
  }
}
