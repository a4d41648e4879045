import type { Candidate, Decision } from '../../../../app/contracts';
import { Badge, Facts, Link, TableWrap } from '../components/ui';
import { formatInstant, formatNumber, formatPercent, humanize } from '../lib/format';

export function outcomeText(outcome: Decision['outcome']): string {
  if (outcome === null || outcome === undefined) return 'pending (no outcome yet)';
  if (typeof outcome === 'string') return humanize(outcome);
  const what = outcome.outcome ?? outcome.status ?? 'recorded';
  return `${humanize(what)}${outcome.value === null || outcome.value === undefined ? '' : `, value ${formatNumber(outcome.value)}`}${outcome.at === null || outcome.at === undefined ? '' : ` (${formatInstant(outcome.at)})`}`;
}

function Why({ c }: { c: Candidate }) {
  if (c.blockedBy !== undefined)
    return (
      <>
        <code>{c.blockedBy.policy}</code> {c.blockedBy.reason}
      </>
    );
  const parts = [c.deferReason, ...(c.notes ?? [])].filter((x): x is string => x !== undefined);
  return parts.length === 0 ? <span className="muted">—</span> : <>{parts.join('; ')}</>;
}

/** Every candidate action: the policy that blocked it, or its P × C × V × L and rank. */
export function DecisionView({ decision }: { decision: Decision }) {
  const ranked = [...decision.explanation].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  return (
    <div className="decision">
      <Facts
        items={[
          ['Decision', <code key="d">{decision.decisionId}</code>],
          ['Chosen action', decision.action === null ? 'none' : `${decision.action.label} (${decision.action.channel})`],
          ['Mode', decision.holdout ? 'holdout (nothing sent, measured as control)' : humanize(decision.mode ?? 'model')],
          ...(decision.status === undefined ? [] : [['Status', <Badge key="s" value={decision.status} />] as const]),
          ...(decision.segment === undefined ? [] : [['Segment', decision.segment] as const]),
          ...(decision.runId === null || decision.runId === undefined
            ? []
            : [
                [
                  'Run',
                  <Link key="r" to={{ page: 'run', runId: decision.runId }}>
                    <code>{decision.runId}</code>
                  </Link>,
                ] as const,
              ]),
          ['Score', formatNumber(decision.score)],
          ['Selection probability', formatPercent(decision.propensity)],
          ...(decision.profileId === undefined
            ? []
            : [
                [
                  'Profile',
                  <Link key="p" to={{ page: 'record', profileId: decision.profileId }}>
                    <code>{decision.profileId}</code>
                  </Link>,
                ] as const,
              ]),
          ...(decision.decidedAt === undefined ? [] : [['Decided', formatInstant(decision.decidedAt)] as const]),
          ['Outcome', outcomeText(decision.outcome)],
        ]}
      />
      {decision.notes === undefined || decision.notes.length === 0 ? null : (
        <ul className="reasons">
          {decision.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <TableWrap label="Candidates">
        <table>
          <caption>Candidates ({decision.explanation.length}): Priority = Propensity × Context × Value × Levers</caption>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Action</th>
              <th scope="col">Fate</th>
              <th scope="col">P</th>
              <th scope="col">C</th>
              <th scope="col">V</th>
              <th scope="col">L</th>
              <th scope="col">Score</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {ranked.map((c) => (
              <tr key={c.actionId} className={c.fate === 'chosen' ? 'chosen' : undefined}>
                <td>{c.rank ?? '—'}</td>
                <td>
                  {c.label} <span className="muted">{c.channel}</span>
                </td>
                <td>
                  <Badge value={c.fate} />
                </td>
                <td>{formatNumber(c.factors?.propensity)}</td>
                <td>{formatNumber(c.factors?.contextWeight)}</td>
                <td>{formatNumber(c.factors?.value)}</td>
                <td>{formatNumber(c.factors?.levers)}</td>
                <td>{formatNumber(c.factors?.score)}</td>
                <td>
                  <Why c={c} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}
