import { useId, useState } from 'react';
import type { CardActionRequest, CardNextAction } from '../../../../../app/contracts';
import { Badge, Facts, Link, Section } from '../../components/ui';
import { formatInstant, formatNumber, formatPercent, humanize } from '../../lib/format';

interface Props {
  readonly profileId: string;
  readonly next: CardNextAction | null;
  readonly busy: boolean;
  act(request: CardActionRequest): Promise<void>;
}

/** The next best action with its reasons and the rep's buttons: accept, snooze, dismiss, approve the draft. */
export function NextAction({ profileId, next, busy, act }: Props) {
  const hoursId = useId();
  const [hours, setHours] = useState(24);
  const [subject, setSubject] = useState(next?.draft?.subject ?? '');
  const [body, setBody] = useState(next?.draft?.body ?? '');
  if (next === null) {
    return (
      <Section title="Next best action">
        <p className="muted">Nothing to do for this person right now.</p>
      </Section>
    );
  }
  const base = { profileId, decisionId: next.decisionId };
  // A snoozed action can still be accepted, approved, re-snoozed or dismissed (server/decisioning/card.adapter.ts).
  const open = next.status === 'proposed' || next.status === 'deferred' || next.status === 'snoozed';
  // The server drafts every message that needs approval; other actions needing approval are accepted as they are.
  const hasDraft = next.draft !== undefined;
  return (
    <Section title="Next best action" actions={<Link to={{ page: 'decisions', decisionId: next.decisionId }}>Why this action?</Link>}>
      <p className="nba-title">
        <strong>{next.action.label}</strong> <Badge value={next.action.channel} label={humanize(next.action.channel)} />{' '}
        <Badge value={next.status} />
      </p>
      <Facts
        items={[
          ['Score (P×C×V×L)', formatNumber(next.score)],
          ['Selection probability', formatPercent(next.propensity)],
          ['Decided', formatInstant(next.decidedAt)],
          ...(next.until === undefined
            ? []
            : [[next.status === 'snoozed' ? 'Snoozed until' : 'Deferred until', formatInstant(next.until)] as const]),
        ]}
      />
      <h3>Reasons</h3>
      <ul className="reasons">
        {next.reasons.map((r, i) => (
          <li key={`${r.code}-${i}`}>
            <code>{r.code}</code> {r.text}
          </li>
        ))}
      </ul>
      {hasDraft ? (
        <fieldset className="draft" disabled={busy || !open}>
          <legend>Draft to approve</legend>
          <label htmlFor={`${hoursId}-subject`}>Subject</label>
          <input id={`${hoursId}-subject`} value={subject} onChange={(e) => setSubject(e.target.value)} />
          <label htmlFor={`${hoursId}-body`}>Message</label>
          <textarea id={`${hoursId}-body`} rows={5} value={body} onChange={(e) => setBody(e.target.value)} />
          <button
            type="button"
            disabled={body.trim() === ''}
            onClick={() => void act({ type: 'approve_draft', ...base, draft: { body, ...(subject.trim() === '' ? {} : { subject }) } })}
          >
            Approve and send
          </button>
        </fieldset>
      ) : null}
      <div className="buttons" role="group" aria-label="Next best action">
        {hasDraft ? null : (
          <button type="button" disabled={busy || !open} onClick={() => void act({ type: 'accept', ...base })}>
            Accept
          </button>
        )}
        <label htmlFor={hoursId} className="inline">
          Snooze for
        </label>
        <select id={hoursId} value={hours} onChange={(e) => setHours(Number(e.target.value))} disabled={busy || !open}>
          {[1, 4, 24, 72, 168].map((h) => (
            <option key={h} value={h}>
              {h < 24 ? `${h} h` : `${h / 24} d`}
            </option>
          ))}
        </select>
        <button type="button" disabled={busy || !open} onClick={() => void act({ type: 'snooze', ...base, hours })}>
          Snooze
        </button>
        <button type="button" className="secondary" disabled={busy || !open} onClick={() => void act({ type: 'dismiss', ...base })}>
          Dismiss
        </button>
      </div>
    </Section>
  );
}
