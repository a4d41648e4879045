/**
 * The Baton package's custom fields (extensions/salesforce/force-app/main/default/objects/...). In the
 * subscriber org they carry the package namespace (`baton__Baton_Stage__c`); inside the package's own
 * Apex and LWC the bare names are used. Checked against manifest.json by test/unit/salesforce/package.test.ts.
 */
export const PACKAGE_NAMESPACE = 'baton';

export const BATON_FIELDS = {
  stage: 'Baton_Stage__c',
  nextAction: 'Baton_Next_Action__c',
  hotness: 'Baton_Hotness__c',
  reason: 'Baton_Reason__c',
} as const;
export type BatonFieldKey = keyof typeof BATON_FIELDS;

/** Objects that carry the Baton fields. */
export const BATON_FIELD_OBJECTS = ['Contact', 'Lead'] as const;

/** External id on Task (an Activity field) that makes Task creation retry-safe (upsert by key). */
export const TASK_KEY_FIELD = 'Baton_Key__c';

export const apiName = (field: string, namespace: string = PACKAGE_NAMESPACE): string => (namespace === '' ? field : `${namespace}__${field}`);

/** What Baton shows on a record: written back whenever one of them changes. */
export interface BatonValues {
  readonly stage: string | null;
  readonly nextAction: string | null;
  readonly hotness: number | null;
  readonly reason: string | null;
}

export const LIMITS = { stage: 255, nextAction: 255, reason: 32_000 } as const;

export function batonFieldValues(v: BatonValues, namespace: string = PACKAGE_NAMESPACE): Record<string, string | number | null> {
  return {
    [apiName(BATON_FIELDS.stage, namespace)]: v.stage?.slice(0, LIMITS.stage) ?? null,
    [apiName(BATON_FIELDS.nextAction, namespace)]: v.nextAction?.slice(0, LIMITS.nextAction) ?? null,
    [apiName(BATON_FIELDS.hotness, namespace)]: v.hotness === null ? null : Math.round(v.hotness),
    [apiName(BATON_FIELDS.reason, namespace)]: v.reason?.slice(0, LIMITS.reason) ?? null,
  };
}

/** Names a playbook's `crm_update` step may use for Baton's fields (plain, HubSpot-style or API names). */
const ALIASES: Readonly<Record<string, BatonFieldKey>> = {
  stage: 'stage', baton_stage: 'stage',
  nextAction: 'nextAction', next_action: 'nextAction', baton_next_action: 'nextAction',
  hotness: 'hotness', baton_hotness: 'hotness',
  reason: 'reason', baton_reason: 'reason',
};

/** Maps step properties to Salesforce field API names; unknown names are reported, not guessed. */
export function mapProperties(properties: Readonly<Record<string, unknown>>, namespace: string = PACKAGE_NAMESPACE): { fields: Record<string, unknown>; unknown: string[] } {
  const fields: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(properties)) {
    const alias = ALIASES[k];
    if (alias !== undefined) fields[apiName(BATON_FIELDS[alias], namespace)] = alias === 'hotness' && typeof v === 'number' ? Math.round(v) : v;
    else if (/^[A-Za-z][A-Za-z0-9_]*__c$/.test(k) || /^(FirstName|LastName|Title|Phone|MobilePhone|Email|Description|Status|LeadSource|Rating)$/.test(k)) fields[k] = v;
    else unknown.push(k);
  }
  return { fields, unknown };
}
