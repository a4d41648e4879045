import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION_PATTERN = /^(\d+)\s*(ms|s|m|h|d|w)$/;

/** Parses "30s", "15m", "2h", "3d", "1w" or "250ms" into milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, amount, unit] = match;
  if (amount === undefined || unit === undefined) return undefined;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

/**
 * A duration in a playbook: a non-negative integer number of milliseconds, or a string such as "3d".
 * Always normalised to milliseconds.
 */
export const durationSchema = z
  .union([z.number(), z.string()], { error: 'a duration must be milliseconds (a number) or a string such as "30s", "15m", "2h", "3d"' })
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration (use e.g. 500ms, 30s, 15m, 2h, 3d, 1w)` });
      return z.NEVER;
    }
    if (!Number.isSafeInteger(ms) || ms < 0) {
      ctx.addIssue({ code: 'custom', message: `a duration must be a non-negative whole number of milliseconds (got ${ms})` });
      return z.NEVER;
    }
    return ms;
  });
