import { z } from 'zod';

/** The schema of manifest.json: the app's declaration for both marketplaces. */
const path = z.string().regex(/^\/[a-z0-9/_:-]*$/, 'must be a backend path starting with /');
const uid = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{1,63}$/, 'must be an identifier (letters, digits, underscore)');
const hubspotObject = z.enum(['contact', 'company', 'deal', 'ticket', 'product', 'line_item', 'conversation', 'meeting_event']);

const workflowField = z
  .object({
    name: uid,
    /** Shown in HubSpot's workflow editor; defaults to the name. */
    label: z.string().min(1).optional(),
    description: z.string().min(1).optional(),
    type: z.enum(['string', 'number', 'bool', 'enumeration', 'date', 'datetime']),
    required: z.boolean().optional(),
    options: z.array(z.string()).min(1).optional(),
  })
  .refine((f) => f.type !== 'enumeration' || f.options !== undefined, 'an enumeration needs options');

export const manifestSchema = z
  .strictObject({
    $comment: z.string().optional(),
    name: z.string().min(1),
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version like 1.2.3'),
    description: z.string().min(20).max(500),
    vendor: z.object({ name: z.string().min(1), supportEmail: z.email(), website: z.url() }),
    backend: z.object({ publicUrlVariable: z.literal('PUBLIC_URL') }),
    platforms: z.strictObject({
      hubspot: z.strictObject({
        platformVersion: z.enum(['2025.2', '2026.03']),
        distribution: z.literal('marketplace'),
        auth: z
          .object({
            type: z.literal('oauth'),
            redirectPath: path,
            requiredScopes: z
              .array(z.string().min(1))
              .min(1)
              .refine((s) => s.includes('oauth'), 'must include "oauth"'),
            optionalScopes: z.array(z.string().min(1)),
          })
          .refine((a) => a.requiredScopes.every((s) => !a.optionalScopes.includes(s)), 'a scope is either required or optional, not both'),
        webhooks: z.object({
          targetPath: path,
          maxConcurrentRequests: z.number().int().gt(5, 'HubSpot needs more than 5 concurrent webhook requests'),
          crmObjects: z.array(
            z
              .object({
                subscriptionType: z.enum([
                  'object.creation',
                  'object.deletion',
                  'object.propertyChange',
                  'object.merge',
                  'object.restore',
                  'object.associationChange',
                ]),
                objectType: hubspotObject,
                propertyName: z.string().optional(),
              })
              .refine(
                (s) => (s.subscriptionType === 'object.propertyChange') === (s.propertyName !== undefined),
                'propertyName is required for, and only for, object.propertyChange',
              ),
          ),
          hubEvents: z.array(
            z.object({
              subscriptionType: z.enum([
                'contact.privacyDeletion',
                'conversation.creation',
                'conversation.deletion',
                'conversation.newMessage',
                'conversation.privacyDeletion',
                'conversation.propertyChange',
              ]),
            }),
          ),
        }),
        cards: z
          .array(
            z.object({
              uid,
              title: z.string().min(1),
              location: z.enum(['crm.record.tab', 'crm.record.sidebar', 'crm.preview']),
              objectTypes: z.array(z.enum(['contacts', 'companies', 'deals', 'tickets'])).min(1),
              dataPath: path,
              actionsPath: path,
            }),
          )
          .min(1),
        settingsPage: z.object({ uid, title: z.string().min(1), dataPath: path }),
        workflowActions: z.array(
          z.object({
            uid,
            label: z.string().min(1),
            description: z.string().min(1).optional(),
            objectTypes: z.array(z.enum(['CONTACT', 'COMPANY', 'DEAL', 'TICKET'])).min(1),
            path,
            inputs: z.array(workflowField),
            outputs: z.array(workflowField),
          }),
        ),
        propertyGroup: z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/), label: z.string().min(1) }),
        properties: z.array(
          z.object({
            name: z.string().regex(/^baton_[a-z0-9_]+$/, 'Baton properties are prefixed baton_'),
            label: z.string().min(1),
            type: z.enum(['string', 'number', 'enumeration', 'datetime', 'bool']),
          }),
        ),
      }),
      salesforce: z.strictObject({
        apiVersion: z.string().regex(/^\d{2}\.0$/, 'an explicit API version like 62.0'),
        namespace: z
          .string()
          .regex(/^[a-z][a-z0-9]{0,14}$/, 'the managed package namespace')
          .optional(),
        auth: z.object({ type: z.literal('oauth-pkce'), redirectPath: path, scopes: z.array(z.string()).min(1) }),
        changeEvents: z.array(z.string().regex(/ChangeEvent$/)).min(1),
        outboundMessagePath: path,
        cards: z
          .array(
            z.object({
              uid: z.string().min(1),
              title: z.string().min(1),
              objects: z.array(z.enum(['Contact', 'Lead', 'Account', 'Opportunity', 'Case'])).min(1),
              dataPath: path,
              actionsPath: path,
            }),
          )
          .min(1),
        flowActions: z.array(z.object({ uid: z.string().min(1), label: z.string().min(1), path })),
        customFields: z.array(
          z.object({
            object: z.enum(['Contact', 'Lead', 'Account', 'Opportunity', 'Activity']),
            name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'custom fields end in __c'),
            type: z.enum(['Text', 'Number', 'LongTextArea', 'Checkbox', 'DateTime', 'Picklist']),
          }),
        ),
      }),
    }),
    settings: z
      .array(
        z.object({
          key: z.string().regex(/^[a-z][A-Za-z0-9]*$/),
          label: z.string().min(1),
          type: z.string().min(1),
          default: z.unknown(),
          min: z.number().optional(),
          max: z.number().optional(),
        }),
      )
      .min(1),
  })
  .superRefine((m, ctx) => {
    const uids = [
      ...m.platforms.hubspot.cards.map((c) => c.uid),
      m.platforms.hubspot.settingsPage.uid,
      ...m.platforms.hubspot.workflowActions.map((w) => w.uid),
    ];
    const dup = uids.find((u, i) => uids.indexOf(u) !== i);
    if (dup !== undefined)
      ctx.addIssue({ code: 'custom', message: `duplicate HubSpot component uid "${dup}"`, path: ['platforms', 'hubspot'] });
    for (const [i, w] of m.platforms.hubspot.workflowActions.entries()) {
      if (w.path !== `/hubspot/workflow-actions/${w.uid}`)
        ctx.addIssue({
          code: 'custom',
          message: `workflow action path must be /hubspot/workflow-actions/${w.uid}`,
          path: ['platforms', 'hubspot', 'workflowActions', i, 'path'],
        });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
