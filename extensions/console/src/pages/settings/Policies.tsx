import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Policies as PolicySettings } from '../../../../../app/contracts';
import { Async, errorText, Facts, JsonBlock, Notice, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatPercent, humanize } from '../../lib/format';
import { formOf, policiesFromForm, type PolicyForm as Form } from '../../lib/policies';
import { useAsync } from '../../lib/useAsync';

/** Contact and engagement policies (quiet hours, frequency caps) and the holdout share, editable (PUT /api/v1/policies). */
export function Policies() {
  const { api } = useConsole();
  const ids = useId();
  const loaded = useAsync(() => api.policies(), [api]);
  const [form, setForm] = useState<Form | null>(null);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);
  const current = loaded.status === 'ok' ? loaded.data : null;
  useEffect(() => {
    if (current !== null) setForm(formOf(current));
  }, [current]);

  async function save(e: FormEvent, policies: PolicySettings) {
    e.preventDefault();
    if (form === null) return;
    const checked = policiesFromForm(policies, form);
    if (!checked.ok) {
      setNotice({ text: checked.message, tone: 'bad' });
      return;
    }
    try {
      await api.savePolicies(checked.policies);
      setNotice({ text: `Policies saved. Holdout share saved: ${form.share}%.`, tone: 'info' });
      loaded.reload();
    } catch (err) {
      setNotice({ text: errorText(err), tone: 'bad' });
    }
  }

  const set = (patch: Partial<Form>) => setForm((f) => (f === null ? f : { ...f, ...patch }));

  return (
    <Section title="Policies and holdout">
      <Async state={loaded} what="policies">
        {(p) => {
          const q = p.quietHours;
          return (
            <>
              <Facts
                items={[
                  ['Holdout share', formatPercent(p.holdout?.share ?? null)],
                  ['Random control share', formatPercent(p.randomControlShare ?? null)],
                  [
                    'Quiet hours',
                    q === undefined
                      ? '—'
                      : q.enabled === false
                        ? 'off'
                        : `${q.start ?? '?'}–${q.end ?? '?'} recipient time (default ${q.defaultTimeZone ?? 'UTC'})`,
                  ],
                  ['Frequency caps', (p.frequencyCaps ?? []).map((c) => `${c.max} per ${c.period} (${c.channel})`).join(', ') || '—'],
                  ['Engagement policies', (p.engagementPolicies ?? []).map((e) => `${e.id} (${humanize(e.kind)})`).join(', ') || 'none'],
                ]}
              />
              {form === null ? null : (
                <form className="stack" onSubmit={(e) => void save(e, p)}>
                  <fieldset>
                    <legend>Holdout</legend>
                    <div>
                      <label htmlFor="holdout-share">Holdout share (%)</label>
                      <input
                        id="holdout-share"
                        type="number"
                        min={0}
                        max={50}
                        step={0.5}
                        value={form.share}
                        onChange={(e) => set({ share: e.target.value })}
                        aria-describedby={`${ids}-holdout-help`}
                      />
                      <p id={`${ids}-holdout-help`} className="muted">
                        People held out get no action; lift compares everyone else with them.
                      </p>
                    </div>
                  </fieldset>
                  <fieldset>
                    <legend>Quiet hours (recipient time)</legend>
                    <div>
                      <label className="inline">
                        <input type="checkbox" checked={form.quietOn} onChange={(e) => set({ quietOn: e.target.checked })} /> Hold messages
                        during quiet hours
                      </label>
                    </div>
                    <div>
                      <label htmlFor={`${ids}-start`}>From</label>
                      <input
                        id={`${ids}-start`}
                        type="time"
                        value={form.start}
                        onChange={(e) => set({ start: e.target.value })}
                        disabled={!form.quietOn}
                      />
                    </div>
                    <div>
                      <label htmlFor={`${ids}-end`}>Until</label>
                      <input
                        id={`${ids}-end`}
                        type="time"
                        value={form.end}
                        onChange={(e) => set({ end: e.target.value })}
                        disabled={!form.quietOn}
                      />
                    </div>
                    <div>
                      <label htmlFor={`${ids}-tz`}>Default time zone</label>
                      <input
                        id={`${ids}-tz`}
                        value={form.timeZone}
                        onChange={(e) => set({ timeZone: e.target.value })}
                        autoComplete="off"
                      />
                    </div>
                  </fieldset>
                  <fieldset>
                    <legend>Frequency caps (most actions per person)</legend>
                    {form.caps.length === 0 ? (
                      <p className="muted">No caps.</p>
                    ) : (
                      form.caps.map((c, i) => (
                        <div key={`${c.channel}-${c.period}`}>
                          <label htmlFor={`${ids}-cap-${i}`}>
                            {c.channel === 'all' ? 'All channels' : humanize(c.channel)} per {c.period}
                          </label>
                          <input
                            id={`${ids}-cap-${i}`}
                            type="number"
                            min={0}
                            step={1}
                            value={c.max}
                            onChange={(e) => set({ caps: form.caps.map((x, j) => (j === i ? { ...x, max: e.target.value } : x)) })}
                          />
                        </div>
                      ))
                    )}
                  </fieldset>
                  <div className="buttons">
                    <button type="submit">Save</button>
                  </div>
                </form>
              )}
              <Notice text={notice?.text ?? null} tone={notice?.tone ?? 'info'} />
              <details>
                <summary>All settings (JSON)</summary>
                <JsonBlock label="Decisioning settings" value={p} />
              </details>
            </>
          );
        }}
      </Async>
    </Section>
  );
}
