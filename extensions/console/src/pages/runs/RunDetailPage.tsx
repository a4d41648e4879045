import { useEffect, useState } from 'react';
import type { RunDetail } from '../../../../../app/contracts';
import { Async, Badge, describeError, Facts, JsonBlock, Link, Notice, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatInstant, humanize } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { StepDetail } from './StepDetail';

const ENDED = ['completed', 'exited', 'cancelled'];

/** One run: every step's input, output, attempts and error; resume a parked run, cancel an active one. */
export function RunDetailPage({ runId }: { runId: string }) {
  const { api } = useConsole();
  const loaded = useAsync(() => api.run(runId), [api, runId]);
  const [override, setOverride] = useState<RunDetail | null>(null);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);
  const [busy, setBusy] = useState(false);

  async function control(what: 'resume' | 'cancel' | 'approved' | 'rejected') {
    setBusy(true);
    try {
      const r =
        what === 'resume'
          ? await api.resumeRun(runId)
          : what === 'cancel'
            ? await api.cancelRun(runId, 'cancelled from the console')
            : await api.approveRun(runId, what);
      setOverride(r);
      const done = { resume: 'Resumed', cancel: 'Cancelled', approved: 'Approved', rejected: 'Rejected' }[what];
      setNotice({ text: `${done}${r.alreadyApplied === true ? ' (it already was)' : ''}: the run is ${r.status}.`, tone: 'info' });
    } catch (err) {
      const d = describeError(err);
      setNotice({ text: `${d.title}: ${d.detail}`, tone: 'bad' });
    } finally {
      setBusy(false);
    }
  }

  const refresh = () => {
    setOverride(null);
    loaded.reload();
  };

  // While the engine is working on the run, follow it.
  const fetched = 'data' in loaded ? loaded.data : undefined;
  const status = override?.status ?? fetched?.status;
  const { reload } = loaded;
  useEffect(() => {
    if (status !== 'pending' && status !== 'running') return;
    const timer = window.setTimeout(() => {
      setOverride(null);
      reload();
    }, 1000);
    return () => window.clearTimeout(timer);
  }, [status, reload, override, fetched]);

  return (
    <div>
      <p>
        <Link to={{ page: 'runs' }}>← All runs</Link>
      </p>
      <Async state={loaded} what="the run">
        {(fetched) => {
          const run = override ?? fetched;
          return (
            <>
              <h1>
                Run <code>{run.id}</code> <Badge value={run.status} />
              </h1>
              <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
              <div className="buttons" role="group" aria-label="Run controls">
                <button type="button" onClick={() => void control('resume')} disabled={busy || run.status !== 'failed'}>
                  Resume from the failed step
                </button>
                {run.waitingFor === 'approval' ? (
                  <>
                    <button type="button" onClick={() => void control('approved')} disabled={busy}>
                      Approve step {run.currentStep}
                    </button>
                    <button type="button" className="secondary" onClick={() => void control('rejected')} disabled={busy}>
                      Reject
                    </button>
                  </>
                ) : null}
                <button
                  type="button"
                  className="secondary"
                  onClick={() => void control('cancel')}
                  disabled={busy || ENDED.includes(run.status)}
                >
                  Cancel run
                </button>
                <button type="button" className="link" onClick={refresh} disabled={busy}>
                  Refresh
                </button>
              </div>
              <Facts
                items={[
                  ['Playbook', `${run.playbookId} v${run.playbookVersion}`],
                  [
                    'Profile',
                    <Link key="p" to={{ page: 'record', profileId: run.profileId }}>
                      <code>{run.profileId}</code>
                    </Link>,
                  ],
                  ['Current step', run.currentStep ?? '—'],
                  ['Waiting for', run.waitingFor === null || run.waitingFor === undefined ? '—' : humanize(run.waitingFor)],
                  ['Resumed', String(run.resumeCount ?? 0)],
                  ['Created', formatInstant(run.createdAt)],
                  ['Updated', formatInstant(run.updatedAt)],
                  ...(run.end === null || run.end === undefined
                    ? []
                    : [['Ended', `${humanize(run.end.kind)}${run.end.detail === null ? '' : `: ${run.end.detail}`}`] as const]),
                ]}
              />
              {run.error === null ? null : (
                <p className="error-state" role="alert">
                  <strong>{run.error.code}</strong> at step {run.error.stepId ?? run.currentStep ?? '?'}: {run.error.message}
                </p>
              )}
              <Section title={`Steps (${run.steps.length})`}>
                <ol className="step-list">
                  {run.steps.map((s) => (
                    <li key={s.stepId}>
                      <StepDetail step={s} />
                    </li>
                  ))}
                </ol>
              </Section>
              <JsonBlock label="Run context" value={run['context']} />
            </>
          );
        }}
      </Async>
    </div>
  );
}
