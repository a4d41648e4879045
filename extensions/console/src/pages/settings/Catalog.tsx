import { useId, useState, type FormEvent } from 'react';
import { CHANNELS, type CatalogAction } from '../../../../../app/contracts';
import { Async, errorText, Notice, Section, TableWrap } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatNumber, humanize } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

type Draft = { id: string; label: string; channel: CatalogAction['channel']; value: string; cost: string; requiresApproval: boolean };
const draftOf = (a: CatalogAction | null): Draft => ({
  id: a?.id ?? '',
  label: a?.label ?? '',
  channel: a?.channel ?? 'email',
  value: a === null ? '' : String(a.value),
  cost: a?.cost === undefined ? '' : String(a.cost),
  requiresApproval: a?.requiresApproval === true,
});

/** One action's fields; everything else it has (eligibility, template) is kept as it was. */
function ActionForm({
  original,
  onSave,
  onCancel,
}: {
  original: CatalogAction | null;
  onSave: (action: CatalogAction) => Promise<boolean>;
  onCancel: () => void;
}) {
  const f = useId();
  const [d, setD] = useState<Draft>(() => draftOf(original));
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD({ ...d, [k]: v });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = Number(d.value);
    const cost = d.cost.trim() === '' ? undefined : Number(d.cost);
    if (d.id.trim() === '' || d.label.trim() === '') return setError('Give the action an id and a label.');
    if (d.value.trim() === '' || !Number.isFinite(value) || value < 0) return setError('Value must be a number, zero or more.');
    if (cost !== undefined && (!Number.isFinite(cost) || cost < 0)) return setError('Cost must be a number, zero or more (or empty).');
    setError(null);
    const { cost: _oldCost, requiresApproval: _oldApproval, ...kept } = original ?? ({} as Partial<CatalogAction>);
    const action: CatalogAction = {
      ...kept,
      id: d.id.trim(),
      label: d.label.trim(),
      channel: d.channel,
      value,
      ...(cost === undefined ? {} : { cost }),
      ...(d.requiresApproval ? { requiresApproval: true } : {}),
    };
    if (await onSave(action)) onCancel();
  }

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <fieldset>
        <legend>{original === null ? 'Add an action' : `Edit ${original.id}`}</legend>
        <div>
          <label htmlFor={`${f}-id`}>Id</label>
          <input id={`${f}-id`} value={d.id} readOnly={original !== null} onChange={(e) => set('id', e.target.value)} required />
        </div>
        <div>
          <label htmlFor={`${f}-label`}>Label</label>
          <input id={`${f}-label`} value={d.label} onChange={(e) => set('label', e.target.value)} required />
        </div>
        <div>
          <label htmlFor={`${f}-channel`}>Channel</label>
          <select id={`${f}-channel`} value={d.channel} onChange={(e) => set('channel', e.target.value as Draft['channel'])}>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {humanize(c)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${f}-value`}>Value</label>
          <input
            id={`${f}-value`}
            type="number"
            min={0}
            step="any"
            inputMode="decimal"
            value={d.value}
            onChange={(e) => set('value', e.target.value)}
            required
          />
        </div>
        <div>
          <label htmlFor={`${f}-cost`}>Cost (optional)</label>
          <input
            id={`${f}-cost`}
            type="number"
            min={0}
            step="any"
            inputMode="decimal"
            value={d.cost}
            onChange={(e) => set('cost', e.target.value)}
          />
        </div>
        <div>
          <label className="inline">
            <input type="checkbox" checked={d.requiresApproval} onChange={(e) => set('requiresApproval', e.target.checked)} /> A rep
            approves it before it is sent
          </label>
        </div>
        {error === null ? null : (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit">Save action</button>
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </fieldset>
    </form>
  );
}

/** The action catalog: view, edit, add and remove actions (PUT /api/v1/actions replaces the catalog). */
export function Catalog() {
  const { api } = useConsole();
  const actions = useAsync(() => api.actions(), [api]);
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);

  async function save(next: readonly CatalogAction[], done: string): Promise<boolean> {
    try {
      await api.saveActions(next);
      setNotice({ text: done, tone: 'info' });
      actions.reload();
      return true;
    } catch (err) {
      setNotice({ text: errorText(err), tone: 'bad' });
      return false;
    }
  }

  return (
    <Section
      title="Action catalog"
      actions={
        editing === null ? (
          <button type="button" className="secondary" onClick={() => setEditing('new')}>
            Add an action
          </button>
        ) : undefined
      }
    >
      <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
      <Async state={actions} what="the action catalog">
        {(list) => (
          <>
            {editing === 'new' ? (
              <ActionForm
                original={null}
                onCancel={() => setEditing(null)}
                onSave={(a) =>
                  list.some((x) => x.id === a.id)
                    ? (setNotice({ text: `There is already an action ${a.id}.`, tone: 'bad' }), Promise.resolve(false))
                    : save([...list, a], `Added ${a.id}.`)
                }
              />
            ) : null}
            {list.length === 0 ? (
              <p className="muted">No actions yet.</p>
            ) : (
              <TableWrap label="Actions">
                <table>
                  <caption className="sr-only">Actions</caption>
                  <thead>
                    <tr>
                      <th scope="col">Id</th>
                      <th scope="col">Label</th>
                      <th scope="col">Channel</th>
                      <th scope="col">Value</th>
                      <th scope="col">Cost</th>
                      <th scope="col">Approval</th>
                      <th scope="col">Edit</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((a) => (
                      <tr key={a.id}>
                        <td>
                          <code>{a.id}</code>
                        </td>
                        <td>{a.label}</td>
                        <td>{humanize(a.channel)}</td>
                        <td>{formatNumber(a.value)}</td>
                        <td>{formatNumber(a.cost ?? 0)}</td>
                        <td>{a.requiresApproval === true ? 'required' : '—'}</td>
                        <td>
                          <div className="buttons compact">
                            <button type="button" className="link" aria-label={`Edit ${a.label}`} onClick={() => setEditing(a.id)}>
                              Edit
                            </button>
                            <button
                              type="button"
                              className="link"
                              aria-label={`Remove ${a.label}`}
                              onClick={() =>
                                void save(
                                  list.filter((x) => x.id !== a.id),
                                  `Removed ${a.id}.`,
                                )
                              }
                            >
                              Remove
                            </button>
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
            {editing === null || editing === 'new' ? null : (
              <ActionForm
                key={editing}
                original={list.find((a) => a.id === editing) ?? null}
                onCancel={() => setEditing(null)}
                onSave={(a) =>
                  save(
                    list.map((x) => (x.id === a.id ? a : x)),
                    `Saved ${a.id}.`,
                  )
                }
              />
            )}
          </>
        )}
      </Async>
    </Section>
  );
}
