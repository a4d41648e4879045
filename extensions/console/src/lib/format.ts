/** Display formatting, pure (tested in test/unit/console). */

/** Epoch ms or ISO string to a Date; null for missing or unparseable values. */
export function toDate(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "2026-11-30 14:05 UTC": unambiguous, same for every viewer. */
export function formatInstant(value: string | number | null | undefined): string {
  const d = toDate(value);
  if (d === null) return '—';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "3 min ago", "in 2 h", "just now". */
export function formatRelative(value: string | number | null | undefined, now: number = Date.now()): string {
  const d = toDate(value);
  if (d === null) return '—';
  const diff = d.getTime() - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return 'just now';
  const text = formatDuration(abs);
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** Milliseconds as the largest sensible unit: "45 s", "12 min", "3 h", "5 d". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** A share in [0, 1] as a percentage: 0.0512 → "5.1%". */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** A relative lift with its sign: 0.25 → "+25.0%". */
export function formatLift(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
}

/** A confidence interval of relative lift: "[−3.0%, +12.5%]". */
export function formatInterval(ci: readonly [number, number] | null | undefined): string {
  if (ci === null || ci === undefined) return 'not enough data';
  return `[${formatLift(ci[0])}, ${formatLift(ci[1])}]`;
}

/** Scores and factors: 3 significant digits, no exponent for everyday values. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2);
  return Number(value.toPrecision(3)).toLocaleString('en-US');
}

/** Names people write their own way. */
const PROPER: Record<string, string> = { sms: 'SMS', whatsapp: 'WhatsApp', hubspot: 'HubSpot', crm_update: 'CRM update' };

/** snake_case and kebab-case codes as words: "at_risk" → "At risk". */
export function humanize(code: string): string {
  const proper = PROPER[code.toLowerCase()];
  if (proper !== undefined) return proper;
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words.length === 0 ? code : words.charAt(0).toUpperCase() + words.slice(1);
}

/** Any JSON value as indented text for <pre> blocks (undefined and null shown as such). */
export function formatJson(value: unknown): string {
  if (value === undefined) return '(none)';
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** Sentiment in [-1, 1] as a word and a number: "negative (−0.62)". */
export function formatSentiment(score: number | null, label: string | null): string {
  if (score === null) return label ?? '—';
  const n = `${score > 0 ? '+' : ''}${score.toFixed(2)}`;
  return label === null ? n : `${label} (${n})`;
}

/**
 * A person's name for display. Profile search answers the matching form of names (lower-case, as
 * the identity resolver compares them); a name typed all in lower case gets capitals on its words.
 */
export function displayName(name: string): string {
  if (name !== name.toLowerCase()) return name;
  return name.replace(/(^|[\s'-])(\p{Ll})/gu, (_m, sep: string, c: string) => `${sep}${c.toUpperCase()}`);
}
