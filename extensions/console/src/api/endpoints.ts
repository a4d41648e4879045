/** Every API call the console makes, typed end to end (paths per product.md 4.3). */
import { z } from 'zod';
import type { CardActionRequest } from '../../../../app/cards/card-view';
import { query, type ApiClient } from './http';
import {
  cardActionResultSchema, cardSchema, catalogSchema, connectionCreatedSchema, connectionListSchema, connectionTestSchema, decisionSchema, liftReportSchema,
  playbookListSchema, policiesResponseSchema, profileSearchSchema, runControlSchema, runDetailSchema, runListSchema, type Policies,
} from './schemas';

const id = (value: string): string => encodeURIComponent(value);

export type ProfileQuery = { email: string } | { phone: string } | { q: string };

/** Picks the search the text looks like: an email, a phone number, otherwise a name. */
export function profileQueryFor(text: string): ProfileQuery {
  const t = text.trim();
  if (t.includes('@')) return { email: t };
  if (/^\+?[\d\s().-]{6,}$/.test(t)) return { phone: t };
  return { q: t };
}


export function endpoints(api: ApiClient) {
  return {
    /** Checks a key without side effects. */
    verifyKey: () => api.request('GET', '/runs?limit=1', runListSchema),
    searchProfiles: (q: ProfileQuery) => api.request('GET', `/profiles${query({ ...q, limit: 20 })}`, profileSearchSchema).then((r) => r.profiles),
    card: (profileId: string) => api.request('GET', `/profiles/${id(profileId)}/card`, cardSchema),
    cardAction: (request: CardActionRequest) => api.request('POST', '/cards/actions', cardActionResultSchema, request),
    runs: (filter: { status?: string; profileId?: string; playbookId?: string; limit?: number }) =>
      api.request('GET', `/runs${query({ ...filter, limit: filter.limit ?? 100 })}`, runListSchema).then((r) => r.runs),
    run: (runId: string) => api.request('GET', `/runs/${id(runId)}`, runDetailSchema),
    resumeRun: (runId: string) => api.request('POST', `/runs/${id(runId)}/resume`, runControlSchema, {}),
    cancelRun: (runId: string, reason?: string) => api.request('POST', `/runs/${id(runId)}/cancel`, runControlSchema, reason === undefined ? {} : { reason }),
    /** Answers the approval the run waits for (its current step). */
    approveRun: (runId: string, decision: 'approved' | 'rejected') => api.request('POST', `/runs/${id(runId)}/approve`, runControlSchema, { decision, actor: 'console' }),
    startRun: (playbookId: string, profileId: string) => api.request('POST', '/runs', runControlSchema, { playbookId, profileId }),
    playbooks: () => api.request('GET', '/playbooks', playbookListSchema).then((r) => r.playbooks),
    actions: () => api.request('GET', '/actions', catalogSchema).then((r) => r.actions),
    decide: (profileId: string) => api.request('POST', '/decisions', decisionSchema, { profileId }),
    decision: (decisionId: string) => api.request('GET', `/decisions/${id(decisionId)}`, decisionSchema),
    recordOutcome: (decisionId: string, outcome: 'positive' | 'negative') => api.request('POST', `/decisions/${id(decisionId)}/outcome`, z.unknown(), { outcome }),
    lift: () => api.request('GET', '/lift', liftReportSchema),
    /** GET answers `{ policies, version, updatedAt }` (older servers: the settings bare). */
    policies: async (): Promise<Policies> => {
      const r = await api.request('GET', '/policies', policiesResponseSchema);
      return 'policies' in r && typeof r.policies === 'object' && r.policies !== null ? (r.policies as Policies) : (r as Policies);
    },
    /** PUT takes the settings themselves (app/decisioning/config.ts), not wrapped. */
    savePolicies: (policies: Policies) => api.request('PUT', '/policies', z.unknown(), policies),
    connections: () => api.request('GET', '/connections', connectionListSchema).then((r) => r.connections),
    createConnection: (type: 'zendesk' | 'twilio' | 'whatsapp', config: Record<string, string>) =>
      api.request('POST', '/connections', connectionCreatedSchema, { type, config }),
    testConnection: (connectionId: string) => api.request('POST', `/connections/${id(connectionId)}/test`, connectionTestSchema, {}),
  };
}

export type Endpoints = ReturnType<typeof endpoints>;
