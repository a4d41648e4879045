import { readFileSync } from 'node:fs';
import path from 'node:path';
import { manifestSchema } from '../../../server/manifest/manifest.schema';

const manifest: unknown = JSON.parse(readFileSync(path.join(__dirname, '../../../manifest.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string };

describe('manifest.json', () => {
  it('is valid under the manifest schema', () => {
    const r = manifestSchema.safeParse(manifest);
    expect(r.success ? [] : r.error.issues).toEqual([]);
  });

  it('carries the package version', () => {
    expect((manifest as { version: string }).version).toBe(pkg.version);
  });

  it('subscribes to what the product needs from HubSpot', () => {
    const m = manifestSchema.parse(manifest);
    const subs = m.platforms.hubspot.webhooks.crmObjects.map((s) => `${s.objectType}:${s.subscriptionType}`);
    for (const object of ['contact', 'company', 'deal', 'ticket']) {
      for (const type of ['object.creation', 'object.merge', 'object.deletion']) expect(subs).toContain(`${object}:${type}`);
    }
    expect(m.platforms.hubspot.webhooks.hubEvents.map((h) => h.subscriptionType)).toEqual(
      expect.arrayContaining(['conversation.newMessage', 'contact.privacyDeletion']),
    );
  });

  it('rejects a manifest with a broken declaration, naming the field', () => {
    const broken = structuredClone(manifest) as {
      platforms: { hubspot: { auth: { requiredScopes: string[] }; workflowActions: { path: string }[] } };
    };
    broken.platforms.hubspot.auth.requiredScopes = ['crm.objects.contacts.read'];
    const first = broken.platforms.hubspot.workflowActions[0];
    if (first !== undefined) first.path = '/elsewhere';
    const r = manifestSchema.safeParse(broken);
    expect(r.success).toBe(false);
    const messages = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages.join('\n')).toMatch(/requiredScopes: must include "oauth"/);
    expect(messages.join('\n')).toMatch(/workflowActions\.0\.path/);
  });
});
