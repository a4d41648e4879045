import { Async, Badge, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatNumber, humanize } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { Connections } from './Connections';
import { Policies } from './Policies';

function Catalog() {
  const { api } = useConsole();
  const actions = useAsync(() => api.actions(), [api]);
  return (
    <Section title="Action catalog">
      <Async state={actions} what="the action catalog">
        {(list) => list.length === 0 ? <p className="muted">No actions yet. Load a catalog with <code>PUT /api/v1/actions</code>.</p> : (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Actions</caption>
              <thead><tr><th scope="col">Id</th><th scope="col">Label</th><th scope="col">Channel</th><th scope="col">Value</th><th scope="col">Cost</th><th scope="col">Approval</th></tr></thead>
              <tbody>
                {list.map((a) => (
                  <tr key={a.id}>
                    <td><code>{a.id}</code></td><td>{a.label}</td><td>{humanize(a.channel)}</td><td>{formatNumber(a.value)}</td>
                    <td>{formatNumber(a.cost ?? 0)}</td><td>{a.requiresApproval === true ? 'required' : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </Section>
  );
}

function Playbooks() {
  const { api } = useConsole();
  const playbooks = useAsync(() => api.playbooks(), [api]);
  return (
    <Section title="Playbooks">
      <Async state={playbooks} what="playbooks">
        {(list) => list.length === 0 ? <p className="muted">No playbooks.</p> : (
          <ul className="playbooks">
            {list.map((p) => (
              <li key={`${p.id}@${p.version}`}>
                <strong>{p.name}</strong> <code>{p.id}</code> v{p.version} <Badge value={p.status} />
                {p.description === undefined ? null : <p className="muted">{p.description}</p>}
                <p className="muted">{p.steps.map((s) => `${s.id} (${s.kind})`).join(' → ')}</p>
              </li>
            ))}
          </ul>
        )}
      </Async>
    </Section>
  );
}

/** Connections and their status, action catalog, policies and holdout share, playbooks. */
export function SettingsPage() {
  return (
    <div>
      <h1>Settings</h1>
      <Connections />
      <Policies />
      <Catalog />
      <Playbooks />
    </div>
  );
}
