import { Fragment } from 'react';
import type { CardActionRequest, CardView } from '../../../../../app/contracts';
import { Section, TableWrap } from '../../components/ui';
import { formatInstant, formatPercent } from '../../lib/format';

interface Props {
  readonly profileId: string;
  readonly identities: CardView['identities'];
  readonly matches: CardView['possibleMatches'];
  readonly busy: boolean;
  act(request: CardActionRequest): Promise<void>;
}

/** Identifiers linked across systems (each with the evidence that linked it), and possible matches a person should confirm or reject. */
export function Identities({ profileId, identities, matches, busy, act }: Props) {
  return (
    <Section title="Linked identities">
      {identities.length === 0 ? (
        <p className="muted">No identifiers yet.</p>
      ) : (
        <TableWrap label="Linked identities">
          <table>
            <caption className="sr-only">Identifiers linked to this person</caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Value</th>
                <th scope="col">Source</th>
                <th scope="col">Linked</th>
              </tr>
            </thead>
            <tbody>
              {identities.map((i) => (
                <Fragment key={`${i.type}:${i.scope ?? ''}:${i.value}`}>
                  <tr className={i.evidence === undefined ? undefined : 'has-evidence'}>
                    <td>
                      {i.type}
                      {i.scope === undefined ? '' : ` (${i.scope})`}
                    </td>
                    <td>
                      <code>{i.value}</code>
                    </td>
                    <td>{i.source}</td>
                    <td>{formatInstant(i.linkedAt)}</td>
                  </tr>
                  {i.evidence === undefined ? null : (
                    <tr className="evidence">
                      <td colSpan={4} className="muted">
                        <span className="sr-only">Why linked: </span>
                        {i.evidence}
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {matches.length === 0 ? null : (
        <>
          <h3>Possible matches</h3>
          <ul className="matches">
            {matches.map((m) => (
              <li key={m.matchId}>
                <p>
                  <strong>{m.displayName ?? m.otherProfileId}</strong> — {formatPercent(m.probability)} likely the same person
                </p>
                {m.reasons.length === 0 ? null : (
                  <ul className="reasons">
                    {m.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                )}
                <div className="buttons" role="group" aria-label={`Possible match ${m.displayName ?? m.otherProfileId}`}>
                  <button type="button" disabled={busy} onClick={() => void act({ type: 'confirm_match', profileId, matchId: m.matchId })}>
                    Same person
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    onClick={() => void act({ type: 'reject_match', profileId, matchId: m.matchId })}
                  >
                    Not the same
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}
