/* global jest, describe, it, expect, afterEach, document */
import { createElement } from 'lwc';
import BatonCard from 'c/batonCard';
import getCard from '@salesforce/apex/BatonCardController.getCard';
import act from '@salesforce/apex/BatonCardController.act';

jest.mock('@salesforce/apex/BatonCardController.getCard', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/BatonCardController.act', () => ({ default: jest.fn() }), { virtual: true });

const RECORD_ID = '0035g00000AbCdEAAF';
const NOW = '2026-11-30T10:00:00.000Z';

/** A card as the backend's app/cards/card-view.ts contract builds it. */
function fullCard(overrides = {}) {
    return {
        profileId: 'prf_1',
        displayName: 'Ada Lovelace',
        journey: { stage: 'engaged', enteredAt: NOW, timeInStageMs: 0, history: [] },
        hotness: { score: 61.6, trend: 'rising', updatedAt: NOW },
        nextBestAction: {
            decisionId: 'dec_1',
            action: { id: 'call', label: 'Call Ada', channel: 'task' },
            score: 0.4,
            propensity: 0.3,
            reasons: [
                { code: 'score.propensity', text: 'Likely to answer a call this week' },
                { code: 'signal.intent', text: 'Asked for a demo yesterday' },
            ],
            requiresApproval: false,
            status: 'proposed',
            decidedAt: NOW,
        },
        runs: [
            {
                runId: 'run_failed',
                playbookId: 'p1',
                playbookName: 'New lead nurture',
                playbookVersion: 1,
                status: 'failed',
                startedAt: NOW,
                updatedAt: NOW,
                canRetry: true,
                steps: [],
            },
            {
                runId: 'run_ok',
                playbookId: 'p2',
                playbookName: 'Renewal',
                playbookVersion: 1,
                status: 'running',
                startedAt: NOW,
                updatedAt: NOW,
                canRetry: false,
                steps: [],
            },
        ],
        identities: [
            { type: 'email', value: 'ada@example.com', source: 'salesforce', linkedAt: NOW },
            { type: 'salesforce_contact_id', value: RECORD_ID, scope: '00D5e000000KQ2eEAG', source: 'salesforce', linkedAt: NOW },
            {
                type: 'whatsapp',
                value: '13035550142',
                source: 'whatsapp',
                linkedAt: NOW,
                evidence: 'same phone +1 303 555 0142, name Joe ≈ Joseph · Salesforce contact ↔ WhatsApp sender',
            },
        ],
        possibleMatches: [
            { matchId: 'mt_1', otherProfileId: 'prf_2', displayName: 'A. Lovelace', probability: 0.83, reasons: ['same phone'] },
        ],
        signals: [
            {
                eventId: 'evt_1',
                source: 'zendesk',
                type: 'ticket.created',
                occurredAt: NOW,
                excerpt: 'Can we see a demo?',
                intent: 'demo_request',
                intentConfidence: 0.91,
                sentiment: 0.4,
                sentimentLabel: 'positive',
                urgency: 'high',
                language: 'en',
            },
            {
                eventId: 'evt_2',
                source: 'salesforce',
                type: 'contact.updated',
                occurredAt: NOW,
                excerpt: null,
                intent: null,
                intentConfidence: null,
                sentiment: null,
                sentimentLabel: null,
                urgency: null,
            },
        ],
        conversation: {
            latest: [
                {
                    messageId: 'msg_3',
                    threadKey: 'whatsapp:13035550142',
                    channel: 'whatsapp',
                    speaker: 'customer',
                    occurredAt: NOW,
                    excerpt: 'Ça ne marche toujours pas, c’est inadmissible.',
                    intent: 'complaint',
                    sentiment: -0.7,
                    sentimentLabel: 'negative',
                    urgency: 'high',
                    language: 'fr',
                },
                {
                    messageId: 'msg_2',
                    threadKey: 'whatsapp:13035550142',
                    channel: 'whatsapp',
                    speaker: 'bot',
                    occurredAt: NOW,
                    excerpt: 'Your order ships today.',
                    intent: null,
                    sentiment: null,
                    sentimentLabel: null,
                    urgency: null,
                    language: null,
                },
                {
                    messageId: 'msg_1',
                    threadKey: 'zendesk:acme:42',
                    channel: 'zendesk',
                    speaker: 'rep',
                    occurredAt: NOW,
                    excerpt: null,
                    intent: null,
                    sentiment: null,
                    sentimentLabel: null,
                    urgency: null,
                    language: null,
                },
            ],
            trend: {
                points: [
                    { at: '2026-11-28T10:00:00Z', sentiment: 0.6, trend: 0.6 },
                    { at: '2026-11-29T10:00:00Z', sentiment: 0.4, trend: 0.5 },
                    { at: NOW, sentiment: -0.7, trend: -0.1 },
                ],
                latest: -0.1,
                direction: 'falling',
                falls: [{ at: NOW, from: 0.6, to: -0.1, drop: 0.7 }],
            },
        },
        generatedAt: NOW,
        ...overrides,
    };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function mount(recordId = RECORD_ID) {
    const element = createElement('c-baton-card', { is: BatonCard });
    element.recordId = recordId;
    document.body.appendChild(element);
    await flush();
    return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const button = (element, label) => $$(element, 'lightning-button').find((b) => b.label === label);
const sentAction = (call = act.mock.calls.at(-1)) => ({ recordId: call[0].recordId, action: JSON.parse(call[0].actionJson) });
const text = (element) => element.shadowRoot.textContent.replace(/\s+/g, ' ');

afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
});

describe('c-baton-card', () => {
    it('shows a spinner while the card loads, then the card', async () => {
        let answer;
        getCard.mockReturnValue(new Promise((resolve) => (answer = resolve)));
        const element = createElement('c-baton-card', { is: BatonCard });
        element.recordId = RECORD_ID;
        document.body.appendChild(element);
        await Promise.resolve();
        expect($(element, 'lightning-spinner')).not.toBeNull();
        expect($(element, 'lightning-spinner').alternativeText).toBe('Loading Baton');
        expect(getCard).toHaveBeenCalledWith({ recordId: RECORD_ID });
        answer({ recordId: RECORD_ID, card: fullCard() });
        await flush();
        expect($(element, 'lightning-spinner')).toBeNull();
        expect(text(element)).toContain('Call Ada');
        await expect(element).toBeAccessible();
    });

    it('says Baton has not seen the record when the card has no profile', async () => {
        getCard.mockResolvedValue({
            recordId: RECORD_ID,
            card: fullCard({ profileId: null, nextBestAction: null, runs: [], identities: [], possibleMatches: [], signals: [] }),
        });
        const element = await mount();
        expect(text(element)).toContain('Baton has not seen this record yet');
        expect($$(element, 'lightning-button')).toHaveLength(0);
        await expect(element).toBeAccessible();
    });

    it('shows the controller error in an alert, and a refresh clears it', async () => {
        getCard.mockRejectedValueOnce({ body: { message: 'Baton is not connected to this org yet' } });
        const element = await mount();
        const alert = $(element, '[role="alert"]');
        expect(alert).not.toBeNull();
        expect(alert.textContent).toContain('Baton is not connected to this org yet');
        await expect(element).toBeAccessible();
        getCard.mockResolvedValueOnce({ recordId: RECORD_ID, card: fullCard() });
        $(element, 'lightning-button-icon').dispatchEvent(new CustomEvent('click'));
        await flush();
        expect($(element, '[role="alert"]')).toBeNull();
        expect(getCard).toHaveBeenCalledTimes(2);
    });

    it('falls back to a generic message when the error carries none', async () => {
        getCard.mockRejectedValueOnce({});
        const element = await mount();
        expect($(element, '[role="alert"]').textContent).toContain('Baton could not be reached');
    });

    it('renders stage, hotness and the next best action with every reason', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        const element = await mount();
        expect($(element, 'lightning-badge').label).toBe('engaged');
        expect(text(element)).toContain('62 (rising)');
        const nba = $(element, 'section[aria-label="Next best action"]');
        expect(nba.textContent).toContain('Call Ada');
        expect(nba.textContent).toContain('proposed');
        expect([...nba.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
            'Likely to answer a call this week',
            'Asked for a demo yesterday',
        ]);
        await expect(element).toBeAccessible();
    });

    it.each([
        ['Accept', { type: 'accept', profileId: 'prf_1', decisionId: 'dec_1' }],
        ['Snooze 24 h', { type: 'snooze', profileId: 'prf_1', decisionId: 'dec_1', hours: 24 }],
        ['Dismiss', { type: 'dismiss', profileId: 'prf_1', decisionId: 'dec_1' }],
    ])('"%s" sends its action through the controller and shows the refreshed card', async (label, expected) => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        act.mockResolvedValue({
            message: `${label} done`,
            card: fullCard({ nextBestAction: { ...fullCard().nextBestAction, status: 'accepted' } }),
        });
        const element = await mount();
        button(element, label).dispatchEvent(new CustomEvent('click'));
        await flush();
        expect(act).toHaveBeenCalledTimes(1);
        expect(sentAction()).toEqual({ recordId: RECORD_ID, action: expected });
        expect($(element, '[role="status"]').textContent).toBe(`${label} done`);
        expect($(element, 'section[aria-label="Next best action"]').textContent).toContain('accepted');
    });

    it('sends an edited draft with "Approve and send"', async () => {
        const nba = { ...fullCard().nextBestAction, requiresApproval: true, draft: { subject: 'Your demo', body: 'Hi Ada' } };
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard({ nextBestAction: nba }) });
        act.mockResolvedValue({ message: 'Sent', card: fullCard() });
        const element = await mount();
        const textarea = $(element, 'lightning-textarea');
        expect(textarea.value).toBe('Hi Ada');
        textarea.dispatchEvent(new CustomEvent('change', { detail: { value: 'Hi Ada, Thursday works' } }));
        button(element, 'Approve and send').dispatchEvent(new CustomEvent('click'));
        await flush();
        expect(sentAction().action).toEqual({
            type: 'approve_draft',
            profileId: 'prf_1',
            decisionId: 'dec_1',
            draft: { subject: 'Your demo', body: 'Hi Ada, Thursday works' },
        });
        await expect(element).toBeAccessible();
    });

    it('lists runs and retries only the failed one', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        act.mockResolvedValue({ message: 'Retrying', card: fullCard() });
        const element = await mount();
        const runs = $$(element, 'ul.runs > li');
        expect(runs.map((li) => li.textContent.replace(/\s+/g, ' ').trim())).toEqual(['New lead nurture — failed', 'Renewal — running']);
        const retries = $$(element, 'lightning-button').filter((b) => b.label === 'Retry');
        expect(retries).toHaveLength(1);
        retries[0].dispatchEvent(new CustomEvent('click'));
        await flush();
        expect(sentAction()).toEqual({ recordId: RECORD_ID, action: { type: 'retry_step', profileId: 'prf_1', runId: 'run_failed' } });
    });

    it('lists linked identities and confirms or rejects a possible match', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        act.mockResolvedValue({ message: 'Noted', card: fullCard() });
        const element = await mount();
        expect($$(element, 'ul.identities > li').map((li) => li.textContent.replace(/\s+/g, ' ').trim())).toEqual([
            'Email: ada@example.com (salesforce)',
            `Salesforce contact id: ${RECORD_ID} (00D5e000000KQ2eEAG) (salesforce)`,
            // The evidence is a block (a line of its own) right after the source.
            'Whatsapp: 13035550142 (whatsapp)same phone +1 303 555 0142, name Joe ≈ Joseph · Salesforce contact ↔ WhatsApp sender',
        ]);
        // The evidence of a link is its own muted line, only under the identity a link brought.
        expect($$(element, 'ul.identities .evidence').map((e) => e.textContent)).toEqual([
            'same phone +1 303 555 0142, name Joe ≈ Joseph · Salesforce contact ↔ WhatsApp sender',
        ]);
        expect($(element, 'ul.matches').textContent).toContain('A. Lovelace: 83% likely the same person');
        button(element, 'Same person').dispatchEvent(new CustomEvent('click'));
        await flush();
        expect(sentAction().action).toEqual({ type: 'confirm_match', profileId: 'prf_1', matchId: 'mt_1' });
        button(element, 'Not the same').dispatchEvent(new CustomEvent('click'));
        await flush();
        expect(sentAction().action).toEqual({ type: 'reject_match', profileId: 'prf_1', matchId: 'mt_1' });
        expect(act).toHaveBeenCalledTimes(2);
        await expect(element).toBeAccessible();
    });

    it('shows the latest signals with intent, sentiment, urgency and excerpt', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        const element = await mount();
        const signals = $$(element, 'ul.signals > li');
        expect(signals).toHaveLength(2);
        expect(signals[0].textContent).toContain('zendesk · Ticket created — intent Demo request (91%) — positive sentiment');
        expect(signals[0].querySelector('lightning-badge').label).toBe('Urgent');
        expect(signals[0].querySelector('p').textContent).toBe('Can we see a demo?');
        expect(signals[1].textContent.trim()).toBe('salesforce · Contact updated');
        expect(signals[1].querySelector('lightning-badge')).toBeNull();
    });

    it('shows the conversation: latest messages with channel, speaker, signals and language, the trend line and its sharp fall', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        const element = await mount();
        const messages = $$(element, 'ul.messages > li');
        expect(messages).toHaveLength(3);
        expect(messages[0].textContent).toContain('WhatsApp · Customer — intent Complaint — negative sentiment -0.70 — language fr');
        expect(messages[0].querySelector('lightning-badge').label).toBe('Urgent');
        expect(messages[0].querySelector('p').textContent).toBe('Ça ne marche toujours pas, c’est inadmissible.');
        expect(messages[1].textContent).toContain('WhatsApp · Baton');
        expect(messages[2].textContent.trim()).toBe('Zendesk · Rep');
        expect($(element, 'p.trend').textContent).toBe('Sentiment trend -0.10 (falling)');
        expect($(element, 'lightning-badge.trend-fall').label).toBe(`Sharp fall +0.60 → -0.10 on ${NOW}`);
        expect($(element, 'svg.trend-line polyline').getAttribute('points')).toBe('0.0,6.0 50.0,7.5 100.0,16.5');
        expect($(element, 'svg.trend-line').getAttribute('aria-label')).toBe('Sentiment trend -0.10 (falling)');
        expect($$(element, 'ul.signals > li')[0].textContent).toContain('positive sentiment — language en');
        await expect(element).toBeAccessible();
    });

    it('leaves the conversation out for a backend without it, and draws no line for fewer than two points', async () => {
        const { conversation: _omitted, ...older } = fullCard();
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: older });
        const element = await mount();
        expect($(element, 'ul.messages')).toBeNull();
        expect(text(element)).not.toContain('Conversation');
        getCard.mockResolvedValue({
            recordId: RECORD_ID,
            card: fullCard({
                conversation: {
                    latest: [],
                    trend: { points: [{ at: NOW, sentiment: 0.2, trend: 0.2 }], latest: 0.2, direction: 'steady', falls: [] },
                },
            }),
        });
        const single = await mount();
        expect($(single, 'p.trend').textContent).toBe('Sentiment trend +0.20 (steady)');
        expect($(single, 'svg.trend-line')).toBeNull();
        expect($(single, 'lightning-badge.trend-fall')).toBeNull();
        expect($(single, 'ul.messages')).toBeNull();
    });

    const traits = [
        { name: 'plan', value: 'enterprise', source: 'warehouse:con_7', at: '2026-11-30T08:00:00.000Z' },
        { name: 'audience_trial', value: true, source: 'warehouse:con_8', at: '2026-11-30T07:00:00.000Z', audience: 'trial' },
        { name: 'seats', value: 60, source: 'warehouse:con_7', at: '2026-11-30T06:00:00.000Z' },
        { name: 'audience_churn_risk', value: false, source: 'warehouse:con_9', at: '2026-11-29T07:00:00.000Z', audience: 'churn_risk' },
        { name: 'vip', value: false, source: 'salesforce', at: '2026-11-20T10:00:00.000Z' },
        { name: 'firstName', value: '<img src=x onerror=alert(1)>', source: 'hubspot', at: '2026-11-01T10:00:00.000Z' },
    ];

    it('shows traits newest first with value, source and time, and audience traits as memberships', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard({ traits }) });
        const element = await mount();
        const rows = $$(element, 'table.traits tbody tr').map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
        expect(rows).toEqual([
            ['plan', 'enterprise', 'Warehouse con_7', '2026-11-30 08:00 UTC'],
            ['seats', '60', 'Warehouse con_7', '2026-11-30 06:00 UTC'],
            ['vip', 'No', 'Salesforce', '2026-11-20 10:00 UTC'],
            ['firstName', '<img src=x onerror=alert(1)>', 'HubSpot', '2026-11-01 10:00 UTC'],
        ]);
        // A value with markup is text: no element is made from it.
        expect($(element, 'table.traits img')).toBeNull();
        const audiences = $$(element, 'ul.audiences > li');
        expect(audiences.map((li) => li.querySelector('lightning-badge').label)).toEqual(['trial: member', 'churn_risk: left']);
        expect(audiences[0].querySelector('span').textContent).toBe('Warehouse con_8 · 2026-11-30 07:00 UTC');
        expect($(element, 'p.traits-none')).toBeNull();
        await expect(element).toBeAccessible();
    });

    it('leaves traits out for a backend without them, and says so when the person has none', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        const older = await mount();
        expect($(older, 'table.traits')).toBeNull();
        expect(text(older)).not.toContain('Traits');
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard({ traits: [] }) });
        const none = await mount();
        expect($(none, 'p.traits-none').textContent).toBe('No traits recorded for this person yet.');
        expect($(none, 'table.traits')).toBeNull();
        expect($(none, 'ul.audiences')).toBeNull();
    });

    it('disables the buttons while an action is in flight and shows a failed action as an error', async () => {
        getCard.mockResolvedValue({ recordId: RECORD_ID, card: fullCard() });
        let fail;
        act.mockReturnValue(new Promise((_resolve, reject) => (fail = reject)));
        const element = await mount();
        button(element, 'Accept').dispatchEvent(new CustomEvent('click'));
        await Promise.resolve();
        expect(button(element, 'Dismiss').disabled).toBe(true);
        fail({ body: { message: 'this card is out of date' } });
        await flush();
        expect(button(element, 'Dismiss')).toBeUndefined();
        expect($(element, '[role="alert"]').textContent).toContain('this card is out of date');
    });

    it('the accessibility matcher does fail on a real violation (control)', async () => {
        const broken = document.createElement('div');
        broken.innerHTML = '<button></button><img src="x.png">';
        document.body.appendChild(broken);
        await expect(expect(broken).toBeAccessible()).rejects.toThrow(/button-name|image-alt/);
    });
});
