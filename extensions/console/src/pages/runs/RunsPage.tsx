import { useId } from 'react';
import { RUN_STATUSES } from '../../api/schemas';
import { Async, Badge, Link } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatInstant, formatRelative, humanize } from '../../lib/format';
import type { Route } from '../../lib/route';
import { useAsync, usePolling } from '../../lib/useAsync';

/** Every run of the tenant, newest first, filtered by status. */
export function RunsPage({ route }: { route: Extract<Route, { page: 'runs' }> }) {
  const { api, navigate } = useConsole();
  const id = useId();
  const status = route.status;
  const runs = useAsync(() => api.runs(status === undefined ? {} : { status }), [api, status]);
  usePolling(runs.reload, 10_000);
  return (
    <div>
      <h1>Runs</h1>
      <div className="row toolbar">
        <label htmlFor={id}>Status</label>
        <select id={id} value={status ?? ''} onChange={(e) => navigate(e.target.value === '' ? { page: 'runs' } : { page: 'runs', status: e.target.value })}>
          <option value="">All</option>
          {RUN_STATUSES.map((s) => <option key={s} value={s}>{humanize(s)}</option>)}
        </select>
        <button type="button" onClick={runs.reload}>Refresh</button>
      </div>
      <Async state={runs} what="runs">
        {(list) => list.length === 0 ? <p className="muted">No {status === undefined ? '' : `${humanize(status).toLowerCase()} `}runs.</p> : (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Runs{status === undefined ? '' : ` with status ${status}`}</caption>
              <thead>
                <tr><th scope="col">Run</th><th scope="col">Playbook</th><th scope="col">Profile</th><th scope="col">Status</th><th scope="col">Step</th><th scope="col">Error</th><th scope="col">Updated</th></tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.id}>
                    <td><Link to={{ page: 'run', runId: r.id }}><code>{r.id}</code></Link></td>
                    <td>{r.playbookId} <span className="muted">v{r.playbookVersion}</span></td>
                    <td><Link to={{ page: 'record', profileId: r.profileId }}><code>{r.profileId}</code></Link></td>
                    <td><Badge value={r.status} />{r.waitingFor === null || r.waitingFor === undefined ? null : <span className="muted"> for {humanize(r.waitingFor).toLowerCase()}</span>}</td>
                    <td>{r.currentStep ?? '—'}</td>
                    <td>{r.error === null ? '—' : <span className="field-error">{r.error.code}</span>}</td>
                    <td title={formatInstant(r.updatedAt)}>{formatRelative(r.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </div>
  );
}
