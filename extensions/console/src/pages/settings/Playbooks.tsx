import { useState } from 'react';
import { Async, Badge, errorText, Notice, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { enablePlan, playbookRows, type PlaybookRow } from '../../lib/playbooks';
import { useAsync } from '../../lib/useAsync';

/** Playbooks on/off: off archives the published version (runs in flight finish on it); on publishes again. */
export function Playbooks() {
  const { api } = useConsole();
  const playbooks = useAsync(() => api.playbooks(), [api]);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);

  async function toggle(row: PlaybookRow) {
    setBusy(true);
    try {
      if (row.on) {
        await api.archivePlaybook(row.id);
        setNotice({ text: `${row.shown.name} is off: no new runs start; runs in flight finish.`, tone: 'info' });
      } else {
        const plan = enablePlan(row);
        if (plan.kind === 'republish') await api.createPlaybook(plan.definition);
        const published = await api.publishPlaybook(row.id);
        setNotice({ text: `${row.shown.name} is on (v${published.version}).`, tone: 'info' });
      }
    } catch (err) {
      setNotice({ text: errorText(err), tone: 'bad' });
    } finally {
      setBusy(false);
      playbooks.reload();
    }
  }

  return (
    <Section title="Playbooks">
      <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
      <Async state={playbooks} what="playbooks">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No playbooks.</p>
          ) : (
            <ul className="playbooks">
              {playbookRows(list).map((row) => (
                <li key={row.id}>
                  <div className="row">
                    <strong>{row.shown.name}</strong> <code>{row.id}</code> v{row.shown.version} <Badge value={row.shown.status} />
                    <label className="inline switch">
                      <input
                        type="checkbox"
                        role="switch"
                        aria-label={`Playbook ${row.shown.name}`}
                        checked={row.on}
                        disabled={busy}
                        onChange={() => void toggle(row)}
                      />
                      <span aria-hidden="true"> {row.on ? 'On' : 'Off'}</span>
                    </label>
                  </div>
                  {row.shown.description === undefined ? null : <p className="muted">{row.shown.description}</p>}
                  <p className="muted">{row.shown.steps.map((s) => `${s.id} (${s.kind})`).join(' → ')}</p>
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </Section>
  );
}
