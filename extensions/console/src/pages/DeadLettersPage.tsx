import { useState } from 'react';
import type { DeadLetter } from '../../../../app/contracts';
import { Async, Badge, Notice, Section, TableWrap, errorText } from '../components/ui';
import { useConsole } from '../lib/context';
import { redriveSummary, shortError } from '../lib/dead-letters';
import { formatInstant, formatRelative } from '../lib/format';
import { firstPages } from '../lib/pages';
import { useAsync } from '../lib/useAsync';

const PAGE = 25;

/** The table of dead letters, or the empty state; pure, so it renders the same in tests. */
export function DeadLetterList({
  list,
  busy,
  onRedrive,
}: {
  list: readonly DeadLetter[];
  busy: ReadonlySet<string>;
  onRedrive: (id: string) => void;
}) {
  if (list.length === 0) return <p className="muted">No dead letters: every piece of work finished or is still being retried.</p>;
  return (
    <TableWrap label="Dead letters">
      <table>
        <caption className="sr-only">Work that used up its attempts, most recent first</caption>
        <thead>
          <tr>
            <th scope="col">Died</th>
            <th scope="col">Kind</th>
            <th scope="col">Attempts</th>
            <th scope="col">Error</th>
            <th scope="col">Job</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={d.id}>
              <td>
                <span title={formatInstant(d.diedAt)}>{formatRelative(d.diedAt)}</span>
              </td>
              <td>
                <code>{d.kind}</code>
              </td>
              <td>
                {d.attempts} of {d.maxAttempts}
                {d.redrives !== undefined && d.redrives > 0 ? (
                  <>
                    {' '}
                    <Badge value="retrying" label={`redriven ${d.redrives}×`} />
                  </>
                ) : null}
              </td>
              <td>
                {d.error === null ? <span className="muted">no error recorded</span> : <span title={d.error}>{shortError(d.error)}</span>}
              </td>
              <td>
                <code>{d.id}</code>
              </td>
              <td>
                <button type="button" className="secondary" disabled={busy.has(d.id)} onClick={() => onRedrive(d.id)}>
                  Redrive
                  <span className="sr-only">
                    {' '}
                    {d.kind} job {d.id}
                  </span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Dead letters: work that exhausted its attempts, with its error; redrive one or all. */
export function DeadLettersPage() {
  const { api } = useConsole();
  const [pages, setPages] = useState(1);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);
  const letters = useAsync(
    () =>
      firstPages(pages, async (cursor) => {
        const page = await api.deadLettersPage({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
        return { items: page.deadLetters, nextCursor: page.nextCursor };
      }),
    [api, pages],
  );

  async function redrive(id: string) {
    setBusy((b) => new Set([...b, id]));
    try {
      await api.redriveDeadLetter(id);
      setNotice({ text: `Redrove ${id}: it runs again now.`, tone: 'info' });
    } catch (err) {
      setNotice({ text: errorText(err), tone: 'bad' });
    } finally {
      setBusy((b) => new Set([...b].filter((x) => x !== id)));
      letters.reload();
    }
  }

  async function redriveAll() {
    setBusy((b) => new Set([...b, '*']));
    try {
      setNotice({ text: redriveSummary(await api.redriveAllDeadLetters()), tone: 'info' });
    } catch (err) {
      setNotice({ text: errorText(err), tone: 'bad' });
    } finally {
      setBusy((b) => new Set([...b].filter((x) => x !== '*')));
      letters.reload();
    }
  }

  const hasAny = letters.status === 'ok' && letters.data.list.length > 0;
  return (
    <div>
      <h1>Dead letters</h1>
      <p className="muted">
        Work that used up its attempts stops here with its last error. Fix the cause, then redrive it: it runs again with fresh attempts.
      </p>
      <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
      <Section
        title="Dead letters"
        actions={
          <div className="buttons compact">
            <button type="button" className="secondary" onClick={letters.reload}>
              Refresh
            </button>
            <button type="button" disabled={!hasAny || busy.has('*')} onClick={() => void redriveAll()}>
              Redrive all
            </button>
          </div>
        }
      >
        <Async state={letters} what="dead letters">
          {({ list, more }) => (
            <>
              <DeadLetterList list={list} busy={busy} onRedrive={(id) => void redrive(id)} />
              {more ? (
                <button type="button" className="secondary" onClick={() => setPages((n) => n + 1)}>
                  Load {PAGE} more
                </button>
              ) : null}
            </>
          )}
        </Async>
      </Section>
    </div>
  );
}
