/**
 * The one way the card and the settings page talk to Baton: a typed wrapper over `hubspot.fetch`.
 * HubSpot proxies and signs every call (X-HubSpot-Signature-v3); the backend takes the portal and the
 * user from what HubSpot signs, so nothing here sends a portal id or a secret. Requests are checked
 * against the shared contract before they leave, answers are checked before anything renders them.
 */
import { z } from 'zod';
import {
  type CardActionRequest,
  type CardActionResult,
  type CardView,
  cardActionRequestSchema,
  cardActionResultSchema,
  cardViewSchema,
} from './contract/card-view';
import { apiErrorSchema, type FieldIssue, fieldIssueSchema } from './contract/common';
import {
  type SettingsUpdateRequest,
  type SettingsUpdateResult,
  type SettingsView,
  settingsUpdateRequestSchema,
  settingsUpdateResultSchema,
  settingsViewSchema,
} from './contract/settings-view';
import { BACKEND_PATHS, PUBLIC_URL_VARIABLE } from './generated/backend';

/** What Baton needs of `hubspot.fetch` (and what the tests provide). */
export interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}
export type HubSpotFetch = (
  url: string,
  options?: { method?: 'GET' | 'POST' | 'PUT'; body?: Record<string, unknown>; timeout?: number },
) => Promise<FetchResponse>;

/** One field Baton refused: the contract path (`policies.holdoutShare`) and why. */
export type { FieldIssue };

export class BatonApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the request never got an answer. */
    readonly status: number,
    /** Baton's error code (`not_found`, `validation_failed`, `invalid_response`, `network`…). */
    readonly code: string,
    /** The fields Baton refused, when it named them. */
    readonly details: readonly FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'BatonApiError';
  }
}

/** `actions.addAlert` of every location Baton renders in. */
export type AddAlert = (alert: { type?: 'info' | 'warning' | 'success' | 'danger' | 'tip'; message: string; title?: string }) => void;

export const NOT_CONFIGURED = 'This Baton installation has no backend URL. Upload the project with a profile that sets PUBLIC_URL.';

/** A line a person can read about a failed call. */
export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface BatonApi {
  getRecordCard(objectTypeId: string, objectId: string | number): Promise<CardView>;
  act(request: CardActionRequest): Promise<CardActionResult>;
  getSettings(): Promise<SettingsView>;
  saveSettings(request: SettingsUpdateRequest): Promise<SettingsUpdateResult>;
}

/** The fields a validation failure names (its `details`); any other details name none. */
const fieldIssues = z.array(fieldIssueSchema).catch([]);

/** hubspot.fetch allows 15 s by default; card reads should be far quicker, but a cold backend may not be. */
const TIMEOUT_MS = 15_000;

/** The backend origin from the config profile (`hs project upload --profile …`), or null when unset or not https. */
export function backendUrlFrom(context: { variables?: Record<string, unknown> } | undefined): string | null {
  const value = context?.variables?.[PUBLIC_URL_VARIABLE];
  if (typeof value !== 'string' || !/^https:\/\/[^/\s]+/.test(value)) return null;
  return value.replace(/\/+$/, '');
}

export function createBatonApi(options: { baseUrl: string; fetch: HubSpotFetch }): BatonApi {
  const { baseUrl, fetch } = options;

  async function call<T>(
    path: string,
    schema: z.ZodType<T>,
    init: { method: 'GET' | 'POST' | 'PUT'; body?: Record<string, unknown> },
  ): Promise<T> {
    let response: FetchResponse;
    try {
      response = await fetch(`${baseUrl}${path}`, { ...init, timeout: TIMEOUT_MS });
    } catch (e) {
      throw new BatonApiError(`Baton could not be reached (${e instanceof Error ? e.message : String(e)}).`, 0, 'network');
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const envelope = apiErrorSchema.safeParse(body);
      if (envelope.success)
        throw new BatonApiError(
          envelope.data.error.message,
          response.status,
          envelope.data.error.code,
          fieldIssues.parse(envelope.data.error.details),
        );
      throw new BatonApiError(`Baton answered ${response.status}.`, response.status, 'http_error');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new BatonApiError(
        `Baton sent an answer this card does not understand${first ? ` (${first.path.join('.') || 'body'}: ${first.message})` : ''}.`,
        response.status,
        'invalid_response',
      );
    }
    return parsed.data;
  }

  return {
    getRecordCard(objectTypeId, objectId) {
      const query = new URLSearchParams({ objectTypeId, objectId: String(objectId) });
      return call(`${BACKEND_PATHS.record}?${query.toString()}`, cardViewSchema, { method: 'GET' });
    },
    act(request) {
      const body = cardActionRequestSchema.parse(request);
      return call(BACKEND_PATHS.actions, cardActionResultSchema, { method: 'POST', body });
    },
    getSettings() {
      return call(BACKEND_PATHS.settings, settingsViewSchema, { method: 'GET' });
    },
    saveSettings(request) {
      const body = settingsUpdateRequestSchema.parse(request);
      return call(BACKEND_PATHS.settings, settingsUpdateResultSchema, { method: 'PUT', body });
    },
  };
}
