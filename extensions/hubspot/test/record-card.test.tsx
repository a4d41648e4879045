import {
  Button,
  EmptyState,
  ErrorState,
  Input,
  LineChart,
  List,
  LoadingSpinner,
  Select,
  StatusTag,
  Table,
  TableRow,
  Tag,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { type AddAlert, backendUrlFrom, createBatonApi, NOT_CONFIGURED } from '../src/app/cards/lib/api';
import { RecordCard } from '../src/app/cards/components/RecordCard';
import type { CardView } from '../src/app/cards/lib/contract/card-view';
import {
  allText,
  BASE_URL,
  deferred,
  fire,
  fullCard,
  type RecordedCall,
  type Reply,
  recordingFetch,
  settle,
  unknownRecordCard,
} from './support';

interface Setup {
  readonly renderer: ReturnType<typeof createRenderer<'crm.record.tab'>>;
  readonly calls: RecordedCall[];
  readonly alerts: Parameters<AddAlert>[0][];
  readonly refreshes: { count: number };
}

/** Renders the card against a recording fetch; `respond` answers each call (default: the full card, and for actions the card it is given). */
function setup(respond: (call: RecordedCall) => Reply | Promise<Reply>): Setup {
  const renderer = createRenderer('crm.record.tab');
  const { fetch, calls } = recordingFetch(respond);
  const alerts: Parameters<AddAlert>[0][] = [];
  const refreshes = { count: 0 };
  const { crm } = renderer.mocks.context;
  renderer.render(
    <RecordCard
      objectTypeId={crm.objectTypeId}
      objectId={crm.objectId}
      api={createBatonApi({ baseUrl: BASE_URL, fetch })}
      addAlert={(a) => alerts.push(a)}
      refreshObjectProperties={() => {
        refreshes.count += 1;
      }}
    />,
  );
  return { renderer, calls, alerts, refreshes };
}

const cardReply = (card: CardView): Reply => ({ status: 200, body: card });
const actionReply = (message: string, card: CardView): Reply => ({ status: 200, body: { message, card } });

/** Loads the full card and answers every action with `afterAction`. */
async function loadedCard(card: CardView, afterAction: (call: RecordedCall) => Reply = () => actionReply('Done.', card)): Promise<Setup> {
  const s = setup((call) => (call.method === 'GET' ? cardReply(card) : afterAction(call)));
  await s.renderer.waitFor(() => expect(s.renderer.findByTestId(Text, 'nba-label')).toBeDefined());
  return s;
}

describe('Baton record card: states', () => {
  it('shows a spinner while the record loads, asking for this record by object type and id', async () => {
    const pending = deferred<Reply>();
    const { renderer, calls } = setup(() => pending.promise);
    expect(renderer.findByTestId(LoadingSpinner, 'baton-loading').props.label).toBe('Loading Baton…');
    await settle();
    expect(renderer.findByTestId(LoadingSpinner, 'baton-loading')).toBeDefined();
    expect(calls).toEqual([{ url: `${BASE_URL}/hubspot/cards/record?objectTypeId=0-1&objectId=123`, method: 'GET', body: undefined }]);
    pending.resolve(cardReply(fullCard()));
    await renderer.waitFor(() => expect(renderer.maybeFind(LoadingSpinner)).toBeNull());
  });

  it('says so when Baton has not seen the record yet', async () => {
    const { renderer } = setup(() => cardReply(unknownRecordCard()));
    await renderer.waitFor(() =>
      expect(renderer.findByTestId(EmptyState, 'baton-empty').props.title).toBe('Baton has not seen this record yet'),
    );
    expect(renderer.maybeFind(Button)).toBeNull();
  });

  it('shows the backend error message and loads again on "Try again"', async () => {
    let attempt = 0;
    const { renderer, calls } = setup(() => {
      attempt += 1;
      return attempt === 1
        ? { status: 503, body: { error: { code: 'unavailable', message: 'Baton is restarting, try again in a minute.' } } }
        : cardReply(fullCard());
    });
    await renderer.waitFor(() => expect(renderer.findByTestId(ErrorState, 'baton-error')).toBeDefined());
    expect(renderer.findByTestId(Text, 'baton-error-message').text).toBe('Baton is restarting, try again in a minute.');
    fire(renderer.findByTestId(Button, 'baton-reload'), 'onClick');
    await renderer.waitFor(() => expect(renderer.findByTestId(Text, 'nba-label').text).toBe('Send the fintech case study'));
    expect(calls).toHaveLength(2);
  });

  it('refuses an answer that does not match the card contract instead of rendering it', async () => {
    const { renderer } = setup(() => ({
      status: 200,
      body: { ...fullCard(), hotness: { score: 140, trend: 'rising', updatedAt: '2026-11-30T11:00:00Z' } },
    }));
    await renderer.waitFor(() =>
      expect(renderer.findByTestId(Text, 'baton-error-message').text).toMatch(/does not understand \(hotness\.score/),
    );
  });

  it('explains a missing backend URL without calling anything', () => {
    const renderer = createRenderer('crm.record.tab');
    renderer.render(<RecordCard objectTypeId="0-1" objectId={1} api={null} addAlert={() => undefined} />);
    expect(allText(renderer.findByTestId(ErrorState, 'baton-error'))).toContain(NOT_CONFIGURED);
    expect(renderer.maybeFind(Button)).toBeNull();
  });

  it('renders the full card: stage and time in stage, hotness, next best action with reasons, runs, identities, signals', async () => {
    const { renderer } = await loadedCard(fullCard());
    expect(renderer.findByTestId(Tag, 'journey-stage').text).toBe('Opportunity');
    expect(renderer.findByTestId(Text, 'time-in-stage').text).toBe('3 days (since 2026-11-27 09:00 UTC)');
    expect(renderer.findByTestId(Text, 'hotness').text).toBe('82 / 100');
    expect(renderer.findByTestId(Tag, 'hotness-trend').text).toBe('Rising');
    expect(renderer.findByTestId(Tag, 'nba-status').text).toBe('Proposed');
    expect(
      renderer
        .findByTestId(List, 'nba-reasons')
        .findAll(Text)
        .map((t) => t.text),
    ).toEqual(['Asked about pricing yesterday (purchase intent).', 'Similar people replied 31% of the time.']);
    expect(renderer.findByTestId(TextArea, 'draft-body').props.value).toBe('Hi Ada, here is the case study we discussed.');
    expect(renderer.findByTestId(StatusTag, 'run-status-run_failed').props.variant).toBe('danger');
    expect(renderer.findByTestId(StatusTag, 'step-status-run_failed-create_task').text).toBe('Failed');
    expect(allText(renderer.getRootNode())).toContain('rate_limited: HubSpot answered 429 five times');
    // The route the email took (HubSpot chose among transactional, marketing, sequence, owner task).
    expect(allText(renderer.getRootNode())).toContain('Owner task');
    expect(renderer.maybeFindByTestId(Button, 'retry-run_done')).toBeNull();
    // Header, three identities, and the evidence line under the one a link brought.
    expect(renderer.findByTestId(Table, 'identities').findAll(TableRow)).toHaveLength(1 + 3 + 1);
    expect(renderer.findByTestId(Text, 'identity-evidence-phone::+447700900123').props.variant).toBe('microcopy');
    expect(renderer.findByTestId(Text, 'identity-evidence-phone::+447700900123').text).toBe(
      'same email a…@example.com, name Ada ≈ Adah · HubSpot contact ↔ Zendesk user',
    );
    expect(renderer.maybeFindByTestId(Text, 'identity-evidence-email::ada@example.com')).toBeNull();
    expect(allText(renderer.getRootNode())).toContain('123 (62515)');
    expect(allText(renderer.getRootNode())).toContain('A. Lovelace: 87% likely the same person');
    const signals = renderer.findByTestId(Table, 'signals');
    expect(allText(signals)).toContain('Purchase intent (92%)');
    expect(allText(signals)).toContain('Positive +0.35');
    expect(allText(signals)).toContain('zendesk · Ticket comment');
    expect(allText(signals)).toContain('Positive +0.35 en What would it cost for 40 seats?');
  });

  it('renders the conversation: latest messages with channel, speaker, signals and language, the sentiment trend with its sharp fall', async () => {
    const { renderer } = await loadedCard(fullCard());
    const rows = renderer.findByTestId(Table, 'conversation').findAll(TableRow);
    expect(rows).toHaveLength(1 + 3);
    expect(allText(rows[1] ?? renderer.getRootNode())).toBe(
      '2026-11-30 09:00 UTC WhatsApp · Customer Complaint Urgent Negative -0.72 es Esto es inaceptable, nadie me responde.',
    );
    expect(allText(rows[2] ?? renderer.getRootNode())).toContain('WhatsApp · Baton');
    expect(allText(rows[3] ?? renderer.getRootNode())).toContain('Zendesk · Rep');
    expect(renderer.findByTestId(Text, 'trend-latest').text).toBe('Sentiment trend -0.12');
    expect(renderer.findByTestId(Tag, 'trend-direction').text).toBe('Falling');
    expect(renderer.findByTestId(Tag, 'trend-fall').text).toBe('Sharp fall +0.60 → -0.12 (2026-11-30 09:00 UTC)');
    const chart = renderer.findByTestId(LineChart, 'trend-chart');
    expect((chart.props.data as { trend: number }[]).map((d) => d.trend)).toEqual([0.6, 0.475, -0.123]);
  });

  it('leaves the conversation out for a backend without it, and says so when there are no messages', async () => {
    const { conversation: _c, ...older } = fullCard();
    const { renderer } = await loadedCard(older);
    expect(renderer.maybeFindByTestId(Table, 'conversation')).toBeNull();
    const empty = await loadedCard(
      fullCard({ conversation: { latest: [], trend: { points: [], latest: null, direction: 'steady', falls: [] } } }),
    );
    expect(empty.renderer.findByTestId(Text, 'conversation-none').text).toBe('No messages with this person yet.');
    expect(empty.renderer.findByTestId(Text, 'trend-none')).toBeDefined();
    expect(empty.renderer.maybeFindByTestId(LineChart, 'trend-chart')).toBeNull();
  });

  const traits: NonNullable<CardView['traits']> = [
    { name: 'plan', value: 'enterprise', source: 'warehouse:conn_7', at: '2026-11-30T08:00:00Z' },
    { name: 'audience_trial', value: true, source: 'warehouse:conn_8', at: '2026-11-30T07:00:00Z', audience: 'trial' },
    { name: 'seats', value: 60, source: 'warehouse:conn_7', at: '2026-11-30T06:00:00Z' },
    { name: 'audience_churn_risk', value: false, source: 'warehouse:conn_9', at: '2026-11-29T07:00:00Z', audience: 'churn_risk' },
    { name: 'vip', value: false, source: 'salesforce', at: '2026-11-20T10:00:00Z' },
    { name: 'firstName', value: '<b>Ada</b>', source: 'hubspot', at: '2026-11-01T10:00:00Z' },
  ];

  it('renders traits newest first with value, source and time, and audience traits as memberships', async () => {
    const { renderer } = await loadedCard(fullCard({ traits }));
    const rows = renderer.findByTestId(Table, 'traits').findAll(TableRow);
    expect(rows.map((r) => allText(r))).toEqual([
      'Trait Value Source Changed',
      'plan enterprise Warehouse conn_7 2026-11-30 08:00 UTC',
      'seats 60 Warehouse conn_7 2026-11-30 06:00 UTC',
      'vip No Salesforce 2026-11-20 10:00 UTC',
      // Markup in a value is text, never rendered.
      'firstName <b>Ada</b> HubSpot 2026-11-01 10:00 UTC',
    ]);
    const trial = renderer.findByTestId(Tag, 'audience-trial');
    expect(trial.props.variant).toBe('success');
    expect(trial.text).toBe('trial: member · Warehouse conn_8 · 2026-11-30 07:00 UTC');
    const churn = renderer.findByTestId(Tag, 'audience-churn_risk');
    expect(churn.props.variant).toBe('default');
    expect(churn.text).toBe('churn_risk: left · Warehouse conn_9 · 2026-11-29 07:00 UTC');
  });

  it('leaves traits out for a backend without them, and says so when the person has none', async () => {
    const { renderer } = await loadedCard(fullCard());
    expect(renderer.maybeFindByTestId(Table, 'traits')).toBeNull();
    expect(renderer.maybeFindByTestId(Text, 'traits-empty')).toBeNull();
    const empty = await loadedCard(fullCard({ traits: [] }));
    expect(empty.renderer.findByTestId(Text, 'traits-empty').text).toBe('No traits recorded for this person yet.');
    expect(empty.renderer.maybeFindByTestId(Table, 'traits')).toBeNull();
  });
});

describe('Baton record card: buttons', () => {
  const noDraft = () => {
    const card = fullCard();
    const nba = card.nextBestAction;
    if (nba === null) throw new Error('fixture has a next best action');
    const { draft: _draft, ...rest } = nba;
    return fullCard({ nextBestAction: { ...rest, requiresApproval: false } });
  };

  it('"Do it" accepts the decision, shows the refreshed card and asks HubSpot to reload the properties Baton wrote', async () => {
    const accepted = noDraft();
    const after = fullCard({
      nextBestAction: accepted.nextBestAction === null ? null : { ...accepted.nextBestAction, status: 'accepted' },
    });
    const { renderer, calls, alerts, refreshes } = await loadedCard(noDraft(), () =>
      actionReply('Queued: Send the fintech case study.', after),
    );
    fire(renderer.findByTestId(Button, 'nba-accept'), 'onClick');
    await renderer.waitFor(() => expect(renderer.findByTestId(Tag, 'nba-status').text).toBe('Accepted'));
    expect(calls[1]).toEqual({
      url: `${BASE_URL}/hubspot/cards/actions`,
      method: 'POST',
      body: { type: 'accept', profileId: 'prof_1', decisionId: 'dec_1' },
    });
    expect(alerts).toEqual([{ type: 'success', message: 'Queued: Send the fintech case study.' }]);
    expect(refreshes.count).toBe(1);
    expect(renderer.maybeFindByTestId(Button, 'nba-accept')).toBeNull();
  });

  it('snoozes for the chosen time and dismisses', async () => {
    const { renderer, calls } = await loadedCard(noDraft());
    fire(renderer.findByTestId(Select, 'snooze-hours'), 'onChange', 72);
    await renderer.waitFor(() => expect(renderer.findByTestId(Select, 'snooze-hours').props.value).toBe(72));
    fire(renderer.findByTestId(Button, 'nba-snooze'), 'onClick');
    await renderer.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]?.body).toEqual({ type: 'snooze', profileId: 'prof_1', decisionId: 'dec_1', hours: 72 });
    await renderer.waitFor(() => expect(renderer.findByTestId(Button, 'nba-dismiss').props.disabled).toBe(false));
    fire(renderer.findByTestId(Button, 'nba-dismiss'), 'onClick');
    await renderer.waitFor(() => expect(calls).toHaveLength(3));
    expect(calls[2]?.body).toEqual({ type: 'dismiss', profileId: 'prof_1', decisionId: 'dec_1' });
  });

  it('approves the drafted message as the rep edited it', async () => {
    const { renderer, calls } = await loadedCard(fullCard());
    fire(renderer.findByTestId(Input, 'draft-subject'), 'onChange', 'Your case study');
    fire(renderer.findByTestId(TextArea, 'draft-body'), 'onChange', '  Hi Ada, as promised: the case study. Best, Sam  ');
    await renderer.waitFor(() => expect(renderer.findByTestId(Input, 'draft-subject').props.value).toBe('Your case study'));
    fire(renderer.findByTestId(Button, 'draft-approve'), 'onClick');
    await renderer.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toEqual({
      url: `${BASE_URL}/hubspot/cards/actions`,
      method: 'POST',
      body: {
        type: 'approve_draft',
        profileId: 'prof_1',
        decisionId: 'dec_1',
        draft: { subject: 'Your case study', body: 'Hi Ada, as promised: the case study. Best, Sam' },
      },
    });
  });

  it('does not send an empty draft and says why', async () => {
    const { renderer, calls } = await loadedCard(fullCard());
    fire(renderer.findByTestId(TextArea, 'draft-body'), 'onChange', '   ');
    await renderer.waitFor(() => expect(renderer.findByTestId(TextArea, 'draft-body').props.value).toBe('   '));
    fire(renderer.findByTestId(Button, 'draft-approve'), 'onClick');
    await renderer.waitFor(() =>
      expect(renderer.findByTestId(TextArea, 'draft-body').props.validationMessage).toBe('The message is empty.'),
    );
    expect(calls).toHaveLength(1);
  });

  it('retries the failed step of a parked run', async () => {
    const fixed = fullCard();
    const after = fullCard({ runs: fixed.runs.map((r) => (r.runId === 'run_failed' ? { ...r, status: 'running', canRetry: false } : r)) });
    const { renderer, calls, alerts, refreshes } = await loadedCard(fixed, () => actionReply('Retrying create_task.', after));
    fire(renderer.findByTestId(Button, 'retry-run_failed'), 'onClick');
    await renderer.waitFor(() => expect(renderer.findByTestId(StatusTag, 'run-status-run_failed').text).toBe('Running'));
    expect(calls[1]?.body).toEqual({ type: 'retry_step', profileId: 'prof_1', runId: 'run_failed' });
    expect(alerts[0]?.message).toBe('Retrying create_task.');
    expect(refreshes.count).toBe(0);
    expect(renderer.maybeFindByTestId(Button, 'retry-run_failed')).toBeNull();
  });

  it('confirms and rejects a possible match', async () => {
    const { renderer, calls } = await loadedCard(fullCard());
    fire(renderer.findByTestId(Button, 'match-confirm-m_1'), 'onClick');
    await renderer.waitFor(() => expect(calls).toHaveLength(2));
    await renderer.waitFor(() => expect(renderer.findByTestId(Button, 'match-reject-m_1').props.disabled).toBe(false));
    fire(renderer.findByTestId(Button, 'match-reject-m_1'), 'onClick');
    await renderer.waitFor(() => expect(calls).toHaveLength(3));
    expect(calls.slice(1).map((c) => c.body)).toEqual([
      { type: 'confirm_match', profileId: 'prof_1', matchId: 'm_1' },
      { type: 'reject_match', profileId: 'prof_1', matchId: 'm_1' },
    ]);
  });

  it('keeps the card and tells the rep when an action fails', async () => {
    const { renderer, alerts } = await loadedCard(noDraft(), () => ({
      status: 409,
      body: { error: { code: 'stale_decision', message: 'This decision was replaced; reload the card.' } },
    }));
    fire(renderer.findByTestId(Button, 'nba-accept'), 'onClick');
    await renderer.waitFor(() => expect(alerts).toHaveLength(1));
    expect(alerts[0]).toEqual({
      type: 'danger',
      title: 'Baton could not do that',
      message: 'This decision was replaced; reload the card.',
    });
    expect(renderer.findByTestId(Tag, 'nba-status').text).toBe('Proposed');
    await renderer.waitFor(() => expect(renderer.findByTestId(Button, 'nba-accept').props.disabled).toBe(false));
  });

  it('disables the buttons while an action is in flight, so a double click sends once', async () => {
    const pending = deferred<Reply>();
    const s = setup((call) => (call.method === 'GET' ? cardReply(noDraft()) : pending.promise));
    await s.renderer.waitFor(() => expect(s.renderer.findByTestId(Button, 'nba-accept')).toBeDefined());
    fire(s.renderer.findByTestId(Button, 'nba-accept'), 'onClick');
    await s.renderer.waitFor(() => expect(s.renderer.findByTestId(Button, 'nba-accept').props.disabled).toBe(true));
    fire(s.renderer.findByTestId(Button, 'nba-accept'), 'onClick');
    pending.resolve(actionReply('Done.', noDraft()));
    await s.renderer.waitFor(() => expect(s.renderer.findByTestId(Button, 'nba-accept').props.disabled).toBe(false));
    expect(s.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });
});

describe('backend URL from the config profile', () => {
  it('takes an https PUBLIC_URL, trimmed of trailing slashes, and nothing else', () => {
    expect(backendUrlFrom({ variables: { PUBLIC_URL: 'https://baton.example.com/' } })).toBe('https://baton.example.com');
    expect(backendUrlFrom({ variables: { PUBLIC_URL: 'http://localhost:3000' } })).toBeNull();
    expect(backendUrlFrom({ variables: {} })).toBeNull();
    expect(backendUrlFrom(undefined)).toBeNull();
  });
});
