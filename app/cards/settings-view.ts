/**
 * The CRM settings page: what an admin sees and changes about Baton in their CRM account (HubSpot
 * settings page, later Salesforce setup). One contract for every surface; the backend builds it.
 *
 * HubSpot wire contract (signed by HubSpot like the card API, portal taken from what HubSpot signs):
 * - `GET  /hubspot/settings`               → 200 `SettingsView`
 * - `PUT  /hubspot/settings`  body `SettingsUpdateRequest` (full replacement of what the page edits)
 *                                          → 200 `{ message, settings: SettingsView }`
 * - bad input → 4xx `{ error: { code, message, details? } }`.
 *
 * Mapping onto the tenant's decisioning config (app/decisioning/config.ts): `quietHours.{enabled,start,end}`
 * as they are; `frequencyCaps.perDay/perWeek` are the cross-channel caps (`channel: 'all'`, `period: day|week`),
 * per-channel caps are left untouched; `holdoutShare` is `holdout.share`; `randomControlShare` as is.
 * Playbooks: `enabled: false` stops new runs of that playbook (runs in flight finish on their version).
 */
import { z } from 'zod';

const iso = z.iso.datetime({ offset: true });
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Bounds shared with manifest.json `settings` (a test keeps them equal). */
export const SETTINGS_BOUNDS = {
  holdoutShare: { min: 0, max: 0.5 },
  randomControlShare: { min: 0, max: 0.2 },
  perDay: { min: 0, max: 50 },
  perWeek: { min: 0, max: 200 },
} as const;

export const settingsPoliciesSchema = z.strictObject({
  quietHours: z.strictObject({
    enabled: z.boolean(),
    /** HH:MM, 24 h, in the recipient's time zone. */
    start: z.string().regex(HH_MM, 'quiet hours start must be HH:MM (24 h)'),
    end: z.string().regex(HH_MM, 'quiet hours end must be HH:MM (24 h)'),
  }),
  frequencyCaps: z
    .strictObject({
      perDay: z
        .number()
        .int('a whole number of messages')
        .min(SETTINGS_BOUNDS.perDay.min, 'at least 0')
        .max(SETTINGS_BOUNDS.perDay.max, `at most ${SETTINGS_BOUNDS.perDay.max} a day`),
      perWeek: z
        .number()
        .int('a whole number of messages')
        .min(SETTINGS_BOUNDS.perWeek.min, 'at least 0')
        .max(SETTINGS_BOUNDS.perWeek.max, `at most ${SETTINGS_BOUNDS.perWeek.max} a week`),
    })
    .refine((c) => c.perDay <= c.perWeek, { message: 'the daily cap cannot exceed the weekly cap', path: ['perDay'] }),
  holdoutShare: z
    .number()
    .min(SETTINGS_BOUNDS.holdoutShare.min, 'at least 0%')
    .max(SETTINGS_BOUNDS.holdoutShare.max, 'at most 50% of people can be held out'),
  randomControlShare: z
    .number()
    .min(SETTINGS_BOUNDS.randomControlShare.min, 'at least 0%')
    .max(SETTINGS_BOUNDS.randomControlShare.max, 'at most 20% random control'),
});

export const settingsPlaybookSchema = z.object({
  playbookId: z.string().min(1),
  name: z.string(),
  /** The published version new runs start on; null when only drafts exist. */
  version: z.number().int().nullable(),
  description: z.string().nullable(),
  enabled: z.boolean(),
});

export const settingsConnectionSchema = z.object({
  status: z.enum(['connected', 'disconnected', 'error']),
  /** The CRM account (HubSpot portal id) this tenant is installed in. */
  portalId: z.string().nullable(),
  /** Why it is not connected, e.g. `invalid_grant` after the refresh token was revoked. */
  reason: z.string().nullable(),
  connectedAt: iso.nullable(),
  scopes: z.array(z.string()),
  /** Where an admin (re)installs the app: `PUBLIC_URL` + `/oauth/hubspot/install`. */
  installUrl: z.url().nullable(),
});

export const settingsViewSchema = z.object({
  connection: settingsConnectionSchema,
  policies: settingsPoliciesSchema,
  playbooks: z.array(settingsPlaybookSchema).max(200),
  updatedAt: iso.nullable(),
});

export const settingsUpdateRequestSchema = z.strictObject({
  policies: settingsPoliciesSchema,
  playbooks: z.array(z.strictObject({ playbookId: z.string().min(1), enabled: z.boolean() })).max(200),
});

export type SettingsView = z.infer<typeof settingsViewSchema>;
export type SettingsPolicies = z.infer<typeof settingsPoliciesSchema>;
export type SettingsPlaybook = z.infer<typeof settingsPlaybookSchema>;
export type SettingsUpdateRequest = z.infer<typeof settingsUpdateRequestSchema>;

/** The answer to a save: the stored settings and a line to show the admin. */
export const settingsUpdateResultSchema = z.object({ message: z.string(), settings: settingsViewSchema });
export type SettingsUpdateResult = z.infer<typeof settingsUpdateResultSchema>;
