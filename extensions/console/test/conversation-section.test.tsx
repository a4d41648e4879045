import { renderToStaticMarkup } from 'react-dom/server';
import { endpoints } from '../src/api/endpoints';
import { createApiClient } from '../src/api/http';
import type { ConversationPage } from '../../../app/contracts';
import { chartGeometry } from '../src/lib/sentiment-chart';
import { appendPage, ConversationView, SentimentChart } from '../src/pages/record/Conversation';
import { Signals } from '../src/pages/record/Signals';

const msg = (id: string, over: Partial<ConversationPage['messages'][number]> = {}): ConversationPage['messages'][number] => ({
  id,
  threadKey: 'sms:13035550142',
  channel: 'sms',
  speaker: 'customer',
  occurredAt: '2026-11-30T10:00:00.000Z',
  source: 'twilio',
  eventType: 'message.received',
  subject: null,
  text: `text ${id}`,
  signals: null,
  ...over,
});

const page1: ConversationPage = {
  profileId: 'prof_1',
  messages: [
    msg('m4', {
      text: 'Esto es inaceptable',
      occurredAt: '2026-11-30T12:00:00.000Z',
      signals: { intent: 'complaint', intentConfidence: 0.8, sentiment: -0.7, sentimentLabel: 'negative', urgency: 'high', language: 'es' },
    }),
    msg('m3', {
      speaker: 'bot',
      text: 'Your order ships today.',
      source: 'baton',
      eventType: 'sms.sent',
      occurredAt: '2026-11-30T11:00:00.000Z',
    }),
    msg('m2', {
      threadKey: 'zendesk:acme:42',
      channel: 'zendesk',
      speaker: 'rep',
      text: null,
      subject: 'Invoice',
      occurredAt: '2026-11-30T10:30:00.000Z',
    }),
  ],
  threads: [
    {
      threadKey: 'sms:13035550142',
      channel: 'sms',
      subject: null,
      firstAt: '2026-11-29T10:00:00.000Z',
      lastAt: '2026-11-30T12:00:00.000Z',
      messageCount: 3,
      messageIds: ['m4', 'm3'],
    },
    {
      threadKey: 'zendesk:acme:42',
      channel: 'zendesk',
      subject: 'Invoice',
      firstAt: '2026-11-30T10:30:00.000Z',
      lastAt: '2026-11-30T10:30:00.000Z',
      messageCount: 1,
      messageIds: ['m2'],
    },
  ],
  trend: {
    points: [
      { at: '2026-11-29T10:00:00.000Z', messageId: 'm1', sentiment: 0.6, trend: 0.6 },
      { at: '2026-11-30T12:00:00.000Z', messageId: 'm4', sentiment: -0.7, trend: -0.05 },
    ],
    latest: -0.05,
    direction: 'falling',
    falls: [{ at: '2026-11-30T12:00:00.000Z', messageId: 'm4', from: 0.6, to: -0.05, drop: 0.65 }],
  },
  nextCursor: 'c1',
};

