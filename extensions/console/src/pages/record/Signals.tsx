import type { CardSignal } from '../../../../../app/contracts';
import { Badge, Section } from '../../components/ui';
import { formatInstant, formatPercent, formatSentiment, humanize } from '../../lib/format';

/** Recent signals across channels, newest first. */
export function Signals({ signals }: { signals: readonly CardSignal[] }) {
  return (
    <Section title="Signals">
      {signals.length === 0 ? (
        <p className="muted">No signals yet.</p>
      ) : (
        <ol className="timeline" aria-label="Signals, newest first">
          {signals.map((s) => (
            <li key={s.eventId}>
              <p>
                <time dateTime={s.occurredAt}>{formatInstant(s.occurredAt)}</time> · {s.source} · {humanize(s.type)}
                {s.intent === null ? null : (
                  <>
                    {' '}
                    · <Badge value={s.intent} />
                    {s.intentConfidence === null ? null : <span className="muted"> {formatPercent(s.intentConfidence, 0)}</span>}
                  </>
                )}
                {s.urgency === null ? null : <> · urgency {s.urgency}</>}
                {s.sentiment === null && s.sentimentLabel === null ? null : <> · {formatSentiment(s.sentiment, s.sentimentLabel)}</>}
                {s.language === null || s.language === undefined ? null : <> · language {s.language}</>}
              </p>
              {s.excerpt === null ? null : <blockquote>{s.excerpt}</blockquote>}
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}
