/**
 * Writes the HubSpot project files (extensions/hubspot) from manifest.json.
 *
 *   npx tsx scripts/generate-hubspot-project.ts            # (re)write the generated files
 *   npx tsx scripts/generate-hubspot-project.ts --check    # exit 1 and name the files that drifted
 *   npx tsx scripts/generate-hubspot-project.ts --profile prod --account-id 123 --public-url https://baton.example.com
 *                                                          # also write src/hsprofile.prod.json for `hs project upload --profile prod`
 * An upload profile carries the marketplace listing fields too, from HUBSPOT_SUPPORT_URL,
 * HUBSPOT_SUPPORT_EMAIL, HUBSPOT_PRIVACY_URL and HUBSPOT_TERMS_URL (validated by server/config.ts);
 * it is refused while any is missing, so no upload ever carries a placeholder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { manifestSchema } from '../server/manifest/manifest.schema';
import { loadConfig, type Config } from '../server/config';
import { CONTRACT_SOURCES, HUBSPOT_PROJECT_DIR, LISTING_VARIABLES, renderHubSpotProject } from '../connectors/hubspot/project';

const ROOT = path.resolve(__dirname, '..');

function installedVersion(root: string, name: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Every file the generator owns, with the content it should have. */
export function expectedHubSpotProject(root = ROOT): Map<string, string> {
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')));
  const sources = Object.fromEntries(CONTRACT_SOURCES.map(({ from }) => [from, readFileSync(path.join(root, from), 'utf8')]));
  const versions = {
    uiExtensions: installedVersion(root, '@hubspot/ui-extensions'),
    react: installedVersion(root, 'react'),
    zod: `^${installedVersion(root, 'zod')}`,
    typesReact: `^${installedVersion(root, '@types/react')}`,
  };
  return renderHubSpotProject({ manifest, versions, sources });
}

function listMetaFiles(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules') return [];
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) return listMetaFiles(path.join(dir, e.name), r);
    return e.name.endsWith('-hsmeta.json') ? [r] : [];
  });
}

export interface ProjectDrift {
  /** Generated files whose committed content differs or is missing. */
  readonly changed: string[];
  /** Component files on disk the manifest no longer declares. */
  readonly stale: string[];
}

export function hubSpotProjectDrift(root = ROOT): ProjectDrift {
  const projectDir = path.join(root, HUBSPOT_PROJECT_DIR);
  const expected = expectedHubSpotProject(root);
  const changed = [...expected]
    .filter(([file, text]) => {
      const p = path.join(projectDir, file);
      return !existsSync(p) || readFileSync(p, 'utf8') !== text;
    })
    .map(([file]) => file);
  const stale = listMetaFiles(path.join(projectDir, 'src'))
    .map((f) => `src/${f}`)
    .filter((f) => !expected.has(f));
  return { changed, stale };
}

export type ListingFields = { readonly [K in keyof Config['hubspotListing']]-?: string };

const LISTING_ENV: Readonly<Record<keyof ListingFields, string>> = {
  supportUrl: 'HUBSPOT_SUPPORT_URL',
  supportEmail: 'HUBSPOT_SUPPORT_EMAIL',
  privacyUrl: 'HUBSPOT_PRIVACY_URL',
  termsUrl: 'HUBSPOT_TERMS_URL',
};

/** The listing fields, or an error naming every variable still to set. */
export function requireListing(listing: Config['hubspotListing']): ListingFields {
  const missing = (Object.keys(LISTING_ENV) as (keyof ListingFields)[]).filter((k) => listing[k] === undefined);
  if (missing.length > 0)
    throw new Error(
      `a marketplace upload profile needs the listing fields; set ${missing.map((k) => LISTING_ENV[k]).join(', ')} (https URLs and a support email address)`,
    );
  return listing as ListingFields;
}

/** A config profile for `hs project upload --profile <name>`: the target account, the backend URL and the listing fields. */
export function hsProfile(accountId: number, publicUrl: string | undefined, listing: Config['hubspotListing']): string {
  if (!Number.isInteger(accountId) || accountId <= 0)
    throw new Error('--account-id must be the HubSpot developer account id (a positive integer)');
  if (publicUrl === undefined || !/^https:\/\/[^/\s]+(\/\S*)?$/.test(publicUrl))
    throw new Error("--public-url must be the backend's https URL, exactly as PUBLIC_URL is set on the server");
  const l = requireListing(listing);
  const variables = {
    PUBLIC_URL: publicUrl.replace(/\/+$/, ''),
    [LISTING_VARIABLES.supportUrl]: l.supportUrl,
    [LISTING_VARIABLES.supportEmail]: l.supportEmail,
    [LISTING_VARIABLES.privacyUrl]: l.privacyUrl,
    [LISTING_VARIABLES.termsUrl]: l.termsUrl,
  };
  return `${JSON.stringify({ accountId, variables }, null, 2)}\n`;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const projectDir = path.join(ROOT, HUBSPOT_PROJECT_DIR);
  if (process.argv.includes('--check')) {
    const { changed, stale } = hubSpotProjectDrift();
    if (changed.length + stale.length === 0) {
      process.stdout.write('HubSpot project matches manifest.json\n');
      return;
    }
    process.stderr.write(
      `HubSpot project drifted from manifest.json; run npx tsx scripts/generate-hubspot-project.ts\n${[...changed.map((f) => `  changed: ${f}`), ...stale.map((f) => `  stale:   ${f}`)].join('\n')}\n`,
    );
    process.exitCode = 1;
    return;
  }
  for (const [file, text] of expectedHubSpotProject()) {
    const p = path.join(projectDir, file);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  for (const file of hubSpotProjectDrift().stale) rmSync(path.join(projectDir, file));
  const profile = arg('--profile');
  if (profile !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(profile)) throw new Error('--profile must be a plain name like prod');
    writeFileSync(
      path.join(projectDir, 'src', `hsprofile.${profile}.json`),
      hsProfile(Number(arg('--account-id')), arg('--public-url'), loadConfig().hubspotListing),
    );
  }
  process.stdout.write(`wrote ${HUBSPOT_PROJECT_DIR}\n`);
}

if (require.main === module) main();
