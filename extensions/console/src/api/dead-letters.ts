/** The dead-letter endpoints (work that used up its attempts): list, redrive one, redrive many. */
import { deadLetterListSchema, redriveManySchema, redriveOneSchema } from '../../../../app/contracts';
import { query, type ApiClient } from './http';

export function deadLetterEndpoints(api: ApiClient) {
  return {
    /** One page of the tenant's dead letters, newest deaths first. */
    deadLettersPage: (filter: { limit: number; cursor?: string; kind?: string }) =>
      api.request('GET', `/dead-letters${query(filter)}`, deadLetterListSchema),
    /** Puts one dead letter back to work (pending, due now, attempts reset). */
    redriveDeadLetter: (jobId: string) => api.request('POST', `/dead-letters/${encodeURIComponent(jobId)}/redrive`, redriveOneSchema, {}),
    /** Redrives every dead letter of the tenant (a bounded batch per call; `remaining` says how many are left). */
    redriveAllDeadLetters: (filter: { kind?: string } = {}) => api.request('POST', '/dead-letters/redrive', redriveManySchema, filter),
  };
}