describe('console: the conversation on the record page', () => {
  it('lays the trend out left to right, +1 at the top, and marks a sharp fall from its baseline down to the trend', () => {
    const g = chartGeometry(page1.trend.points, [...page1.trend.falls, { messageId: 'not-shown', from: 1, to: -1 }], {
      width: 120,
      height: 60,
      pad: 10,
    });
    expect(g.trendPath).toBe('M10 18 L110 31');
    expect(g.dots.map((d) => [d.x, d.y])).toEqual([
      [10, 18],
      [110, 44],
    ]);
    expect(g.zeroY).toBe(30);
    expect(g.falls).toEqual([{ x: 110, y1: 18, y2: 31, messageId: 'm4' }]);
    expect(
      chartGeometry([page1.trend.points[0] ?? { at: '', messageId: 'x', sentiment: 0, trend: 0 }], [], { width: 120, height: 60, pad: 10 })
        .dots[0]?.x,
    ).toBe(60);
  });

  it('draws the chart as an SVG with a summary for screen readers, and says so when there is no sentiment yet', () => {
    const html = renderToStaticMarkup(<SentimentChart trend={page1.trend} />);
    expect(html).toContain('role="img" aria-label="Sentiment trend -0.05, falling, over 2 customer messages; 1 sharp fall"');
    expect(html.match(/<circle /g)).toHaveLength(2);
    expect(html.match(/class="fall"/g)).toHaveLength(1);
    expect(html).toMatch(/<path class="trend" d="M[\d. ]+L[\d. ]+"/);
    expect(renderToStaticMarkup(<SentimentChart trend={{ points: [], latest: null, direction: 'steady', falls: [] }} />)).toContain(
      'No sentiment yet',
    );
  });

  it("shows the timeline newest first with channel, speaker and the customer's signals with language", () => {
    const html = renderToStaticMarkup(<ConversationView messages={page1.messages} threads={page1.threads} view="timeline" />);
    const items = html.match(/<li class="message[^"]*">.*?<\/li>/g) ?? [];
    expect(items).toHaveLength(3);
    expect(items[0]).toContain('SMS · <strong>Customer</strong>');
    expect(items[0]).toContain('negative (-0.70) · urgency high · language es');
    expect(items[0]).toContain('<blockquote>Esto es inaceptable</blockquote>');
    expect(items[1]).toContain('<strong>Baton</strong>');
    expect(items[1]).not.toContain('language');
    expect(items[2]).toContain('Zendesk · <strong>Rep</strong>');
    expect(items[2]).toContain('(the source does not carry the text)');
    expect(renderToStaticMarkup(<ConversationView messages={[]} threads={[]} view="timeline" />)).toContain(
      'No messages with this person yet.',
    );
  });

  it("groups the same messages by thread, most recent thread first, with each thread's totals", () => {
    const html = renderToStaticMarkup(<ConversationView messages={page1.messages} threads={page1.threads} view="threads" />);
    const sections = html.match(/<section class="thread".*?<\/section>/g) ?? [];
    expect(sections).toHaveLength(2);
    expect(sections[0]).toContain('SMS: sms:13035550142 <span class="muted">(3 messages, last 2026-11-30 12:00 UTC)</span>');
    expect(sections[0]?.match(/<li /g)).toHaveLength(2);
    expect(sections[1]).toContain('Zendesk: Invoice');
  });

  it('appends an older page without repeating messages and merges its threads', () => {
    const page2: ConversationPage = {
      ...page1,
      messages: [msg('m2', { threadKey: 'zendesk:acme:42', channel: 'zendesk' }), msg('m1', { occurredAt: '2026-11-29T10:00:00.000Z' })],
      threads: [
        { ...page1.threads[0], messageIds: ['m1'] } as ConversationPage['threads'][number],
        { ...page1.threads[1], messageIds: ['m2'] } as ConversationPage['threads'][number],
      ],
      nextCursor: null,
    };
    const merged = appendPage(page1, page2);
    expect(merged.messages.map((m) => m.id)).toEqual(['m4', 'm3', 'm2', 'm1']);
    expect(merged.threads.map((t) => [t.threadKey, t.messageIds])).toEqual([
      ['sms:13035550142', ['m4', 'm3', 'm1']],
      ['zendesk:acme:42', ['m2']],
    ]);
    expect(merged.nextCursor).toBeNull();
    expect(page1.threads[0]?.messageIds).toEqual(['m4', 'm3']); // the page shown before is not changed in place
  });

  it("asks the API for a page by cursor and channel and checks the answer's shape", async () => {
    const urls: string[] = [];
    const api = endpoints(
      createApiClient({
        apiKey: 'k',
        baseUrl: 'http://baton',
        fetch: async (url) => (urls.push(url), { status: 200, ok: true, text: async () => JSON.stringify(page1) }),
      }),
    );
    await expect(api.conversation('prof_1', { cursor: 'c 1', channel: 'sms' })).resolves.toMatchObject({
      nextCursor: 'c1',
      messages: [{ id: 'm4' }, { id: 'm3' }, { id: 'm2' }],
    });
    expect(urls).toEqual(['http://baton/api/v1/profiles/prof_1/conversation?limit=25&cursor=c%201&channel=sms']);
    const broken = endpoints(
      createApiClient({
        apiKey: 'k',
        fetch: async () => ({ status: 200, ok: true, text: async () => JSON.stringify({ ...page1, messages: [{ id: 'x' }] }) }),
      }),
    );
    await expect(broken.conversation('prof_1')).rejects.toThrow(/unexpected shape/);
  });

  it('shows the language of a signal in the signals list', () => {
    const html = renderToStaticMarkup(
      <Signals
        signals={[
          {
            eventId: 'e1',
            source: 'zendesk',
            type: 'ticket.comment_added',
            occurredAt: '2026-11-30T10:00:00.000Z',
            excerpt: 'Bonjour',
            intent: 'question',
            intentConfidence: 0.7,
            sentiment: 0.1,
            sentimentLabel: 'neutral',
            urgency: 'low',
            language: 'fr',
          },
        ]}
      />,
    );
    expect(html).toContain(' · language fr');
  });
});
