/**
 * The Baton package's custom fields (extensions/salesforce/force-app/main/default/objects/...). Installed
 * as the managed package they carry its namespace (`baton__Baton_Stage__c`); deployed from source with
 * `sf project deploy start` they have none (`Baton_Stage__c`). Baton discovers which at install
 * (`assessPackage`, stored per org) and names every field, object and Apex REST path accordingly; inside
 * the package's own Apex and LWC the bare names are used. Checked against manifest.json by
 * test/unit/salesforce/package.test.ts.
 */
/** The managed package's registered namespace (sfdx-project.json); an org may have the package without it. */
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

export const apiName = (field: string, namespace: string = PACKAGE_NAMESPACE): string =>
  namespace === '' ? field : `${namespace}__${field}`;

/** A package field's bare name (`baton__Baton_Stage__c` → `Baton_Stage__c` in an org with namespace `baton`). */
export const bareName = (field: string, namespace: string): string =>
  namespace !== '' && field.startsWith(`${namespace}__`) ? field.slice(namespace.length + 2) : field;

/** The package's Apex REST resource that receives the per-org signing secret, and its urlMapping. */
export const SECRET_REST_CLASS = 'BatonSecretRest';
export const SECRET_REST_MAPPING = '/secret/v1';

/** Path under /services/apexrest: a managed package's urlMapping is prefixed with its namespace. */
export const apexRestPath = (mapping: string, namespace: string): string => (namespace === '' ? mapping : `/${namespace}${mapping}`);

/** How the Baton package is installed in one org, as discovered from the org itself. */
export interface BatonPackage {
  /** '' = deployed without a namespace, 'baton' = the managed package; null = not found in the org. */
  readonly namespace: string | null;
  /** Every Baton field exists, is visible and editable for the connected user: write-back and Task upserts work. */
  readonly fieldsReady: boolean;
  /** The package's Apex REST resource exists (the signing secret can be handed over). */
  readonly apexReady: boolean;
  /** What the admin must fix, worded for the connection status; null when nothing. */
  readonly problem: string | null;
}

/** What an org answered: the fields of an sObject describe (absent when the describe failed) and the ApexClass rows. */
export interface PackageEvidence {
  readonly describes: Readonly<Record<string, readonly { name: string; updateable?: boolean; createable?: boolean }[] | undefined>>;
  readonly apexClasses: readonly { Name?: unknown; NamespacePrefix?: unknown }[];
}

/** Objects whose describe tells how the package is installed: the Baton fields, and the Task key (an Activity field). */
export const PACKAGE_DESCRIBES = ['Contact', 'Lead', 'Task'] as const;

const DEPLOY_HINT = 'deploy extensions/salesforce (README, "Salesforce")';
const ASSIGN_HINT = 'assign the Baton_Integration permission set to the connected user (README, "Salesforce")';

