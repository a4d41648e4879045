/** Small, locale-free formatting for the card (the sandbox has no Intl guarantees worth relying on). */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "3 days", "5 hours", "12 minutes", "less than a minute". */
export function formatDuration(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms >= DAY) return plural(Math.floor(ms / DAY), 'day');
  if (ms >= HOUR) return plural(Math.floor(ms / HOUR), 'hour');
  if (ms >= MINUTE) return plural(Math.floor(ms / MINUTE), 'minute');
  return 'less than a minute';
}

/** 0.237 → "24%". */
export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** ISO timestamp → "2026-11-30 14:05 UTC". */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "at_risk" → "At risk". */
export function humanize(code: string): string {
  const words = code.replace(/[_.-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Sentiment in [-1, 1] → "+0.42". */
export function formatSentiment(score: number): string {
  return `${score >= 0 ? '+' : ''}${score.toFixed(2)}`;
}
