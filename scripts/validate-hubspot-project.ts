/**
 * Validates a HubSpot project offline with HubSpot's own parser (@hubspot/project-parsing-lib):
 * hsproject.json, component directories and counts, uids, the app/child wiring and config-profile
 * substitution; then checks each component's config against scripts/hubspot-project-schemas.ts
 * (written from the reference) with the parser's Ajv, because the parser's own schema check downloads
 * the schemas from HubSpot with an authenticated account.
 *
 *   npx tsx scripts/validate-hubspot-project.ts [--project extensions/hubspot] [--json]
 * Exit code 1 when anything is wrong; --json prints `{ errors, components, remoteSchemaCheck }`.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Components } from '@hubspot/project-parsing-lib/constants';
import { mapToUserFacingType } from '@hubspot/project-parsing-lib/transform';
import { getProjectMetadata, parseProjectConfig } from '@hubspot/project-parsing-lib/projects';
import { translate } from '@hubspot/project-parsing-lib/translate';
import { validateUid } from '@hubspot/project-parsing-lib/uid';
import { createAjvInstance } from '@hubspot/project-parsing-lib/validation';
import { HUBSPOT_COMPONENT_SCHEMAS, scopeForSubscription } from './hubspot-project-schemas';

/** The profile the check substitutes `${PUBLIC_URL}` with. */
export const CHECK_PUBLIC_URL = 'https://baton.example.com';
/** The listing variables the check substitutes (the real ones come from HUBSPOT_SUPPORT_* at profile generation). */
const CHECK_LISTING = {
  SUPPORT_URL: 'https://baton.example.com/support',
  SUPPORT_EMAIL: 'support@baton.example.com',
  PRIVACY_URL: 'https://baton.example.com/privacy',
  TERMS_URL: 'https://baton.example.com/terms',
};

export interface ProjectValidation {
  readonly errors: string[];
  /** uid → internal component type, as HubSpot's parser read them. */
  readonly components: Record<string, string>;
  /** What the parser answered when asked for its full (schema-downloading) validation offline. */
  readonly remoteSchemaCheck: string;
}

interface AppConfig {
  auth?: { requiredScopes?: string[]; optionalScopes?: string[] };
}
interface WebhooksConfig {
  subscriptions?: { crmObjects?: { objectType: string }[]; hubEvents?: { subscriptionType: string }[] };
}
interface WorkflowConfig {
  inputFields?: { typeDefinition: { name: string } }[];
  outputFields?: { typeDefinition: { name: string } }[];
  labels?: Record<string, { inputFieldLabels?: Record<string, string>; outputFieldLabels?: Record<string, string> }>;
}

