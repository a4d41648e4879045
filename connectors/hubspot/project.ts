/**
 * Renders the HubSpot developer-platform project (extensions/hubspot) from manifest.json, so the
 * declaration HubSpot sees (scopes, webhooks, workflow actions, cards, settings) cannot drift from the
 * one the backend serves. Pure: the caller reads the manifest and the contract sources and writes
 * the files (scripts/generate-hubspot-project.ts); a test compares the result with what is committed.
 *
 * The backend's public URL is deployment-specific, so every URL is written as the config-profile
 * variable `${PUBLIC_URL}` (manifest `backend.publicUrlVariable`); `hs project upload --profile <name>`
 * substitutes it from `src/hsprofile.<name>.json`, and the cards read it from `context.variables`.
 */
import type { Manifest } from '../../server/platform';

type HubSpot = Manifest['platforms']['hubspot'];
type WorkflowField = HubSpot['workflowActions'][number]['inputs'][number];

/** Where each file of the project lives, relative to extensions/hubspot. */
export const HUBSPOT_PROJECT_DIR = 'extensions/hubspot';
export const HUBSPOT_SRC_DIR = 'src';

/** app/ sources copied into the card bundle (HubSpot builds only what is inside the project). */
export const CONTRACT_SOURCES: readonly { readonly from: string; readonly to: string }[] = [
  { from: 'app/journey/stages.ts', to: 'src/app/cards/lib/contract/stages.ts' },
  { from: 'app/shared/channels.ts', to: 'src/app/cards/lib/contract/channels.ts' },
  { from: 'app/cards/card-view.ts', to: 'src/app/cards/lib/contract/card-view.ts' },
  { from: 'app/cards/settings-view.ts', to: 'src/app/cards/lib/contract/settings-view.ts' },
  // The error envelope and field issues of app/contracts (the API contract the console reads too).
  { from: 'app/contracts/common.ts', to: 'src/app/cards/lib/contract/common.ts' },
];

/** Versions the card and settings bundles are built with (the ones the tests ran against). */
export interface BundleVersions {
  readonly uiExtensions: string;
  readonly react: string;
  readonly zod: string;
  readonly typesReact: string;
}

export interface HubSpotProjectInput {
  readonly manifest: Manifest;
  readonly versions: BundleVersions;
  /** Text of each CONTRACT_SOURCES `from` file. */
  readonly sources: Readonly<Record<string, string>>;
}

