/** Every API call the console makes, typed end to end (paths per product.md 4.3; answers checked against app/contracts). */
import {
  cardActionResultSchema,
  cardViewSchema,
  catalogSchema,
  conversationPageSchema,
  connectionCreatedSchema,
  connectionListSchema,
  connectionTestSchema,
  decisionListSchema,
  decisionSchema,
  liftReportSchema,
  outcomeRecordedSchema,
  playbookListSchema,
  playbookSchema,
  policiesResponseSchema,
  profileSearchSchema,
  runControlSchema,
  runDetailSchema,
  runListSchema,
  type CardActionRequest,
  type CatalogAction,
  type Policies,
  type ProfileSummary,
} from '../../../../app/contracts';
import { deadLetterEndpoints } from './dead-letters';
import { ApiError, query, type ApiClient } from './http';

const id = (value: string): string => encodeURIComponent(value);

export type ProfileQuery = { email: string } | { phone: string } | { q: string };

/** Picks the search the text looks like: an email, a phone number, otherwise a name. */
export function profileQueryFor(text: string): ProfileQuery {
  const t = text.trim();
  if (t.includes('@')) return { email: t };
  if (/^\+?[\d\s().-]{6,}$/.test(t)) return { phone: t };
  return { q: t };
}

/**
 * The digits of a phone number as they appear inside its stored E.164 key, whatever the format typed:
 * separators dropped, and leading zeros (a national trunk prefix, or the 00 international prefix)
 * too, so "020 7946 0958" and "+44 20 7946 0958" both give "2079460958"…, a substring of +442079460958.
 */
export function phoneDigits(text: string): string {
  return text.replace(/\D/g, '').replace(/^0+/, '');
}

/** Profiles of both lists, each once, in first-seen order. */
function mergeProfiles(a: readonly ProfileSummary[], b: readonly ProfileSummary[]): ProfileSummary[] {
  const byId = new Map<string, ProfileSummary>();
  for (const p of [...a, ...b]) if (!byId.has(p.id)) byId.set(p.id, p);
  return [...byId.values()];
}

/** Whom POST /decisions is about: an email or a phone as identifiers, anything else as a profile id. */
export function decisionSubject(text: string): { profileId: string } | { identifiers: { type: 'email' | 'phone'; value: string }[] } {
  const t = text.trim();
  if (/^prof_/.test(t)) return { profileId: t };
  const q = profileQueryFor(t);
  if ('email' in q) return { identifiers: [{ type: 'email', value: q.email }] };
  if ('phone' in q) return { identifiers: [{ type: 'phone', value: q.phone }] };
  return { profileId: t };
}

