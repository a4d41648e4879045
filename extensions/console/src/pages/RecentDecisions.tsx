import { useState } from 'react';
import type { DecisionSummary } from '../../../../app/contracts';
import { Async, Badge, Link, TableWrap } from '../components/ui';
import { useConsole } from '../lib/context';
import { formatInstant, formatNumber, formatRelative, humanize } from '../lib/format';
import { firstPages } from '../lib/pages';
import { useAsync } from '../lib/useAsync';

const PAGE = 25;

function outcomeText(outcome: DecisionSummary['outcome']): string {
  if (outcome === null) return '—';
  if (typeof outcome === 'string') return humanize(outcome);
  return outcome.outcome === undefined ? '—' : humanize(outcome.outcome);
}

/** The tenant's latest decisions (newest first), each a link to its explanation. */
export function RecentDecisions() {
  const { api } = useConsole();
  const [pages, setPages] = useState(1);
  const decisions = useAsync(
    () =>
      firstPages(pages, async (cursor) => {
        const page = await api.decisionsPage({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
        return { items: page.decisions, nextCursor: page.nextCursor };
      }),
    [api, pages],
  );
  return (
    <Async state={decisions} what="recent decisions">
      {({ list, more }) =>
        list.length === 0 ? (
          <p className="muted">No decisions yet.</p>
        ) : (
          <>
            <TableWrap label="Recent decisions">
              <table>
                <caption className="sr-only">Recent decisions, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Decided</th>
                    <th scope="col">Person</th>
                    <th scope="col">Action</th>
                    <th scope="col">Group</th>
                    <th scope="col">Score</th>
                    <th scope="col">Status</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((d) => (
                    <tr key={d.decisionId}>
                      <td>
                        <Link to={{ page: 'decisions', decisionId: d.decisionId }}>
                          <span title={formatInstant(d.decidedAt)}>{formatRelative(d.decidedAt)}</span>
                          <span className="sr-only">: explain decision {d.decisionId}</span>
                        </Link>
                      </td>
                      <td>
                        <Link to={{ page: 'record', profileId: d.profileId }}>
                          <code>{d.profileId}</code>
                        </Link>
                      </td>
                      <td>{d.action === null ? <span className="muted">no action</span> : d.action.label}</td>
                      <td>{d.holdout ? 'Holdout' : humanize(d.mode)}</td>
                      <td>{formatNumber(d.score)}</td>
                      <td>
                        <Badge value={d.status} />
                      </td>
                      <td>{outcomeText(d.outcome)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            {more ? (
              <button type="button" className="secondary" onClick={() => setPages((n) => n + 1)}>
                Load {PAGE} more
              </button>
            ) : null}
          </>
        )
      }
    </Async>
  );
}
