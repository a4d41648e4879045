/**
 * What Baton declares about itself in HubSpot, read from manifest.json (the one source the app project
 * is generated from): scopes, redirect path, the property group and Baton's properties.
 */
import manifestJson from '../../manifest.json';
import type { PropertyDefinition } from './client/api';
import { IDEMPOTENCY_PROPERTY } from './client/action.port';
import { manifestSchema } from '../../server/platform';

const hubspot = manifestSchema.parse(manifestJson).platforms.hubspot;

export const HUBSPOT_APP = {
  requiredScopes: hubspot.auth.requiredScopes,
  optionalScopes: hubspot.auth.optionalScopes,
  redirectPath: hubspot.auth.redirectPath,
  webhookPath: hubspot.webhooks.targetPath,
  propertyGroup: hubspot.propertyGroup,
  workflowActionUids: hubspot.workflowActions.map((a) => a.uid),
} as const;

const FIELD: Readonly<Record<string, Pick<PropertyDefinition, 'type' | 'fieldType'>>> = {
  string: { type: 'string', fieldType: 'text' },
  number: { type: 'number', fieldType: 'number' },
  datetime: { type: 'datetime', fieldType: 'date' },
  enumeration: { type: 'string', fieldType: 'text' },
  bool: { type: 'string', fieldType: 'text' },
};

/** Baton's contact properties, as declared in the manifest. */
export const CONTACT_PROPERTIES: readonly PropertyDefinition[] = hubspot.properties.map((p) => ({
  name: p.name,
  label: p.label,
  ...(FIELD[p.type] ?? { type: 'string', fieldType: 'text' }),
}));

/** The hidden property that carries an action's idempotency key on tasks and notes Baton creates. */
export const ENGAGEMENT_PROPERTIES: readonly PropertyDefinition[] = [
  { name: IDEMPOTENCY_PROPERTY, label: 'Baton idempotency key', type: 'string', fieldType: 'text', hidden: true },
];