/** Decides the namespace and whether Baton can work in the org, from `PackageEvidence`. */
export function assessPackage(e: PackageEvidence): BatonPackage {
  const stageRe = new RegExp(`^(?:([A-Za-z][A-Za-z0-9]*)__)?${BATON_FIELDS.stage}$`);
  const contact = e.describes['Contact'] ?? [];
  const stage = contact.map((f) => stageRe.exec(f.name)).find((m) => m !== null);
  const apex = e.apexClasses.find((c) => c.Name === SECRET_REST_CLASS);
  const apexNs = apex === undefined ? undefined : typeof apex.NamespacePrefix === 'string' ? apex.NamespacePrefix : '';
  if (stage === undefined || stage === null) {
    if (apexNs === undefined)
      return {
        namespace: null,
        fieldsReady: false,
        apexReady: false,
        problem: `the Baton package is not installed in this org: Contact has no ${BATON_FIELDS.stage} field and there is no ${SECRET_REST_CLASS} Apex class; ${DEPLOY_HINT}`,
      };
    return {
      namespace: apexNs,
      fieldsReady: false,
      apexReady: true,
      problem: `the Baton package is installed but the connected user cannot see Contact.${apiName(BATON_FIELDS.stage, apexNs)}; ${ASSIGN_HINT}`,
    };
  }
  const namespace = stage[1] ?? '';
  const problems: string[] = [];
  const missing: string[] = [];
  const readOnly: string[] = [];
  const need: [string, string, 'edit' | 'upsert'][] = [
    ...['Contact', 'Lead'].flatMap((o) => Object.values(BATON_FIELDS).map((f): [string, string, 'edit'] => [o, f, 'edit'])),
    ['Task', TASK_KEY_FIELD, 'upsert'],
  ];
  for (const [object, field, use] of need) {
    const name = apiName(field, namespace);
    const found = (e.describes[object] ?? []).find((f) => f.name === name);
    if (found === undefined) missing.push(`${object}.${name}`);
    else if (found.updateable === false || (use === 'upsert' && found.createable === false)) readOnly.push(`${object}.${name}`);
  }
  if (missing.length > 0)
    problems.push(
      `the Baton package is incomplete in this org or hidden from the connected user: no ${missing.join(', ')}; ${DEPLOY_HINT} and ${ASSIGN_HINT}`,
    );
  if (readOnly.length > 0) problems.push(`the connected user cannot edit ${readOnly.join(', ')}; ${ASSIGN_HINT}`);
  if (apexNs === undefined)
    problems.push(
      `the Baton package has no ${SECRET_REST_CLASS} Apex class in this org, so Baton cannot hand over the signing secret; ${DEPLOY_HINT}`,
    );
  else if (apexNs !== namespace)
    problems.push(
      `the Baton fields use namespace "${namespace}" but ${SECRET_REST_CLASS} has "${apexNs}": the package is installed twice; remove one copy`,
    );
  return {
    namespace,
    fieldsReady: missing.length === 0 && readOnly.length === 0,
    apexReady: apexNs === namespace,
    problem: problems.length === 0 ? null : problems.join('; '),
  };
}

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
  stage: 'stage',
  baton_stage: 'stage',
  nextAction: 'nextAction',
  next_action: 'nextAction',
  baton_next_action: 'nextAction',
  hotness: 'hotness',
  baton_hotness: 'hotness',
  reason: 'reason',
  baton_reason: 'reason',
};

/** True when a step property names one of Baton's own fields (so the org's package must be there). */
export const isBatonProperty = (name: string): boolean =>
  ALIASES[name] !== undefined || new RegExp(`^(?:[A-Za-z][A-Za-z0-9]*__)?(?:${Object.values(BATON_FIELDS).join('|')})$`).test(name);

/** Maps step properties to Salesforce field API names; unknown names are reported, not guessed. */
export function mapProperties(
  properties: Readonly<Record<string, unknown>>,
  namespace: string = PACKAGE_NAMESPACE,
): { fields: Record<string, unknown>; unknown: string[] } {
  const fields: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(properties)) {
    // A Baton field named with or without some namespace goes by the org's own name for it.
    const alias =
      ALIASES[k] ??
      (Object.keys(BATON_FIELDS) as BatonFieldKey[]).find((f) => new RegExp(`^(?:[A-Za-z][A-Za-z0-9]*__)?${BATON_FIELDS[f]}$`).test(k));
    if (alias !== undefined)
      fields[apiName(BATON_FIELDS[alias], namespace)] = alias === 'hotness' && typeof v === 'number' ? Math.round(v) : v;
    else if (
      /^[A-Za-z][A-Za-z0-9_]*__c$/.test(k) ||
      /^(FirstName|LastName|Title|Phone|MobilePhone|Email|Description|Status|LeadSource|Rating)$/.test(k)
    )
      fields[k] = v;
    else unknown.push(k);
  }
  return { fields, unknown };
}
