import type { CardActionRequest, CardRun } from '../../../../../app/contracts';
import { Async, Badge, Link, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatRelative, humanize } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

interface Props {
  readonly profileId: string;
  readonly runs: readonly CardRun[];
  readonly busy: boolean;
  act(request: CardActionRequest): Promise<void>;
}

/** The person's runs with their steps, as the card contract gives them; a parked run can be retried here. */
export function CardRuns({ profileId, runs, busy, act }: Props) {
  return (
    <Section title="Runs">
      {runs.length === 0 ? (
        <p className="muted">No runs for this person yet.</p>
      ) : (
        <ul className="runs">
          {runs.map((run) => (
            <li key={run.runId} className="run">
              <p>
                <Link to={{ page: 'run', runId: run.runId }}>{run.playbookName}</Link> <span className="muted">v{run.playbookVersion}</span>{' '}
                <Badge value={run.status} /> <span className="muted">updated {formatRelative(run.updatedAt)}</span>
              </p>
              <ol className="steps" aria-label={`Steps of ${run.playbookName}`}>
                {run.steps.map((s) => (
                  <li key={s.stepId}>
                    <span>{s.stepId}</span> <span className="muted">{humanize(s.kind)}</span> <Badge value={s.status} />
                    {s.attempts > 1 ? <span className="muted"> {s.attempts} attempts</span> : null}
                    {s.route === undefined ? null : <span className="muted"> via {humanize(s.route)}</span>}
                    {s.error === undefined ? null : (
                      <span className="field-error">
                        {' '}
                        {s.error.code}: {s.error.message}
                      </span>
                    )}
                  </li>
                ))}
              </ol>
              {run.canRetry ? (
                <button type="button" disabled={busy} onClick={() => void act({ type: 'retry_step', profileId, runId: run.runId })}>
                  Retry failed step
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

/** Runs of a person from the runs API, for servers whose card endpoint is not available. */
export function ProfileRuns({ profileId }: { profileId: string }) {
  const { api } = useConsole();
  const runs = useAsync(() => api.runs({ profileId, limit: 20 }), [api, profileId]);
  return (
    <Section
      title="Runs"
      actions={
        <button type="button" className="link" onClick={runs.reload}>
          Refresh
        </button>
      }
    >
      <Async state={runs} what="runs">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No runs for this person yet.</p>
          ) : (
            <ul className="runs">
              {list.map((run) => (
                <li key={run.id}>
                  <Link to={{ page: 'run', runId: run.id }}>{run.playbookId}</Link> <span className="muted">v{run.playbookVersion}</span>{' '}
                  <Badge value={run.status} />
                  {run.currentStep === null ? null : <span className="muted"> at {run.currentStep}</span>}
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </Section>
  );
}
