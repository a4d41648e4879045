import { useEffect, useState, type FormEvent } from 'react';
import type { Decision } from '../../../../app/contracts';
import { Async, describeError, Notice, Section } from '../components/ui';
import { useConsole } from '../lib/context';
import type { Route } from '../lib/route';
import { useAsync } from '../lib/useAsync';
import { DecisionView } from './DecisionView';
import { RecentDecisions } from './RecentDecisions';

/** Why a decision was made: the latest decisions, one looked up by id, or a fresh decision for a person. */
export function DecisionsPage({ route }: { route: Extract<Route, { page: 'decisions' }> }) {
  const { api, navigate } = useConsole();
  const [decisionId, setDecisionId] = useState(route.decisionId ?? '');
  const [profileId, setProfileId] = useState(route.profileId ?? '');
  const [fresh, setFresh] = useState<Decision | null>(null);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);
  useEffect(() => setDecisionId(route.decisionId ?? ''), [route.decisionId]);
  const id = route.decisionId;
  const loaded = useAsync(id === undefined ? null : () => api.decision(id), [api, id]);

  /** Never rejects: a failure is shown in the notice (the form calls it with `void`). */
  async function decide(e: FormEvent) {
    e.preventDefault();
    try {
      const made = await api.decide(profileId);
      // The stored decision says more than POST's answer (whom it is about, when, mode, segment).
      setFresh(await api.decision(made.decisionId).catch(() => made));
      setNotice(null);
    } catch (err) {
      const d = describeError(err);
      setNotice({ text: `${d.title}: ${d.detail}`, tone: 'bad' });
    }
  }

  async function outcome(value: 'positive' | 'negative', target: string) {
    try {
      await api.recordOutcome(target, value);
      setNotice({ text: `Recorded a ${value} outcome for ${target}.`, tone: 'info' });
      loaded.reload();
    } catch (err) {
      const d = describeError(err);
      setNotice({ text: `${d.title}: ${d.detail}`, tone: 'bad' });
    }
  }

  const outcomeButtons = (target: string) => (
    <div className="buttons" role="group" aria-label="Record an outcome">
      <button type="button" onClick={() => void outcome('positive', target)}>
        Record positive outcome
      </button>
      <button type="button" className="secondary" onClick={() => void outcome('negative', target)}>
        Record negative outcome
      </button>
    </div>
  );

  return (
    <div>
      <h1>Decisions</h1>
      <div className="two-forms">
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (decisionId.trim() !== '') navigate({ page: 'decisions', decisionId: decisionId.trim() });
          }}
        >
          <label htmlFor="decision-id">Decision id</label>
          <input id="decision-id" value={decisionId} onChange={(e) => setDecisionId(e.target.value)} required />
          <button type="submit">Explain</button>
        </form>
        <form className="row" onSubmit={(e) => void decide(e)}>
          <label htmlFor="decide-profile">Person (profile id, email or phone)</label>
          <input id="decide-profile" value={profileId} onChange={(e) => setProfileId(e.target.value)} required />
          <button type="submit">Decide now</button>
        </form>
      </div>
      <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
      {fresh === null ? null : (
        <Section title="New decision">
          <DecisionView decision={fresh} />
          {outcomeButtons(fresh.decisionId)}
        </Section>
      )}
      {id === undefined ? null : (
        <Section title="Explanation">
          <Async state={loaded} what="the decision">
            {(d) => (
              <>
                <DecisionView decision={d} />
                {outcomeButtons(d.decisionId)}
              </>
            )}
          </Async>
        </Section>
      )}
      <Section title="Recent decisions">
        <RecentDecisions />
      </Section>
    </div>
  );
}
