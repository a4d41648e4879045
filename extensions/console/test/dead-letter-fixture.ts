import type { DeadLetter } from '../../../app/contracts';

/** A dead letter as GET /api/v1/dead-letters returns it (console tests). */
export const deadLetter = (id: string, extra: Partial<DeadLetter> = {}): DeadLetter => ({
  id,
  kind: 'hubspot.webhook-batch',
  error: 'Error: HubSpot answered 500',
  attempts: 5,
  maxAttempts: 5,
  redrives: 0,
  payload: {},
  diedAt: '2026-11-23T10:00:00.000Z',
  ...extra,
});
