import { useId, useState } from 'react';
import { RUN_STATUSES, type Run } from '../../../../../app/contracts';
import { Async, Badge, errorText, Link, Notice, TableWrap } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatInstant, formatRelative, humanize } from '../../lib/format';
import type { Route } from '../../lib/route';
import { firstPages } from '../../lib/pages';
import { useAsync, usePolling } from '../../lib/useAsync';

export const PAGE_SIZES = [25, 50, 100] as const;
const ENDED = ['completed', 'exited', 'cancelled'];

/** Every run of the tenant, newest first, filtered by status, a page at a time. */
export function RunsPage({ route }: { route: Extract<Route, { page: 'runs' }> }) {
  const { api, navigate } = useConsole();
  const id = useId();
  const status = route.status;
  const [pageSize, setPageSize] = useState<number>(50);
  const [pages, setPages] = useState(1);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);
  // The first `pages` pages, following the server's cursors; reloading refetches them all.
  const runs = useAsync(
    () =>
      firstPages(pages, async (cursor) => {
        const page = await api.runsPage({
          ...(status === undefined ? {} : { status }),
          limit: pageSize,
          ...(cursor === undefined ? {} : { cursor }),
        });
        return { items: page.runs, nextCursor: page.nextCursor };
      }),
    [api, status, pageSize, pages],
  );
  usePolling(runs.reload, 10_000, busy === null);

  async function control(run: Run, what: 'resume' | 'cancel') {
    setBusy(run.id);
    try {
      const r = what === 'resume' ? await api.resumeRun(run.id) : await api.cancelRun(run.id, 'cancelled from the console');
      setNotice({ text: `${what === 'resume' ? 'Resumed' : 'Cancelled'} ${run.id} (${run.playbookId}): it is ${r.status}.`, tone: 'info' });
    } catch (err) {
      setNotice({ text: errorText(err), tone: 'bad' });
    } finally {
      setBusy(null);
      runs.reload();
    }
  }

  return (
    <div>
      <h1>Runs</h1>
      <div className="row toolbar">
        <label htmlFor={id}>Status</label>
        <select
          id={id}
          value={status ?? ''}
          onChange={(e) => {
            setPages(1);
            navigate(e.target.value === '' ? { page: 'runs' } : { page: 'runs', status: e.target.value });
          }}
        >
          <option value="">All</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {humanize(s)}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-size`}>Per page</label>
        <select
          id={`${id}-size`}
          value={pageSize}
          onChange={(e) => {
            setPages(1);
            setPageSize(Number(e.target.value));
          }}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button type="button" onClick={runs.reload}>
          Refresh
        </button>
      </div>
      <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
      <Async state={runs} what="runs">
        {({ list, more }) =>
          list.length === 0 ? (
            <p className="muted">No {status === undefined ? '' : `${humanize(status).toLowerCase()} `}runs.</p>
          ) : (
            <>
              <p className="muted" aria-live="polite">
                Showing {list.length} run{list.length === 1 ? '' : 's'}
                {more ? ', more to load' : ''} (newest first).
              </p>
              <TableWrap label="Runs">
                <table>
                  <caption className="sr-only">Runs{status === undefined ? '' : ` with status ${status}`}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Run</th>
                      <th scope="col">Playbook</th>
                      <th scope="col">Profile</th>
                      <th scope="col">Status</th>
                      <th scope="col">Step</th>
                      <th scope="col">Error</th>
                      <th scope="col">Updated</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((r) => (
                      <tr key={r.id}>
                        <td>
                          <Link to={{ page: 'run', runId: r.id }}>
                            <code>{r.id}</code>
                          </Link>
                        </td>
                        <td>
                          {r.playbookId} <span className="muted">v{r.playbookVersion}</span>
                        </td>
                        <td>
                          <Link to={{ page: 'record', profileId: r.profileId }}>
                            <code>{r.profileId}</code>
                          </Link>
                        </td>
                        <td>
                          <Badge value={r.status} />
                          {r.waitingFor === null || r.waitingFor === undefined ? null : (
                            <span className="muted"> for {humanize(r.waitingFor).toLowerCase()}</span>
                          )}
                        </td>
                        <td>{r.currentStep ?? '—'}</td>
                        <td>{r.error === null ? '—' : <span className="field-error">{r.error.code}</span>}</td>
                        <td title={formatInstant(r.updatedAt)}>{formatRelative(r.updatedAt)}</td>
                        <td>
                          <div className="buttons compact">
                            {r.status === 'failed' ? (
                              <button
                                type="button"
                                disabled={busy !== null}
                                aria-label={`Resume run ${r.id}`}
                                onClick={() => void control(r, 'resume')}
                              >
                                Resume
                              </button>
                            ) : null}
                            {ENDED.includes(r.status) ? null : (
                              <button
                                type="button"
                                className="secondary"
                                disabled={busy !== null}
                                aria-label={`Cancel run ${r.id}`}
                                onClick={() => void control(r, 'cancel')}
                              >
                                Cancel
                              </button>
                            )}
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              {more ? (
                <button type="button" className="secondary" onClick={() => setPages((n) => n + 1)}>
                  Load {pageSize} more
                </button>
              ) : null}
            </>
          )
        }
      </Async>
    </div>
  );
}
