import type { JsonObject } from '../json';
import { readPath } from '../playbook/params';
import type { WaitSpec } from '../playbook/playbook.schema';
import { isValidTimeZone, nextWindowOpening } from '../playbook/time-window';
import type { RunSnapshot, WaitReason } from '../runs/run.types';
import { buildScope } from './scope';

export const WAIT_REASON: Readonly<Record<WaitSpec['type'], WaitReason>> = {
  duration: 'duration',
  time_window: 'time_window',
  event: 'event',
  approval: 'approval',
};

/** The recipient's time zone for a time-window wait (falls back to the step's default). */
export function recipientTimeZone(snapshot: RunSnapshot, spec: Extract<WaitSpec, { type: 'time_window' }>): string {
  const value = readPath(buildScope(snapshot), spec.timeZoneFrom);
  return typeof value === 'string' && isValidTimeZone(value) ? value : spec.defaultTimeZone;
}

/** When a wait that starts at `now` is over (duration end, window opening) or times out. */
export function waitDeadline(
  snapshot: RunSnapshot,
  spec: WaitSpec,
  now: number,
): { readonly deadline: number; readonly input: JsonObject } {
  switch (spec.type) {
    case 'duration':
      return { deadline: now + spec.duration, input: { type: spec.type, durationMs: spec.duration, until: now + spec.duration } };
    case 'time_window': {
      const timeZone = recipientTimeZone(snapshot, spec);
      const opensAt = nextWindowOpening(now, timeZone, spec);
      return { deadline: opensAt, input: { type: spec.type, timeZone, days: [...spec.days], start: spec.start, end: spec.end, opensAt } };
    }
    case 'event':
      return { deadline: now + spec.timeout, input: { type: spec.type, match: spec.match, timeoutAt: now + spec.timeout } };
    case 'approval':
      return { deadline: now + spec.timeout, input: { type: spec.type, prompt: spec.prompt ?? null, timeoutAt: now + spec.timeout } };
  }
}
