import { useEffect, useState, type FormEvent } from 'react';
import type { Policies as PolicySettings } from '../../api/schemas';
import { Async, describeError, Facts, JsonBlock, Notice, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatPercent, humanize } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

/** Contact and engagement policies, and the holdout share (editable: PUT /api/v1/policies). */
export function Policies() {
  const { api } = useConsole();
  const loaded = useAsync(() => api.policies(), [api]);
  const [share, setShare] = useState('');
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'bad' } | null>(null);
  const current = loaded.status === 'ok' ? loaded.data : null;
  useEffect(() => {
    if (current !== null) setShare(String(Math.round((current.holdout?.share ?? 0.05) * 1000) / 10));
  }, [current]);

  async function save(e: FormEvent, policies: PolicySettings) {
    e.preventDefault();
    const pct = Number(share);
    if (!Number.isFinite(pct) || pct < 0 || pct > 50) {
      setNotice({ text: 'The holdout share must be a percentage between 0 and 50.', tone: 'bad' });
      return;
    }
    try {
      await api.savePolicies({ ...policies, holdout: { ...policies.holdout, share: pct / 100 } });
      setNotice({ text: `Holdout share saved: ${pct}%.`, tone: 'info' });
      loaded.reload();
    } catch (err) {
      const d = describeError(err);
      setNotice({ text: `${d.title}: ${d.detail}`, tone: 'bad' });
    }
  }

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
                  ['Quiet hours', q === undefined ? '—' : q.enabled === false ? 'off' : `${q.start ?? '?'}–${q.end ?? '?'} recipient time (default ${q.defaultTimeZone ?? 'UTC'})`],
                  ['Frequency caps', (p.frequencyCaps ?? []).map((c) => `${c.max} per ${c.period} (${c.channel})`).join(', ') || '—'],
                  ['Engagement policies', (p.engagementPolicies ?? []).map((e) => `${e.id} (${humanize(e.kind)})`).join(', ') || 'none'],
                ]}
              />
              <form className="row" onSubmit={(e) => void save(e, p)}>
                <label htmlFor="holdout-share">Holdout share (%)</label>
                <input id="holdout-share" type="number" min={0} max={50} step={0.5} value={share} onChange={(e) => setShare(e.target.value)} />
                <button type="submit">Save</button>
              </form>
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
