import { useId, useState, type FormEvent } from 'react';
import { Async, describeError, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { useAsync } from '../../lib/useAsync';

/** Starts a published playbook for this person (POST /api/v1/runs; an active run is returned instead of a second one). */
export function StartPlaybook({ profileId, onStarted }: { profileId: string; onStarted: (message: string) => void }) {
  const { api } = useConsole();
  const id = useId();
  const playbooks = useAsync(() => api.playbooks(), [api]);
  const [chosen, setChosen] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  /** Never rejects: a failure is shown in the section (the form calls it with `void`). */
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (chosen === '') return;
    setBusy(true);
    setError(null);
    try {
      const run = await api.startRun(chosen, profileId);
      onStarted(
        run.created === false ? `Already running: ${run.playbookId} (${run.status}).` : `Started ${run.playbookId} (${run.status}).`,
      );
    } catch (err) {
      const d = describeError(err);
      setError(`${d.title}: ${d.detail}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Start a playbook">
      <Async state={playbooks} what="playbooks">
        {(list) => {
          const published = list.filter((p) => p.status === 'published');
          if (published.length === 0) return <p className="muted">No published playbooks.</p>;
          return (
            <form onSubmit={(e) => void submit(e)} className="row">
              <label htmlFor={id}>Playbook</label>
              <select id={id} value={chosen} onChange={(e) => setChosen(e.target.value)} required>
                <option value="">Choose…</option>
                {published.map((p) => (
                  <option key={`${p.id}@${p.version}`} value={p.id}>
                    {p.name} (v{p.version})
                  </option>
                ))}
              </select>
              <button type="submit" disabled={busy || chosen === ''}>
                {busy ? 'Starting…' : 'Start'}
              </button>
            </form>
          );
        }}
      </Async>
      {error === null ? null : (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </Section>
  );
}
