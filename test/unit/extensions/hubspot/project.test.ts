import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { settingsPoliciesSchema } from '../../../../app/cards/settings-view';
import { expectedHubSpotProject, hsProfile, hubSpotProjectDrift } from '../../../../scripts/generate-hubspot-project';
import { manifestSchema } from '../../../../server/manifest/manifest.schema';

const ROOT = path.resolve(__dirname, '../../../..');
const PROJECT = path.join(ROOT, 'extensions/hubspot');
const manifest = manifestSchema.parse(JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')));
const hs = manifest.platforms.hubspot;
const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(PROJECT, file), 'utf8')) as T;

interface AppMeta {
  uid: string;
  config: {
    distribution: string;
    auth: { type: string; redirectUrls: string[]; requiredScopes: string[]; optionalScopes: string[] };
    permittedUrls: { fetch: string[] };
  };
}
interface WebhooksMeta {
  config: {
    settings: { targetUrl: string };
    subscriptions: {
      crmObjects: { subscriptionType: string; objectType: string; propertyName?: string; active: boolean }[];
      hubEvents: { subscriptionType: string; active: boolean }[];
    };
  };
}
interface ActionMeta {
  config: {
    actionUrl: string;
    objectTypes: string[];
    inputFields: { typeDefinition: { name: string }; isRequired: boolean }[];
    outputFields: { typeDefinition: { name: string } }[];
  };
}
interface CardMeta {
  config: { location: string; entrypoint: string; objectTypes: string[] };
}

