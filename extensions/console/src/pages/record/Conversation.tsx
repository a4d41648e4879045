import { useEffect, useState } from 'react';
import type { ConversationMessage, ConversationPage, ConversationThread, SentimentTrend } from '../../../../../app/contracts';
import { Badge, ErrorState, Loading, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatInstant, formatSentiment, humanize } from '../../lib/format';
import { chartGeometry, DEFAULT_BOX } from '../../lib/sentiment-chart';

export const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  email: 'E-mail',
  crm_note: 'CRM note',
  crm_case: 'Case',
  hubspot_inbox: 'HubSpot inbox',
  zendesk: 'Zendesk',
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  chat: 'Chat',
  api: 'API',
};
export const SPEAKER_LABELS: Readonly<Record<ConversationMessage['speaker'], string>> = {
  customer: 'Customer',
  rep: 'Rep',
  bot: 'Baton',
  unknown: 'Unknown sender',
};
const channelLabel = (c: string): string => CHANNEL_LABELS[c] ?? humanize(c);

/** The customer's sentiment trend as an SVG line over their messages' own sentiment, sharp falls marked. */
export function SentimentChart({ trend }: { trend: SentimentTrend }) {
  if (trend.points.length === 0) return <p className="muted">No sentiment yet: the person has not written in words.</p>;
  const g = chartGeometry(trend.points, trend.falls);
  const summary = `Sentiment trend ${formatSentiment(trend.latest, null)}, ${trend.direction}, over ${trend.points.length} customer message${trend.points.length === 1 ? '' : 's'}${trend.falls.length === 0 ? '' : `; ${trend.falls.length} sharp fall${trend.falls.length === 1 ? '' : 's'}`}`;
  return (
    <figure className="chart sentiment-chart">
      <svg viewBox={`0 0 ${DEFAULT_BOX.width} ${DEFAULT_BOX.height}`} role="img" aria-label={summary} width="100%">
        <line
          x1={DEFAULT_BOX.pad}
          x2={DEFAULT_BOX.width - DEFAULT_BOX.pad}
          y1={g.zeroY}
          y2={g.zeroY}
          stroke="currentColor"
          strokeOpacity="0.25"
        />
        {g.falls.map((f) => (
          <line
            key={f.messageId}
            className="fall"
            x1={f.x}
            x2={f.x}
            y1={f.y1}
            y2={f.y2}
            stroke="var(--bad)"
            strokeWidth="3"
            strokeOpacity="0.6"
          />
        ))}
        <path className="trend" d={g.trendPath} fill="none" stroke="var(--info)" strokeWidth="2" />
        {g.dots.map((d) => (
          <circle
            key={d.messageId}
            cx={d.x}
            cy={d.y}
            r="3"
            fill={d.sentiment < -0.05 ? 'var(--bad)' : d.sentiment > 0.05 ? 'var(--good)' : 'var(--muted)'}
          />
        ))}
      </svg>
      <figcaption>
        {summary}. <span className="muted">Line: the trend (each message weighs half); dots: each message; red bars: sharp falls.</span>
      </figcaption>
    </figure>
  );
}

function MessageItem({ m }: { m: ConversationMessage }) {
  const s = m.signals;
  return (
    <li className={`message message-${m.speaker}`}>
      <p>
        <time dateTime={m.occurredAt}>{formatInstant(m.occurredAt)}</time> · {channelLabel(m.channel)} ·{' '}
        <strong>{SPEAKER_LABELS[m.speaker]}</strong>
        {s === null ? null : (
          <>
            {' '}
            · <Badge value={s.intent} /> · {formatSentiment(s.sentiment, s.sentimentLabel)} · urgency {s.urgency} · language{' '}
            {s.language ?? 'unknown'}
          </>
        )}
      </p>
      {m.text === null ? <p className="muted">(the source does not carry the text)</p> : <blockquote>{m.text}</blockquote>}
    </li>
  );
}