/** Upload-profile variables of the marketplace listing (src/hsprofile.<name>.json), by listing field. */
export const LISTING_VARIABLES = {
  supportUrl: 'SUPPORT_URL',
  supportEmail: 'SUPPORT_EMAIL',
  privacyUrl: 'PRIVACY_URL',
  termsUrl: 'TERMS_URL',
} as const;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export function renderHubSpotProject(input: HubSpotProjectInput): Map<string, string> {
  const { manifest, versions } = input;
  const hs = manifest.platforms.hubspot;
  const base = `\${${manifest.backend.publicUrlVariable}}`;
  const files = new Map<string, string>();

  files.set('hsproject.json', json({ name: manifest.id, srcDir: HUBSPOT_SRC_DIR, platformVersion: hs.platformVersion }));

  files.set(
    'src/app/app-hsmeta.json',
    json({
      uid: `${manifest.id}_app`,
      type: 'app',
      config: {
        name: manifest.name,
        description: manifest.description,
        distribution: hs.distribution,
        auth: {
          type: hs.auth.type,
          redirectUrls: [`${base}${hs.auth.redirectPath}`],
          requiredScopes: hs.auth.requiredScopes,
          optionalScopes: hs.auth.optionalScopes,
          conditionallyRequiredScopes: [],
        },
        permittedUrls: { fetch: [base], iframe: [], img: [] },
        // Listing contacts come from the upload profile (HUBSPOT_SUPPORT_* on the machine that generates it), never placeholders.
        support: { supportEmail: `\${${LISTING_VARIABLES.supportEmail}}`, supportUrl: `\${${LISTING_VARIABLES.supportUrl}}` },
      },
    }),
  );

  files.set(
    'src/app/webhooks/webhooks-hsmeta.json',
    json({
      uid: `${manifest.id}_webhooks`,
      type: 'webhooks',
      config: {
        settings: { targetUrl: `${base}${hs.webhooks.targetPath}`, maxConcurrentRequests: hs.webhooks.maxConcurrentRequests },
        subscriptions: {
          crmObjects: hs.webhooks.crmObjects.map((s) => ({
            subscriptionType: s.subscriptionType,
            objectType: s.objectType,
            ...(s.propertyName !== undefined ? { propertyName: s.propertyName } : {}),
            active: true,
          })),
          legacyCrmObjects: [],
          hubEvents: hs.webhooks.hubEvents.map((h) => ({ subscriptionType: h.subscriptionType, active: true })),
        },
      },
    }),
  );

  for (const action of hs.workflowActions) {
    files.set(`src/app/workflow-actions/${action.uid}-hsmeta.json`, json(workflowAction(action, base)));
  }

  const bundlePackage = (name: string) =>
    json({
      name,
      version: manifest.version,
      private: true,
      license: 'UNLICENSED',
      type: 'module',
      dependencies: { '@hubspot/ui-extensions': versions.uiExtensions, react: versions.react, zod: versions.zod },
      devDependencies: { '@types/react': versions.typesReact },
    });

  for (const card of hs.cards) {
    files.set(
      `src/app/cards/${card.uid}-hsmeta.json`,
      json({
        uid: card.uid,
        type: 'card',
        config: {
          name: card.title,
          description: 'Journey stage, next best action, runs, identities and signals for this record.',
          location: card.location,
          entrypoint: '/app/cards/BatonRecordCard.tsx',
          objectTypes: card.objectTypes,
        },
      }),
    );
  }
  files.set('src/app/cards/package.json', bundlePackage(`${manifest.id}-hubspot-cards`));

  files.set(
    'src/app/settings/settings-hsmeta.json',
    json({ uid: hs.settingsPage.uid, type: 'settings', config: { entrypoint: '/app/settings/BatonSettings.tsx' } }),
  );
  files.set('src/app/settings/package.json', bundlePackage(`${manifest.id}-hubspot-settings`));

  const [card] = hs.cards;
  if (card === undefined) throw new Error('manifest declares no HubSpot card');
  files.set(
    'src/app/cards/lib/generated/backend.ts',
    [
      '// GENERATED from manifest.json by scripts/generate-hubspot-project.ts. Do not edit.',
      '/** The config-profile variable holding the backend origin (also in permittedUrls.fetch). */',
      `export const PUBLIC_URL_VARIABLE = ${JSON.stringify(manifest.backend.publicUrlVariable)};`,
      '/** Backend paths the card and settings page call through hubspot.fetch. */',
      `export const BACKEND_PATHS = ${JSON.stringify({ record: card.dataPath, actions: card.actionsPath, settings: hs.settingsPage.dataPath })} as const;`,
      '',
    ].join('\n'),
  );

  for (const { from, to } of CONTRACT_SOURCES) {
    const text = input.sources[from];
    if (text === undefined) throw new Error(`missing contract source ${from}`);
    files.set(
      to,
      `// GENERATED: copy of ${from} (scripts/generate-hubspot-project.ts). Edit the original.\n${text.replace("from '../journey/stages'", "from './stages'").replace("from '../shared/channels'", "from './channels'")}`,
    );
  }
  return files;
}

function workflowAction(action: HubSpot['workflowActions'][number], base: string): unknown {
  const label = (f: WorkflowField) => f.label ?? f.name;
  const inputLabels = Object.fromEntries(action.inputs.map((f) => [f.name, label(f)]));
  const inputDescriptions = Object.fromEntries(
    action.inputs.filter((f) => f.description !== undefined).map((f) => [f.name, f.description]),
  );
  const outputLabels = Object.fromEntries(action.outputs.map((f) => [f.name, label(f)]));
  return {
    uid: action.uid,
    type: 'workflow-action',
    config: {
      actionUrl: `${base}${action.path}`,
      isPublished: true,
      supportedClients: [{ client: 'WORKFLOWS' }],
      objectTypes: action.objectTypes,
      inputFields: action.inputs.map((f) => ({
        typeDefinition: typeDefinition(f),
        supportedValueTypes: f.type === 'enumeration' ? ['STATIC_VALUE'] : ['STATIC_VALUE', 'OBJECT_PROPERTY'],
        isRequired: f.required ?? false,
      })),
      outputFields: action.outputs.map((f) => ({ typeDefinition: typeDefinition(f) })),
      labels: {
        en: {
          actionName: action.label,
          actionDescription: action.description ?? action.label,
          actionCardContent: action.label,
          inputFieldLabels: inputLabels,
          ...(Object.keys(inputDescriptions).length > 0 ? { inputFieldDescriptions: inputDescriptions } : {}),
          outputFieldLabels: outputLabels,
        },
      },
    },
  };
}

const FIELD_TYPES: Record<WorkflowField['type'], string> = {
  string: 'text',
  number: 'number',
  bool: 'booleancheckbox',
  enumeration: 'select',
  date: 'date',
  datetime: 'date',
};

function typeDefinition(f: WorkflowField): Record<string, unknown> {
  return {
    name: f.name,
    type: f.type,
    fieldType: FIELD_TYPES[f.type],
    ...(f.options !== undefined ? { options: f.options.map((o) => ({ value: o, label: o.charAt(0).toUpperCase() + o.slice(1) })) } : {}),
  };
}