export async function validateHubSpotProject(projectDir: string): Promise<ProjectValidation> {
  const errors: string[] = [];
  let config: { platformVersion: string; srcDir: string };
  try {
    config = parseProjectConfig(projectDir);
  } catch (e) {
    return { errors: [`hsproject.json: ${(e as Error).message}`], components: {}, remoteSchemaCheck: 'not run' };
  }
  const { platformVersion, srcDir } = config;
  if (!['2025.2', '2026.03'].includes(platformVersion))
    errors.push(`hsproject.json: platformVersion ${platformVersion} is not accepted for new marketplace listings (2025.2 or 2026.03)`);

  const metadata = await getProjectMetadata(path.join(projectDir, srcDir));
  for (const [type, m] of Object.entries(metadata.components)) {
    if (m.count > m.maxCount) errors.push(`${type}: ${m.count} components, HubSpot allows ${m.maxCount}`);
  }

  // The parser substitutes profile variables from <srcDir>/hsprofile.<name>.json; check a copy with one added.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'baton-hsproject-'));
  const components: Record<string, string> = {};
  let remoteSchemaCheck = 'not run';
  try {
    cpSync(path.join(projectDir, srcDir), tmp, { recursive: true, filter: (p) => !p.includes(`${path.sep}node_modules`) });
    writeFileSync(
      path.join(tmp, 'hsprofile.check.json'),
      JSON.stringify({ accountId: 1, variables: { PUBLIC_URL: CHECK_PUBLIC_URL, ...CHECK_LISTING } }),
    );
    const context = { projectSourceDir: tmp, platformVersion };
    const { intermediateRepresentation, skippedHsMetaFiles } = await translate(context, { skipValidation: true, profile: 'check' });
    for (const f of skippedHsMetaFiles) errors.push(`${f}: not in a component directory HubSpot reads; it would be ignored`);
    const ajv = createAjvInstance();
    const nodes = Object.values(intermediateRepresentation.intermediateNodesIndexedByUid);
    const byType = (t: string) => nodes.filter((n) => n.componentType === t);
    for (const node of nodes) {
      components[node.uid] = node.componentType;
      const where = node.metaFilePath;
      const uidError = validateUid(node.uid);
      if (uidError !== undefined) errors.push(`${where}: ${uidError}`);
      const type = mapToUserFacingType(node.componentType);
      const component = Components[type];
      if (component === undefined) {
        errors.push(`${where}: unknown component type ${node.componentType}`);
        continue;
      }
      const expectedDir =
        component.parentComponent !== undefined
          ? path.posix.join(Components[component.parentComponent]?.dir ?? '', component.dir)
          : component.dir;
      if (path.posix.dirname(where) !== expectedDir) errors.push(`${where}: a ${type} component must live in ${srcDir}/${expectedDir}`);
      if (component.parentComponent === 'app' && node.componentDeps['app'] === undefined)
        errors.push(`${where}: no app component to belong to`);
      if (JSON.stringify(node.config).includes('${')) errors.push(`${where}: a profile variable was not substituted`);
      const schema = HUBSPOT_COMPONENT_SCHEMAS[node.componentType];
      if (schema === undefined) {
        errors.push(`${where}: Baton has no schema for ${node.componentType}; add one from the reference`);
        continue;
      }
      const validate = ajv.compile(schema);
      if (!validate(node.config))
        for (const e of validate.errors ?? []) errors.push(`${where}: config${e.instancePath} ${e.message ?? 'is invalid'}`);
    }

    // Cross-component rules from the reference.
    const [app, ...moreApps] = byType('APPLICATION');
    if (app === undefined || moreApps.length > 0) errors.push('the project needs exactly one app component');
    const scopes = new Set([...((app?.config as AppConfig | undefined)?.auth?.requiredScopes ?? [])]);
    for (const hook of byType('WEBHOOKS')) {
      const subs = (hook.config as WebhooksConfig).subscriptions;
      const needed = [...(subs?.crmObjects ?? []).map((s) => s.objectType), ...(subs?.hubEvents ?? []).map((s) => s.subscriptionType)].map(
        scopeForSubscription,
      );
      for (const scope of new Set(needed))
        if (!scopes.has(scope)) errors.push(`${hook.metaFilePath}: subscriptions need the required scope ${scope}`);
    }
    for (const action of byType('WORKFLOW_ACTION')) {
      const c = action.config as WorkflowConfig;
      for (const [locale, labels] of Object.entries(c.labels ?? {})) {
        for (const f of c.inputFields ?? [])
          if (labels.inputFieldLabels?.[f.typeDefinition.name] === undefined)
            errors.push(`${action.metaFilePath}: no ${locale} label for input ${f.typeDefinition.name}`);
        for (const f of c.outputFields ?? [])
          if (labels.outputFieldLabels?.[f.typeDefinition.name] === undefined)
            errors.push(`${action.metaFilePath}: no ${locale} label for output ${f.typeDefinition.name}`);
      }
    }
    if (byType('WORKFLOW_ACTION').length > 0 && !scopes.has('automation'))
      errors.push('workflow actions complete through the callbacks API, which needs the required scope automation');

    try {
      await translate({ projectSourceDir: tmp, platformVersion });
      remoteSchemaCheck = 'passed';
    } catch (e) {
      remoteSchemaCheck = (e as Error).message;
    }
  } catch (e) {
    errors.push(`parser: ${(e as Error).message}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { errors, components, remoteSchemaCheck };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--project');
  const projectDir = path.resolve(i >= 0 ? (process.argv[i + 1] ?? '') : path.join(__dirname, '..', 'extensions', 'hubspot'));
  const result = await validateHubSpotProject(projectDir);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      result.errors.length === 0
        ? `HubSpot project ${projectDir} is valid (${Object.keys(result.components).length} components)\n`
        : `${result.errors.join('\n')}\n`,
    );
    process.stdout.write(`HubSpot schema download (needs an authenticated account): ${result.remoteSchemaCheck}\n`);
  }
  if (result.errors.length > 0) process.exitCode = 1;
}

if (require.main === module) void main();