/** The messages as one timeline (newest first) or grouped by thread (most recent thread first). */
export function ConversationView({
  messages,
  threads,
  view,
}: {
  messages: readonly ConversationMessage[];
  threads: readonly ConversationThread[];
  view: 'timeline' | 'threads';
}) {
  if (messages.length === 0) return <p className="muted">No messages with this person yet.</p>;
  if (view === 'timeline') {
    return (
      <ol className="timeline conversation" aria-label="Messages, newest first">
        {messages.map((m) => (
          <MessageItem key={m.id} m={m} />
        ))}
      </ol>
    );
  }
  const byId = new Map(messages.map((m) => [m.id, m]));
  return (
    <div className="threads">
      {threads.map((t) => (
        <section key={t.threadKey} className="thread" aria-label={`Thread ${t.subject ?? t.threadKey}`}>
          <h3>
            {channelLabel(t.channel)}: {t.subject ?? t.threadKey}{' '}
            <span className="muted">
              ({t.messageCount} message{t.messageCount === 1 ? '' : 's'}, last {formatInstant(t.lastAt)})
            </span>
          </h3>
          <ol className="timeline">
            {t.messageIds.flatMap((id) => {
              const m = byId.get(id);
              return m === undefined ? [] : [<MessageItem key={id} m={m} />];
            })}
          </ol>
        </section>
      ))}
    </div>
  );
}

/** Merges a further (older) page into what is shown: messages appended, thread groups re-collected. */
export function appendPage(shown: ConversationPage | null, next: ConversationPage): ConversationPage {
  if (shown === null) return next;
  const seen = new Set(shown.messages.map((m) => m.id));
  const messages = [...shown.messages, ...next.messages.filter((m) => !seen.has(m.id))];
  const threads = new Map(shown.threads.map((t) => [t.threadKey, { ...t, messageIds: [...t.messageIds] }]));
  for (const t of next.threads) {
    const known = threads.get(t.threadKey);
    if (known === undefined) threads.set(t.threadKey, { ...t, messageIds: [...t.messageIds] });
    else known.messageIds.push(...t.messageIds.filter((id) => !known.messageIds.includes(id)));
  }
  return { ...shown, messages, threads: [...threads.values()], nextCursor: next.nextCursor };
}

/** The person's conversation across channels: sentiment trend, then the timeline or its threads, paged. */
export function Conversation({ profileId }: { profileId: string }) {
  const { api } = useConsole();
  const [channel, setChannel] = useState('');
  const [view, setView] = useState<'timeline' | 'threads'>('timeline');
  const [shown, setShown] = useState<ConversationPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  async function load(cursor: string | null) {
    setLoading(true);
    setError(null);
    try {
      const page = await api.conversation(profileId, { ...(cursor === null ? {} : { cursor }), ...(channel === '' ? {} : { channel }) });
      setShown((before) => (cursor === null ? page : appendPage(before, page)));
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    setShown(null);
    void load(null);
    // Reload from the newest message when the person or the channel filter changes.
  }, [profileId, channel]);

  const controls = (
    <div className="row">
      <label>
        Channel{' '}
        <select value={channel} onChange={(e) => setChannel(e.target.value)}>
          <option value="">All</option>
          {Object.entries(CHANNEL_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" aria-pressed={view === 'threads'} onClick={() => setView(view === 'timeline' ? 'threads' : 'timeline')}>
        {view === 'timeline' ? 'Group by thread' : 'Show timeline'}
      </button>
    </div>
  );
  return (
    <Section title="Conversation" actions={controls}>
      {error !== null ? <ErrorState error={error} onRetry={() => void load(null)} /> : null}
      {shown === null ? (
        error === null ? (
          <Loading what="the conversation" />
        ) : null
      ) : (
        <>
          <SentimentChart trend={shown.trend} />
          <ConversationView messages={shown.messages} threads={shown.threads} view={view} />
          {shown.nextCursor === null ? null : (
            <button type="button" disabled={loading} onClick={() => void load(shown.nextCursor)}>
              {loading ? 'Loading…' : 'Older messages'}
            </button>
          )}
        </>
      )}
    </Section>
  );
}
