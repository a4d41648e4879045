import type { CardView } from '../../../../../app/contracts';
import { Badge, Facts } from '../../components/ui';
import { formatDuration, formatInstant, formatRelative, humanize } from '../../lib/format';

export function CardHeader({ card }: { card: CardView }) {
  const j = card.journey;
  const h = card.hotness;
  return (
    <header className="panel card-head">
      <h2>{card.displayName ?? 'Unnamed person'}</h2>
      <Facts
        items={[
          ['Stage', j === null ? 'unknown' : <Badge value={j.stage} />],
          ['Time in stage', j === null ? '—' : formatDuration(j.timeInStageMs)],
          [
            'Hotness',
            h === null ? (
              '—'
            ) : (
              <span>
                <meter min={0} max={100} low={30} high={70} optimum={100} value={h.score} aria-label="Hotness score">
                  {h.score}
                </meter>{' '}
                {Math.round(h.score)} / 100, {h.trend}
              </span>
            ),
          ],
          ['Profile', <code key="id">{card.profileId}</code>],
          ['Card built', <span title={formatInstant(card.generatedAt)}>{formatRelative(card.generatedAt)}</span>],
        ]}
      />
      {j === null || j.history.length === 0 ? null : (
        <details>
          <summary>Stage history</summary>
          <ol className="timeline">
            {j.history.map((t) => (
              <li key={`${t.at}-${t.to}`}>
                {formatInstant(t.at)}: {t.from === null ? 'entered' : `${humanize(t.from)} →`} <strong>{humanize(t.to)}</strong> —{' '}
                {t.reason}
              </li>
            ))}
          </ol>
        </details>
      )}
    </header>
  );
}