export function endpoints(api: ApiClient) {
  return {
    /** Checks a key without side effects. */
    verifyKey: () => api.request('GET', '/runs?limit=1', runListSchema),
    /**
     * Email and name searches as typed. A phone is looked up by its digits inside the stored E.164
     * numbers, and exactly too when typed with its country code, so "4155550100", "(415) 555-0100"
     * and "+1 415-555-0100" all find +14155550100.
     */
    searchProfiles: async (q: ProfileQuery): Promise<ProfileSummary[]> => {
      const search = (params: ProfileQuery) =>
        api.request('GET', `/profiles${query({ ...params, limit: 20 })}`, profileSearchSchema).then((r) => r.profiles);
      if (!('phone' in q)) return search(q);
      const digits = phoneDigits(q.phone);
      const international = /^\s*(\+|00)/.test(q.phone) && digits.length >= 8;
      const [exact, partial] = await Promise.all([
        // Only a number with its country code is looked up exactly: the server cannot normalize the
        // others without a default region (a 400); a malformed one still answers 400, shown as no match.
        international
          ? search(q).catch((err: unknown) => {
              if (err instanceof ApiError && err.failure.kind === 'http' && err.failure.status === 400) return [];
              throw err;
            })
          : Promise.resolve([]),
        digits.length >= 6 ? search({ q: digits }) : Promise.resolve([]),
      ]);
      return mergeProfiles(exact, partial);
    },
    card: (profileId: string) => api.request('GET', `/profiles/${id(profileId)}/card`, cardViewSchema),
    /** One page of the person's conversation, newest first (`cursor`: the previous page's nextCursor). */
    conversation: (profileId: string, page: { cursor?: string; channel?: string; limit?: number } = {}) =>
      api.request(
        'GET',
        `/profiles/${id(profileId)}/conversation${query({ limit: page.limit ?? 25, cursor: page.cursor, channel: page.channel })}`,
        conversationPageSchema,
      ),
    cardAction: (request: CardActionRequest) => api.request('POST', '/cards/actions', cardActionResultSchema, request),
    runs: (filter: { status?: string; profileId?: string; playbookId?: string; limit?: number }) =>
      api.request('GET', `/runs${query({ ...filter, limit: filter.limit ?? 100, order: 'newest' })}`, runListSchema).then((r) => r.runs),
    /** One page of runs, oldest first, and the cursor of the next page (null on the last one). */
    runsPage: (filter: { status?: string; limit: number; cursor?: string }) =>
      api.request('GET', `/runs${query({ ...filter, order: 'newest' })}`, runListSchema),
    run: (runId: string) => api.request('GET', `/runs/${id(runId)}`, runDetailSchema),
    resumeRun: (runId: string) => api.request('POST', `/runs/${id(runId)}/resume`, runControlSchema, {}),
    cancelRun: (runId: string, reason?: string) =>
      api.request('POST', `/runs/${id(runId)}/cancel`, runControlSchema, reason === undefined ? {} : { reason }),
    /** Answers the approval the run waits for (its current step). */
    approveRun: (runId: string, decision: 'approved' | 'rejected') =>
      api.request('POST', `/runs/${id(runId)}/approve`, runControlSchema, { decision, actor: 'console' }),
    startRun: (playbookId: string, profileId: string) => api.request('POST', '/runs', runControlSchema, { playbookId, profileId }),
    playbooks: () => api.request('GET', '/playbooks', playbookListSchema).then((r) => r.playbooks),
    actions: () => api.request('GET', '/actions', catalogSchema).then((r) => r.actions),
    /** PUT replaces the whole catalog (the server validates it and answers what it stored). */
    saveActions: (actions: readonly CatalogAction[]) => api.request('PUT', '/actions', catalogSchema, { actions }).then((r) => r.actions),
    /** Turning a playbook off archives its published version (runs in flight finish on it). */
    archivePlaybook: (playbookId: string) => api.request('POST', `/playbooks/${id(playbookId)}/archive`, playbookSchema, {}),
    /** Publishes the newest draft of the playbook. */
    publishPlaybook: (playbookId: string) => api.request('POST', `/playbooks/${id(playbookId)}/publish`, playbookSchema, {}),
    /** A new draft version from a definition (an archived version's, to turn it back on). */
    createPlaybook: (definition: Record<string, unknown>) => api.request('POST', '/playbooks', playbookSchema, definition),
    /** A fresh decision for a profile id, or for the person an email or phone names (text as typed). */
    decide: (person: string) => api.request('POST', '/decisions', decisionSchema, decisionSubject(person)),
    decision: (decisionId: string) => api.request('GET', `/decisions/${id(decisionId)}`, decisionSchema),
    /** The tenant's decisions, newest first, a page at a time. */
    decisionsPage: (filter: { limit: number; cursor?: string }) => api.request('GET', `/decisions${query(filter)}`, decisionListSchema),
    recordOutcome: (decisionId: string, outcome: 'positive' | 'negative') =>
      api.request('POST', `/decisions/${id(decisionId)}/outcome`, outcomeRecordedSchema, { outcome }),
    lift: () => api.request('GET', '/lift', liftReportSchema),
    /** GET answers `{ policies, version, updatedAt }` (older servers: the settings bare). */
    policies: async (): Promise<Policies> => {
      const r = await api.request('GET', '/policies', policiesResponseSchema);
      return 'policies' in r && typeof r.policies === 'object' && r.policies !== null ? (r.policies as Policies) : (r as Policies);
    },
    /** PUT takes the settings themselves (app/decisioning/config.ts), not wrapped. */
    savePolicies: (policies: Policies) => api.request('PUT', '/policies', policiesResponseSchema, policies),
    connections: () => api.request('GET', '/connections', connectionListSchema).then((r) => r.connections),
    createConnection: (type: 'zendesk' | 'twilio' | 'whatsapp', config: Record<string, string>) =>
      api.request('POST', '/connections', connectionCreatedSchema, { type, config }),
    testConnection: (connectionId: string) => api.request('POST', `/connections/${id(connectionId)}/test`, connectionTestSchema, {}),
    ...deadLetterEndpoints(api),
  };
}

export type Endpoints = ReturnType<typeof endpoints>;
