/**
 * JSON Schemas for the HubSpot project components Baton ships, written from
 * ../shared/reference/hubspot.md (sections 2.1, 3.1, 4.1) and HubSpot's 2025.2 templates.
 *
 * HubSpot's own parser (@hubspot/project-parsing-lib) validates component configs only against
 * schemas it downloads from HubSpot with an authenticated account
 * (`project-components-external/project-schemas/v3/<platformVersion>`), which is not possible
 * offline. scripts/validate-hubspot-project.ts runs the parser offline for everything else
 * (project config, component directories, uids, singular components, profile variables) and
 * checks the configs against these schemas with the parser's own Ajv instance.
 * Keyed by the parser's internal component type.
 */
const httpsUrl = { type: 'string', pattern: '^https://[^/\\s]+(/\\S*)?$' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const stringArray = { type: 'array', items: nonEmpty } as const;

const WORKFLOW_FIELD_TYPES = [
  'string',
  'number',
  'bool',
  'datetime',
  'enumeration',
  'date',
  'phone_number',
  'currency_number',
  'json',
  'object_coordinates',
];
const WORKFLOW_FIELD_UI = ['text', 'textarea', 'select', 'radio', 'checkbox', 'booleancheckbox', 'date', 'number', 'phonenumber', 'file'];

const typeDefinition = {
  type: 'object',
  required: ['name', 'type'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
    type: { enum: WORKFLOW_FIELD_TYPES },
    fieldType: { enum: WORKFLOW_FIELD_UI },
    options: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['value', 'label'], properties: { value: nonEmpty, label: nonEmpty } },
    },
  },
  if: { properties: { type: { const: 'enumeration' } } },
  then: { required: ['options'] },
} as const;

