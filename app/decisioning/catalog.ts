/**
 * The tenant's action catalog, exactly the body of `PUT /api/v1/actions` (product brief 4.3):
 * `{ "actions": [{ "id", "label", "channel", "value", "cost"?, "eligibility"?, "requiresApproval"?, "template"? }] }`.
 * Unknown keys are refused so that a typo ("eligibilty") is reported instead of silently ignored.
 * Everything else the decision needs about an action (promotional or not, levers, applicability,
 * suitability) lives in the tenant's `DecisioningConfig`, not in this shape.
 */
import { z } from 'zod';
import { languageKeyed } from '../shared/language';
import { jsonLogicRuleSchema, type JsonLogicRule } from './expressions';

import { CHANNELS, type Channel } from '../shared/channels';

export { CHANNELS, CUSTOMER_CONTACT_CHANNELS, isCustomerContactChannel, type Channel } from '../shared/channels';
export const channelSchema = z.enum(CHANNELS);

/** A human does the work (a CRM task for a rep); everything else is automation. */
export function isAutomatedChannel(channel: Channel): boolean {
  return channel !== 'task';
}

/** A template is named by a string, or by an object with a name and provider-specific extras. */
export type ActionTemplate = string | { name: string; language?: string; [key: string]: unknown };

const templateSchema = z.union([
  z.string().trim().min(1, 'template must not be empty').max(512),
  z.looseObject({
    name: z.string().trim().min(1, 'template.name must not be empty').max(512),
    language: z.string().trim().min(1).max(35).optional(),
  }),
]);

const propertyValueSchema = z.union([z.string().max(65_536), z.number().finite(), z.boolean(), z.null()]);

/**
 * What performing the action needs besides its channel (optional; see CHANNEL_PARAMS for which
 * channel reads which field): CRM properties to write, an email template id, subject and body,
 * a task or ticket priority. Values are literal; a card draft overrides subject and body.
 */
export const actionParamsSchema = z.strictObject({
  properties: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, 'property names are 1-100 letters, digits or "_", starting with a letter'),
      propertyValueSchema,
    )
    .refine((p) => Object.keys(p).length >= 1 && Object.keys(p).length <= 100, 'properties needs between 1 and 100 properties')
    .optional(),
  templateId: z.union([z.string().trim().min(1).max(200), z.number().int().positive().transform(String)]).optional(),
  subject: z.string().trim().min(1, 'subject must not be empty').max(500).optional(),
  body: z.string().trim().min(1, 'body must not be empty').max(60_000).optional(),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
});
export type ActionParams = z.output<typeof actionParamsSchema>;

/** Which params each channel reads; anything else on an action of that channel is refused. */
export const CHANNEL_PARAMS: Readonly<Record<Channel, readonly (keyof ActionParams)[]>> = {
  email: ['templateId', 'subject', 'body'],
  sms: ['body'],
  whatsapp: ['body'],
  task: ['subject', 'body', 'priority'],
  ticket: ['subject', 'body', 'priority'],
  crm_update: ['properties'],
  none: [],
};

export const actionSchema = z.strictObject({
  id: z
    .string()
    .trim()
    .min(1, 'id must not be empty')
    .max(128, 'id must be at most 128 characters')
    .regex(/^[A-Za-z0-9_.:-]+$/, 'id may contain letters, digits, "_", ".", ":" and "-" only'),
  label: z.string().trim().min(1, 'label must not be empty').max(200, 'label must be at most 200 characters'),
  channel: channelSchema,
  value: z.number().finite().min(0, 'value must be zero or positive'),
  cost: z.number().finite().min(0, 'cost must be zero or positive').optional(),
  eligibility: jsonLogicRuleSchema.optional(),
  requiresApproval: z.boolean().optional(),
  template: templateSchema.optional(),
  params: actionParamsSchema.optional(),
  /**
   * The same action in other languages, keyed by ISO 639-1 code: its template and params replace the
   * base ones (params key by key) when the person's language is known (their language trait, else the
   * language of their latest message). `{ "es": { "params": { "body": "Hola…" } } }`.
   */
  localized: languageKeyed(z.strictObject({ template: templateSchema.optional(), params: actionParamsSchema.optional() })).optional(),
});

export const catalogSchema = z
  .strictObject({
    actions: z.array(actionSchema).max(2500, 'a catalog holds at most 2,500 actions'),
  })
  .superRefine((catalog, ctx) => {
    const seen = new Map<string, number>();
    catalog.actions.forEach((action, index) => {
      const allowed = CHANNEL_PARAMS[action.channel];
      const paramSets: [readonly (string | number)[], ActionParams | undefined][] = [
        [['actions', index, 'params'], action.params],
        ...Object.entries(action.localized ?? {}).map(([language, variant]): [readonly (string | number)[], ActionParams | undefined] => [
          ['actions', index, 'localized', language, 'params'],
          variant.params,
        ]),
      ];
      for (const [at, params] of paramSets) {
        for (const key of Object.keys(params ?? {}) as (keyof ActionParams)[]) {
          if (!allowed.includes(key)) {
            ctx.addIssue({
              code: 'custom',
              path: [...at, key],
              message:
                `a ${action.channel} action does not use params.${key}` + (allowed.length > 0 ? ` (it reads ${allowed.join(', ')})` : ''),
            });
          }
        }
      }
      if ((action.channel === 'sms' || action.channel === 'whatsapp') && (action.params?.body?.length ?? 0) > 1600) {
        ctx.addIssue({
          code: 'custom',
          path: ['actions', index, 'params', 'body'],
          message: 'a text message body is at most 1,600 characters',
        });
      }
      const first = seen.get(action.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['actions', index, 'id'],
          message: `duplicate action id "${action.id}" (first used at actions[${first}])`,
        });
      } else {
        seen.set(action.id, index);
      }
    });
  });

/** One action of the catalog, as the domain core sees it. */
export interface Action {
  readonly id: string;
  readonly label: string;
  readonly channel: Channel;
  readonly value: number;
  readonly cost?: number;
  readonly eligibility?: JsonLogicRule;
  readonly requiresApproval?: boolean;
  readonly template?: ActionTemplate;
  readonly params?: ActionParams;
  readonly localized?: Readonly<Record<string, LocalizedAction>>;
}

/** An action's template and params in one language (see actionSchema.localized). */
export interface LocalizedAction {
  readonly template?: ActionTemplate;
  readonly params?: ActionParams;
}

export interface ActionCatalog {
  readonly actions: readonly Action[];
}

export type CatalogParseResult = { ok: true; catalog: ActionCatalog } | { ok: false; issues: { path: string; message: string }[] };

/** Validates a `PUT /api/v1/actions` body; issues name the field (`actions.3.channel`) and what is wrong. */
export function parseCatalog(input: unknown): CatalogParseResult {
  const result = catalogSchema.safeParse(input);
  if (result.success) return { ok: true, catalog: result.data as ActionCatalog };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  };
}
