/** The policies form ⇄ decisioning settings (pure; tested in test/unit/console). */
import type { Policies as PolicySettings } from '../../../../app/contracts';

type Cap = NonNullable<PolicySettings['frequencyCaps']>[number];
export interface PolicyForm {
  share: string;
  quietOn: boolean;
  start: string;
  end: string;
  timeZone: string;
  caps: { channel: string; period: string; max: string }[];
}

export const formOf = (p: PolicySettings): PolicyForm => ({
  share: String(Math.round((p.holdout?.share ?? 0.05) * 1000) / 10),
  quietOn: p.quietHours?.enabled !== false,
  start: p.quietHours?.start ?? '21:00',
  end: p.quietHours?.end ?? '08:00',
  timeZone: p.quietHours?.defaultTimeZone ?? 'UTC',
  caps: (p.frequencyCaps ?? []).map((c) => ({ channel: c.channel, period: c.period, max: String(c.max) })),
});

/** The edited settings, or what is wrong with the form (checked again by the server). */
export function policiesFromForm(
  current: PolicySettings,
  f: PolicyForm,
): { ok: true; policies: PolicySettings } | { ok: false; message: string } {
  const pct = Number(f.share);
  if (f.share.trim() === '' || !Number.isFinite(pct) || pct < 0 || pct > 50)
    return { ok: false, message: 'The holdout share must be a percentage between 0 and 50.' };
  const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
  if (!hhmm.test(f.start) || !hhmm.test(f.end)) return { ok: false, message: 'Quiet hours start and end must be times like 21:00.' };
  if (f.timeZone.trim() === '') return { ok: false, message: 'Give a default time zone, e.g. Europe/Berlin or UTC.' };
  const caps: Cap[] = [];
  for (const c of f.caps) {
    const max = Number(c.max);
    if (c.max.trim() === '' || !Number.isInteger(max) || max < 0)
      return { ok: false, message: `The ${c.channel} cap per ${c.period} must be a whole number, zero or more.` };
    caps.push({ channel: c.channel, period: c.period, max });
  }
  return {
    ok: true,
    policies: {
      ...current,
      holdout: { ...current.holdout, share: pct / 100 },
      quietHours: { ...current.quietHours, enabled: f.quietOn, start: f.start, end: f.end, defaultTimeZone: f.timeZone.trim() },
      frequencyCaps: caps,
    },
  };
}