export const HUBSPOT_COMPONENT_SCHEMAS: Record<string, object> = {
  APPLICATION: {
    type: 'object',
    required: ['name', 'description', 'distribution', 'auth', 'permittedUrls', 'support'],
    properties: {
      name: nonEmpty,
      description: nonEmpty,
      distribution: { enum: ['private', 'marketplace'] },
      auth: {
        type: 'object',
        required: ['type', 'redirectUrls', 'requiredScopes'],
        properties: {
          type: { enum: ['oauth', 'static'] },
          redirectUrls: { type: 'array', minItems: 1, items: httpsUrl },
          requiredScopes: { ...stringArray, contains: { const: 'oauth' }, uniqueItems: true },
          optionalScopes: { ...stringArray, uniqueItems: true },
          conditionallyRequiredScopes: { ...stringArray, uniqueItems: true },
        },
      },
      permittedUrls: {
        type: 'object',
        required: ['fetch'],
        properties: {
          fetch: { type: 'array', minItems: 1, items: httpsUrl },
          iframe: { type: 'array', items: httpsUrl },
          img: { type: 'array', items: httpsUrl },
        },
      },
      support: {
        type: 'object',
        required: ['supportEmail'],
        properties: {
          supportEmail: { type: 'string', format: 'email' },
          documentationUrl: httpsUrl,
          supportUrl: httpsUrl,
          supportPhone: nonEmpty,
        },
      },
    },
    // "With distribution marketplace, the only valid auth.type is oauth" (AGENTS.md, reference 3.1).
    if: { properties: { distribution: { const: 'marketplace' } } },
    then: { properties: { auth: { properties: { type: { const: 'oauth' } } } } },
  },
  CARD: {
    type: 'object',
    required: ['name', 'location', 'entrypoint', 'objectTypes'],
    properties: {
      name: nonEmpty,
      description: { type: 'string' },
      location: { enum: ['crm.record.tab', 'crm.record.sidebar', 'crm.preview', 'helpdesk.sidebar'] },
      entrypoint: { type: 'string', pattern: '^/app/cards/[^/].*\\.(tsx|jsx)$' },
      objectTypes: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { enum: ['contacts', 'companies', 'deals', 'tickets', 'leads', 'products', 'line_items', 'quotes'] },
      },
    },
  },
  SETTINGS: {
    type: 'object',
    required: ['entrypoint'],
    additionalProperties: false,
    properties: { entrypoint: { type: 'string', pattern: '^/app/settings/[^/].*\\.(tsx|jsx)$' } },
  },
  WEBHOOKS: {
    type: 'object',
    required: ['settings', 'subscriptions'],
    properties: {
      settings: {
        type: 'object',
        required: ['targetUrl'],
        properties: { targetUrl: httpsUrl, maxConcurrentRequests: { type: 'integer', exclusiveMinimum: 5 } },
      },
      subscriptions: {
        type: 'object',
        properties: {
          crmObjects: {
            type: 'array',
            items: {
              type: 'object',
              required: ['subscriptionType', 'objectType', 'active'],
              properties: {
                subscriptionType: {
                  enum: [
                    'object.creation',
                    'object.deletion',
                    'object.merge',
                    'object.restore',
                    'object.propertyChange',
                    'object.associationChange',
                  ],
                },
                objectType: nonEmpty,
                propertyName: { type: 'string', not: { enum: ['hs_lastmodifieddate', 'num_unique_conversion_events'] } },
                active: { type: 'boolean' },
              },
              if: { properties: { subscriptionType: { const: 'object.propertyChange' } } },
              then: { required: ['propertyName'] },
            },
          },
          legacyCrmObjects: {
            type: 'array',
            items: {
              type: 'object',
              required: ['subscriptionType', 'active'],
              properties: {
                subscriptionType: { type: 'string', pattern: '^(contact|company|deal|ticket|product|line_item)\\.[A-Za-z]+$' },
                propertyName: nonEmpty,
                active: { type: 'boolean' },
              },
            },
          },
          hubEvents: {
            type: 'array',
            items: {
              type: 'object',
              required: ['subscriptionType', 'active'],
              properties: {
                subscriptionType: {
                  enum: [
                    'contact.privacyDeletion',
                    'conversation.creation',
                    'conversation.deletion',
                    'conversation.newMessage',
                    'conversation.privacyDeletion',
                    'conversation.propertyChange',
                  ],
                },
                active: { type: 'boolean' },
              },
            },
          },
        },
      },
    },
  },
  WORKFLOW_ACTION: {
    type: 'object',
    required: ['actionUrl', 'isPublished', 'supportedClients', 'objectTypes', 'inputFields', 'labels'],
    properties: {
      actionUrl: httpsUrl,
      isPublished: { type: 'boolean' },
      supportedClients: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['client'], properties: { client: { enum: ['WORKFLOWS', 'AGENTS'] } } },
      },
      objectTypes: {
        type: 'array',
        minItems: 1,
        items: { enum: ['CONTACT', 'COMPANY', 'DEAL', 'TICKET', 'QUOTE', 'LINE_ITEM', 'PRODUCT'] },
      },
      inputFields: {
        type: 'array',
        items: {
          type: 'object',
          required: ['typeDefinition', 'supportedValueTypes'],
          properties: {
            typeDefinition,
            supportedValueTypes: {
              type: 'array',
              minItems: 1,
              items: { enum: ['STATIC_VALUE', 'OBJECT_PROPERTY', 'FIELD_DATA', 'FETCHED_OBJECT_PROPERTY', 'ENROLLMENT_EVENT_PROPERTY'] },
            },
            isRequired: { type: 'boolean' },
          },
        },
      },
      outputFields: { type: 'array', items: { type: 'object', required: ['typeDefinition'], properties: { typeDefinition } } },
      labels: {
        type: 'object',
        required: ['en'],
        additionalProperties: {
          type: 'object',
          required: ['actionName'],
          properties: {
            actionName: nonEmpty,
            actionDescription: nonEmpty,
            actionCardContent: nonEmpty,
            inputFieldLabels: { type: 'object', additionalProperties: nonEmpty },
            inputFieldDescriptions: { type: 'object', additionalProperties: nonEmpty },
            outputFieldLabels: { type: 'object', additionalProperties: nonEmpty },
          },
        },
      },
    },
  },
};

/** The read scope a webhook subscription needs ("contact subscriptions need crm.objects.contacts.read; the same pattern applies to other objects"). */
export function scopeForSubscription(objectOrEvent: string): string {
  const object = objectOrEvent.split('.')[0] ?? objectOrEvent;
  if (object === 'ticket') return 'tickets';
  if (object === 'conversation') return 'conversations.read';
  // Meetings are engagements: the meetings object API reads under the contacts scope.
  if (object === 'meeting_event') return 'crm.objects.contacts.read';
  const plural: Record<string, string> = {
    contact: 'contacts',
    company: 'companies',
    deal: 'deals',
    product: 'products',
    line_item: 'line_items',
  };
  return `crm.objects.${plural[object] ?? object}.read`;
}
