import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { cardActionRequestSchema } from '../../../app/cards/card-view';
import {
  BATON_FIELDS,
  CDC_ENTITIES,
  PACKAGE_NAMESPACE,
  SALESFORCE_API_VERSION,
  signRequest,
  TASK_KEY_FIELD,
  verifyRequest,
} from '../../../connectors/salesforce/client';
import { manifestSchema } from '../../../server/manifest/manifest.schema';

const root = path.join(__dirname, '../../..');
const pkg = path.join(root, 'extensions/salesforce');
const src = path.join(pkg, 'force-app/main/default');
const manifest = manifestSchema.parse(JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')));
const sf = manifest.platforms.salesforce;
const parser = new XMLParser({
  ignoreAttributes: false,
  isArray: (name) => ['object', 'target', 'classAccesses', 'fieldPermissions', 'namedCredentialParameters'].includes(name),
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}
const all = files(src);
const read = (p: string): string => readFileSync(p, 'utf8');
const xml = (p: string): Record<string, Record<string, unknown>> => parser.parse(read(p)) as Record<string, Record<string, unknown>>;

/** Removes strings and comments from Apex so brackets can be counted. */
const stripApex = (code: string): string =>
  code
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:\\.|[^'\\])*'/g, "''");

describe('extensions/salesforce (SFDX project) against manifest.json and the backend', () => {
  it('pins one API version and namespace everywhere', () => {
    const project = JSON.parse(read(path.join(pkg, 'sfdx-project.json'))) as { sourceApiVersion: string; namespace: string };
    expect(sf.apiVersion).toBe(SALESFORCE_API_VERSION);
    expect(project.sourceApiVersion).toBe(sf.apiVersion);
    expect(project.namespace).toBe(sf.namespace);
    expect(PACKAGE_NAMESPACE).toBe(sf.namespace);
    const metas = all.filter((f) => f.endsWith('-meta.xml') && /<apiVersion>/.test(read(f)));
    expect(metas.length).toBeGreaterThan(10);
    for (const f of metas)
      expect([path.relative(src, f), /<apiVersion>([\d.]+)<\/apiVersion>/.exec(read(f))?.[1]]).toEqual([
        path.relative(src, f),
        sf.apiVersion,
      ]);
  });

  it('ships only well-formed XML metadata', () => {
    const xmls = all.filter((f) => f.endsWith('.xml'));
    expect(xmls.length).toBeGreaterThan(20);
    for (const f of xmls) expect([path.relative(src, f), XMLValidator.validate(read(f))]).toEqual([path.relative(src, f), true]);
  });

  it('declares exactly the custom fields of the manifest, with their types, and the backend writes those names', () => {
    const declared = all
      .filter((f) => f.endsWith('.field-meta.xml') && !f.includes('Baton_Settings__c'))
      .map((f) => {
        const field = xml(f)['CustomField'] ?? {};
        return { object: path.basename(path.dirname(path.dirname(f))), name: String(field['fullName']), type: String(field['type']) };
      });
    const key = (x: { object: string; name: string; type: string }): string => `${x.object}.${x.name}:${x.type}`;
    expect(declared.map(key).sort()).toEqual(sf.customFields.map(key).sort());
    for (const f of declared)
      expect(path.basename(all.find((p) => p.endsWith(`${f.object}/fields/${f.name}.field-meta.xml`)) ?? '')).toBe(
        `${f.name}.field-meta.xml`,
      );
    expect(
      sf.customFields
        .filter((f) => f.object === 'Contact')
        .map((f) => f.name)
        .sort(),
    ).toEqual(Object.values(BATON_FIELDS).sort());
    expect(sf.customFields.find((f) => f.object === 'Activity')?.name).toBe(TASK_KEY_FIELD);
    const key2 = xml(path.join(src, 'objects/Activity/fields/Baton_Key__c.field-meta.xml'))['CustomField'] ?? {};
    expect([key2['externalId'], key2['unique']]).toEqual([true, true]);
  });

  it('exposes the LWC card on the record pages of the manifest', () => {
    const meta = xml(path.join(src, 'lwc/batonCard/batonCard.js-meta.xml'))['LightningComponentBundle'] ?? {};
    expect(meta['isExposed']).toBe(true);
    expect((meta['targets'] as { target: string[] }).target).toEqual(['lightning__RecordPage']);
    const objects = (meta['targetConfigs'] as { targetConfig: { objects: { object: string[] } } }).targetConfig.objects.object;
    expect(objects).toEqual(sf.cards[0]?.objects);
    const js = read(path.join(src, 'lwc/batonCard/batonCard.js'));
    const sent = [...js.matchAll(/type: '([a-z_]+)'/g)].map((m) => m[1]);
    expect(new Set(sent)).toEqual(new Set(cardActionRequestSchema.options.map((o) => o.shape.type.value)));
    const html = read(path.join(src, 'lwc/batonCard/batonCard.html'));
    for (const tag of ['template', 'lightning-card', 'div', 'section', 'ul', 'li', 'p'])
      expect([tag, html.split(new RegExp(`<${tag}[\\s>]`)).length]).toEqual([tag, html.split(`</${tag}>`).length]);
    for (const handler of [...html.matchAll(/on(?:click|change)=\{(\w+)\}/g)].map((m) => m[1] ?? ''))
      expect(js).toMatch(new RegExp(`\\n    (async )?${handler}\\(`));
    for (const state of ['loading', 'error', 'isEmpty']) expect(html).toContain(`{${state}}`);
    expect(js).toMatch(/@salesforce\/apex\/BatonCardController\.getCard/);
  });

  it('has one bulk, callout-enabled invocable class per Flow action of the manifest, calling its path', () => {
    for (const action of sf.flowActions) {
      const code = read(path.join(src, `classes/${action.uid}.cls`));
      expect(code).toMatch(/public with sharing class/);
      expect(code.match(/@InvocableMethod\(/g)).toHaveLength(1);
      expect(code).toContain(`@InvocableMethod(label='${action.label}' category='Baton' callout=true)`);
      expect(code).toMatch(/public static List<Result> run\(List<Request> requests\)/);
      expect(code).toContain(`'${action.path}'`);
    }
    expect(read(path.join(src, 'classes/BatonCardController.cls'))).toContain(`'${sf.cards[0]?.dataPath}?recordId='`);
    expect(read(path.join(src, 'classes/BatonCardController.cls'))).toContain(`'${sf.cards[0]?.actionsPath}'`);
  });

  it('keeps every Apex class syntactically balanced, paired with its meta file, and covered by test classes', () => {
    const classes = all.filter((f) => f.endsWith('.cls'));
    for (const f of classes) {
      const code = stripApex(read(f));
      for (const [open, close] of [
        ['{', '}'],
        ['(', ')'],
        ['[', ']'],
      ] as const)
        expect([path.basename(f), code.split(open).length]).toEqual([path.basename(f), code.split(close).length]);
      expect(all).toContain(`${f}-meta.xml`);
      expect(code).toMatch(/\b(class|interface)\s+\w+/);
    }
    const tests = classes.filter((f) => /@IsTest/.test(read(f)));
    const covered = tests.map(read).join('\n');
    for (const f of classes.filter((c) => !tests.includes(c)))
      expect([path.basename(f), covered.includes(path.basename(f, '.cls'))]).toEqual([path.basename(f), true]);
    expect(covered).toMatch(/Test\.setMock\(HttpCalloutMock\.class/);
  });

  it('grants the classes, Baton fields and the External Credential principal in the permission set', () => {
    const ps = xml(path.join(src, 'permissionsets/Baton_User.permissionset-meta.xml'))['PermissionSet'] ?? {};
    const granted = (ps['classAccesses'] as { apexClass: string }[]).map((c) => c.apexClass);
    for (const c of granted) expect(all).toContain(path.join(src, `classes/${c}.cls`));
    for (const a of sf.flowActions) expect(granted).toContain(a.uid);
    const fields = (ps['fieldPermissions'] as { field: string }[]).map((p) => p.field).sort();
    expect(fields).toEqual(
      sf.customFields
        .filter((f) => f.object !== 'Activity')
        .map((f) => `${f.object}.${f.name}`)
        .sort(),
    );
    expect(JSON.stringify(ps['externalCredentialPrincipalAccesses'])).toContain('Baton_Backend-');
    const nc = xml(path.join(src, 'namedCredentials/Baton_Backend.namedCredential-meta.xml'))['NamedCredential'] ?? {};
    expect(JSON.stringify(nc)).toContain('"externalCredential":"Baton_Backend"');
    expect(read(path.join(src, 'classes/BatonClient.cls'))).toContain(`'callout:Baton_Backend' + path`);
  });

  it('follows the change events the backend subscribes to', () => {
    expect(sf.changeEvents).toEqual(CDC_ENTITIES.map((e) => `${e}ChangeEvent`));
  });

  it('signs in Apex exactly as the server verifies: the vector in BatonSignerTest.cls checks out', () => {
    const t = read(path.join(src, 'classes/BatonSignerTest.cls'));
    const constant = (name: string): string => {
      const m = new RegExp(`static final String ${name} = '((?:\\\\.|[^'])*)'`).exec(t);
      if (m?.[1] === undefined) throw new Error(`no ${name} in BatonSignerTest.cls`);
      return m[1].replace(/\\'/g, "'");
    };
    const [secret, orgId, timestamp, p, body, expected] = ['SECRET', 'ORG_ID', 'TIMESTAMP', 'PATH', 'BODY', 'EXPECTED'].map(constant) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // Independently of the server code: the canonical string written out by hand.
    const canonical = `v1\nPOST\n${p}\n${timestamp}\n${orgId}\n${createHash('sha256').update(body).digest('hex')}`;
    expect(`v1=${createHmac('sha256', Buffer.from(secret, 'base64')).update(canonical).digest('base64')}`).toBe(expected);
    expect(signRequest(secret, { method: 'POST', path: p, timestamp, orgId, body })).toBe(expected);
    expect(verifyRequest(secret, { method: 'POST', path: p, timestamp, orgId, body }, expected, Number(timestamp) + 10)).toEqual({
      ok: true,
    });
    expect(
      verifyRequest(secret, { method: 'POST', path: p, timestamp, orgId, body: body.replace('AF', 'AG') }, expected, Number(timestamp)),
    ).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifyRequest(secret, { method: 'POST', path: p, timestamp, orgId, body }, expected, Number(timestamp) + 301).ok).toBe(false);
    const signer = stripApex(read(path.join(src, 'classes/BatonSigner.cls')));
    expect(read(path.join(src, 'classes/BatonSigner.cls'))).toContain(
      `String.join(new List<String>{ 'v1', method.toUpperCase(), path, timestamp, orgId, bodyHash }, '\\n')`,
    );
    expect(signer).toContain(`Crypto.generateDigest('SHA-256'`.replace(/'[^']*'/g, "''"));
    expect(read(path.join(src, 'classes/BatonSigner.cls'))).toContain(
      `Crypto.generateMac('hmacSHA256', Blob.valueOf(canonical(method, path, timestamp, orgId, body)), EncodingUtil.base64Decode(secretBase64))`,
    );
    expect(read(path.join(src, 'classes/BatonClient.cls'))).toMatch(/X-Baton-Org[\s\S]*X-Baton-Timestamp[\s\S]*X-Baton-Signature/);
  });
});