describe('HubSpot project (extensions/hubspot) against manifest.json', () => {
  it('is exactly what scripts/generate-hubspot-project.ts writes from the manifest (run it after editing manifest.json)', () => {
    expect(hubSpotProjectDrift()).toEqual({ changed: [], stale: [] });
  });

  it('notices a manifest change the committed files do not carry, and a component the manifest dropped', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'baton-drift-'));
    try {
      for (const dir of ['app', 'node_modules']) symlinkSync(path.join(ROOT, dir), path.join(root, dir));
      cpSync(PROJECT, path.join(root, 'extensions/hubspot'), { recursive: true });
      const edited = structuredClone(manifest);
      edited.platforms.hubspot.auth.optionalScopes = [...edited.platforms.hubspot.auth.optionalScopes, 'crm.objects.quotes.read'];
      edited.platforms.hubspot.workflowActions = edited.platforms.hubspot.workflowActions.filter((a) => a.uid !== 'baton_record_outcome');
      writeFileSync(path.join(root, 'manifest.json'), JSON.stringify(edited));
      expect(hubSpotProjectDrift(root)).toEqual({
        changed: ['src/app/app-hsmeta.json'],
        stale: ['src/app/workflow-actions/baton_record_outcome-hsmeta.json'],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('declares a marketplace OAuth app whose only backend is PUBLIC_URL (redirect, fetch, webhooks, actions)', () => {
    const app = readJson<AppMeta>('src/app/app-hsmeta.json');
    expect(app.config.distribution).toBe('marketplace');
    expect(app.config.auth).toMatchObject({
      type: 'oauth',
      redirectUrls: ['${PUBLIC_URL}/oauth/hubspot/callback'],
      requiredScopes: hs.auth.requiredScopes,
      optionalScopes: hs.auth.optionalScopes,
    });
    expect(app.config.auth.requiredScopes).toContain('oauth');
    expect(app.config.permittedUrls.fetch).toEqual(['${PUBLIC_URL}']);
    const urls = [
      readJson<WebhooksMeta>('src/app/webhooks/webhooks-hsmeta.json').config.settings.targetUrl,
      ...hs.workflowActions.map((a) => readJson<ActionMeta>(`src/app/workflow-actions/${a.uid}-hsmeta.json`).config.actionUrl),
    ];
    expect(urls).toEqual([
      '${PUBLIC_URL}/webhooks/hubspot',
      ...hs.workflowActions.map((a) => `\${PUBLIC_URL}/hubspot/workflow-actions/${a.uid}`),
    ]);
  });

  it('subscribes to creation, property change, merge and deletion of contacts, companies, deals and tickets, new conversation messages and privacy deletions', () => {
    const subs = readJson<WebhooksMeta>('src/app/webhooks/webhooks-hsmeta.json').config.subscriptions;
    expect(subs.crmObjects.every((s) => s.active) && subs.hubEvents.every((s) => s.active)).toBe(true);
    const kinds = new Set(subs.crmObjects.map((s) => `${s.objectType}:${s.subscriptionType}`));
    for (const object of ['contact', 'company', 'deal', 'ticket']) {
      for (const type of ['object.creation', 'object.propertyChange', 'object.merge', 'object.deletion'])
        expect(kinds).toContain(`${object}:${type}`);
    }
    expect(subs.hubEvents.map((e) => e.subscriptionType).sort()).toEqual(['contact.privacyDeletion', 'conversation.newMessage']);
  });

  it('offers the three workflow actions with their input and output fields', () => {
    const actions = hs.workflowActions.map((a) => ({
      uid: a.uid,
      meta: readJson<ActionMeta>(`src/app/workflow-actions/${a.uid}-hsmeta.json`).config,
    }));
    expect(actions.map((a) => a.uid)).toEqual(['baton_next_best_action', 'baton_start_playbook', 'baton_record_outcome']);
    const outcome = actions[2]?.meta;
    expect(outcome?.inputFields.map((f) => [f.typeDefinition.name, f.isRequired])).toEqual([
      ['outcome', true],
      ['value', false],
      ['decisionId', false],
    ]);
    expect(actions[0]?.meta.outputFields.map((f) => f.typeDefinition.name)).toEqual(['actionId', 'actionLabel', 'holdout', 'decisionId']);
  });

  it('puts the record card on the record tab of contacts, companies, deals and tickets, and both entry points exist', () => {
    const card = readJson<CardMeta>(`src/app/cards/${hs.cards[0]?.uid ?? ''}-hsmeta.json`).config;
    expect(card).toMatchObject({ location: 'crm.record.tab', objectTypes: ['contacts', 'companies', 'deals', 'tickets'] });
    const settings = readJson<{ config: { entrypoint: string } }>('src/app/settings/settings-hsmeta.json').config;
    for (const entry of [card.entrypoint, settings.entrypoint]) expect(existsSync(path.join(PROJECT, 'src', entry))).toBe(true);
    for (const entry of [card.entrypoint, settings.entrypoint])
      expect(readFileSync(path.join(PROJECT, 'src', entry), 'utf8')).toMatch(/hubspot\.extend</);
  });

  it('ships the card contract the backend builds, unchanged', () => {
    const expected = expectedHubSpotProject();
    const copy = expected.get('src/app/cards/lib/contract/card-view.ts') ?? '';
    expect(copy).toContain(
      readFileSync(path.join(ROOT, 'app/cards/card-view.ts'), 'utf8')
        .replace("from '../journey/stages'", "from './stages'")
        .replace("from '../shared/channels'", "from './channels'"),
    );
    // The one channel list travels with it.
    expect(expected.get('src/app/cards/lib/contract/channels.ts') ?? '').toContain(
      readFileSync(path.join(ROOT, 'app/shared/channels.ts'), 'utf8'),
    );
  });

  it('writes a config profile only for an https backend URL, a real account id and every listing field', () => {
    const listing = {
      supportUrl: 'https://help.acme.io',
      supportEmail: 'help@acme.io',
      privacyUrl: 'https://acme.io/privacy',
      termsUrl: 'https://acme.io/terms',
    };
    expect(JSON.parse(hsProfile(123, 'https://baton.example.com/', listing))).toEqual({
      accountId: 123,
      variables: {
        PUBLIC_URL: 'https://baton.example.com',
        SUPPORT_URL: 'https://help.acme.io',
        SUPPORT_EMAIL: 'help@acme.io',
        PRIVACY_URL: 'https://acme.io/privacy',
        TERMS_URL: 'https://acme.io/terms',
      },
    });
    expect(() => hsProfile(123, 'http://localhost:3000', listing)).toThrow(/https URL/);
    expect(() => hsProfile(Number.NaN, 'https://baton.example.com', listing)).toThrow(/account-id/);
    // No listing, no profile: the error names what to set.
    expect(() => hsProfile(123, 'https://baton.example.com', { ...listing, privacyUrl: undefined, termsUrl: undefined })).toThrow(
      /set HUBSPOT_PRIVACY_URL, HUBSPOT_TERMS_URL/,
    );
    // The generated app reads its support contacts from the profile, never a placeholder.
    const app = JSON.parse(expectedHubSpotProject().get('src/app/app-hsmeta.json') ?? '{}') as {
      config: { support: Record<string, string> };
    };
    expect(app.config.support).toEqual({ supportEmail: '${SUPPORT_EMAIL}', supportUrl: '${SUPPORT_URL}' });
    expect(JSON.stringify(app)).not.toContain('.invalid');
  });

  it('keeps the settings page bounds equal to the manifest settings', () => {
    const bound = (key: string) => manifest.settings.find((s) => s.key === key);
    const valid = {
      quietHours: { enabled: true, start: '21:00', end: '08:00' },
      frequencyCaps: { perDay: 1, perWeek: 3 },
      holdoutShare: 0.05,
      randomControlShare: 0.02,
    };
    for (const key of ['holdoutShare', 'randomControlShare'] as const) {
      const { min, max } = bound(key) ?? {};
      expect(settingsPoliciesSchema.safeParse({ ...valid, [key]: max }).success).toBe(true);
      expect(settingsPoliciesSchema.safeParse({ ...valid, [key]: (max ?? 0) + 0.001 }).success).toBe(false);
      expect(settingsPoliciesSchema.safeParse({ ...valid, [key]: (min ?? 0) - 0.001 }).success).toBe(false);
      expect(settingsPoliciesSchema.parse({ ...valid, [key]: bound(key)?.default })[key]).toBe(bound(key)?.default);
    }
    expect(
      settingsPoliciesSchema.parse({
        ...valid,
        quietHours: { enabled: true, ...(bound('quietHours')?.default as object) },
        frequencyCaps: bound('frequencyCaps')?.default,
      }),
    ).toBeDefined();
  });
});

const execFileAsync = promisify(execFile);
interface Validation {
  errors: string[];
  components: Record<string, string>;
  remoteSchemaCheck: string;
}

/** Runs scripts/validate-hubspot-project.ts (HubSpot's parser is ESM-only, so it runs in its own Node process). */
async function validate(projectDir: string): Promise<Validation> {
  const script = path.join(ROOT, 'scripts/validate-hubspot-project.ts');
  const run = await execFileAsync(process.execPath, [require.resolve('tsx/cli'), script, '--project', projectDir, '--json'], {
    cwd: ROOT,
  }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return JSON.parse(run.stdout) as Validation;
}

describe("HubSpot's project parser (@hubspot/project-parsing-lib, offline)", () => {
  it('reads the project as seven components of an app, with every config valid against the reference schemas', async () => {
    const result = await validate(PROJECT);
    expect(result.errors).toEqual([]);
    expect(result.components).toEqual({
      baton_app: 'APPLICATION',
      baton_record_card: 'CARD',
      baton_settings: 'SETTINGS',
      baton_webhooks: 'WEBHOOKS',
      baton_next_best_action: 'WORKFLOW_ACTION',
      baton_start_playbook: 'WORKFLOW_ACTION',
      baton_record_outcome: 'WORKFLOW_ACTION',
    });
    // HubSpot's own schema check downloads the schemas with an authenticated account: not possible offline.
    expect(result.remoteSchemaCheck).toMatch(/Account id is required/);
  });

  it('names what is wrong in a broken project', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-broken-hsproject-'));
    try {
      cpSync(PROJECT, dir, { recursive: true });
      const appFile = path.join(dir, 'src/app/app-hsmeta.json');
      const app = JSON.parse(readFileSync(appFile, 'utf8')) as AppMeta;
      app.config.auth.type = 'static';
      app.config.auth.requiredScopes = app.config.auth.requiredScopes.filter((s) => s !== 'tickets');
      writeFileSync(appFile, JSON.stringify(app));
      cpSync(path.join(dir, 'src/app/webhooks/webhooks-hsmeta.json'), path.join(dir, 'src/app/webhooks/more-hsmeta.json'));
      const more = JSON.parse(readFileSync(path.join(dir, 'src/app/webhooks/more-hsmeta.json'), 'utf8')) as {
        uid: string;
        config: { settings: { maxConcurrentRequests: number } };
      };
      more.uid = 'baton_more_webhooks';
      more.config.settings.maxConcurrentRequests = 5;
      writeFileSync(path.join(dir, 'src/app/webhooks/more-hsmeta.json'), JSON.stringify(more));
      const card = path.join(dir, 'src/app/cards/baton_record_card-hsmeta.json');
      writeFileSync(card, readFileSync(card, 'utf8').replace('crm.record.tab', 'crm.record.everywhere'));
      unlinkSync(path.join(dir, 'src/app/settings/settings-hsmeta.json'));
      writeFileSync(
        path.join(dir, 'src/app/settings-hsmeta.json'),
        JSON.stringify({ uid: 'baton_settings', type: 'settings', config: { entrypoint: '/app/settings/BatonSettings.tsx' } }),
      );

      const { errors } = await validate(dir);
      const text = errors.join('\n');
      expect(text).toMatch(/app\/app-hsmeta\.json: config\/auth\/type must be equal to constant/);
      expect(text).toMatch(/webhooks: 2 components, HubSpot allows 1/);
      expect(text).toMatch(/more-hsmeta\.json: config\/settings\/maxConcurrentRequests must be > 5/);
      expect(text).toMatch(/subscriptions need the required scope tickets/);
      expect(text).toMatch(/baton_record_card-hsmeta\.json: config\/location must be equal to one of the allowed values/);
      expect(text).toMatch(/app\/settings-hsmeta\.json: a settings component must live in src\/app\/settings/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
