/**
 * Least privilege, checked statically: every custom field, object and Apex class the backend or the
 * package's Apex/LWC uses is granted by the permission set that must grant it, and no more. Fails when
 * a field or class is added without its permission.
 *  - Baton_User (reps): read the Baton fields on Contact/Lead (never edit), the card and Flow classes.
 *  - Baton_Integration (the connected user): edit the Baton fields, read/edit Baton_Key__c on Activity,
 *    create Tasks, View All on the change-event objects, the BatonSecretRest Apex REST class.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import {
  BATON_FIELD_OBJECTS,
  BATON_FIELDS,
  CDC_ENTITIES,
  SECRET_REST_CLASS,
  SECRET_REST_MAPPING,
  TASK_KEY_FIELD,
} from '../../../connectors/salesforce/client';

const src = path.join(__dirname, '../../../extensions/salesforce/force-app/main/default');
const read = (...p: string[]): string => readFileSync(path.join(src, ...p), 'utf8');
const parser = new XMLParser({
  isArray: (name) => ['classAccesses', 'fieldPermissions', 'objectPermissions', 'userPermissions'].includes(name),
});

interface PermissionSet {
  classAccesses?: { apexClass: string; enabled: boolean }[];
  fieldPermissions?: { field: string; readable: boolean; editable: boolean }[];
  objectPermissions?: {
    object: string;
    allowRead: boolean;
    allowEdit: boolean;
    allowCreate: boolean;
    allowDelete: boolean;
    viewAllRecords: boolean;
    modifyAllRecords: boolean;
  }[];
  userPermissions?: { name: string; enabled: boolean }[];
}
const permissionSet = (name: string): PermissionSet =>
  (parser.parse(read('permissionsets', `${name}.permissionset-meta.xml`)) as { PermissionSet: PermissionSet }).PermissionSet;
const user = permissionSet('Baton_User');
const integration = permissionSet('Baton_Integration');
const field = (ps: PermissionSet, name: string) => ps.fieldPermissions?.find((f) => f.field === name);
const classes = (ps: PermissionSet): string[] =>
  (ps.classAccesses ?? [])
    .filter((c) => c.enabled)
    .map((c) => c.apexClass)
    .sort();

/** Every custom field the package declares, as `Object.Field` (the protected custom setting aside: only its Apex touches it). */
const declaredFields = readdirSync(path.join(src, 'objects'))
  .filter((o) => !o.endsWith('__c'))
  .flatMap((o) => readdirSync(path.join(src, 'objects', o, 'fields')).map((f) => `${o}.${f.replace('.field-meta.xml', '')}`))
  .sort();
const apexClasses = readdirSync(path.join(src, 'classes'))
  .filter((f) => f.endsWith('.cls'))
  .map((f) => f.slice(0, -4));
const testClasses = apexClasses.filter((c) => /@IsTest/i.test(read('classes', `${c}.cls`)));
const runtimeClasses = apexClasses.filter((c) => !testClasses.includes(c)).sort();
const lwcApex = readdirSync(path.join(src, 'lwc')).flatMap((c) =>
  readdirSync(path.join(src, 'lwc', c))
    .filter((f) => f.endsWith('.js'))
    .flatMap((f) => [...read('lwc', c, f).matchAll(/@salesforce\/apex\/(?:\w+\.)?(\w+)\.\w+/g)].map((m) => m[1] ?? '')),
);

describe('permission sets (least privilege, complete)', () => {
  it('declares exactly the fields the backend writes', () => {
    const backend = [
      ...BATON_FIELD_OBJECTS.flatMap((o) => Object.values(BATON_FIELDS).map((f) => `${o}.${f}`)),
      `Activity.${TASK_KEY_FIELD}`,
    ].sort();
    expect(declaredFields).toEqual(backend);
  });

  it('Baton_Integration edits every Baton field and the Task key, and nothing else', () => {
    for (const f of declaredFields) expect([f, field(integration, f)?.readable, field(integration, f)?.editable]).toEqual([f, true, true]);
    expect((integration.fieldPermissions ?? []).map((f) => f.field).sort()).toEqual(declaredFields);
  });

  it('Baton_User reads the Baton fields on Contact and Lead and edits none', () => {
    const shown = declaredFields.filter((f) => (BATON_FIELD_OBJECTS as readonly string[]).includes(f.split('.')[0] ?? ''));
    for (const f of shown) expect([f, field(user, f)?.readable, field(user, f)?.editable]).toEqual([f, true, false]);
    expect((user.fieldPermissions ?? []).map((f) => f.field).sort()).toEqual(shown.sort());
    expect(user.objectPermissions ?? []).toEqual([]);
  });

  it('grants every runtime Apex class to exactly one of them: BatonSecretRest to the integration user, the rest to reps', () => {
    expect(runtimeClasses).toContain(SECRET_REST_CLASS);
    expect(read('classes', `${SECRET_REST_CLASS}.cls`)).toContain(`@RestResource(urlMapping='${SECRET_REST_MAPPING}')`);
    expect(classes(integration)).toEqual([SECRET_REST_CLASS]);
    expect(classes(user)).toEqual(runtimeClasses.filter((c) => c !== SECRET_REST_CLASS));
    for (const c of lwcApex) expect([c, classes(user).includes(c)]).toEqual([c, true]);
    expect(lwcApex.length).toBeGreaterThan(0);
    for (const c of [...classes(user), ...classes(integration)]) expect(testClasses).not.toContain(c);
  });

  it('lets the integration user read every change-event object (View All), edit only Contact and Lead, and create Tasks', () => {
    const objects = integration.objectPermissions ?? [];
    expect(objects.map((o) => o.object).sort()).toEqual([...CDC_ENTITIES].sort());
    for (const o of objects) {
      const editable = (BATON_FIELD_OBJECTS as readonly string[]).includes(o.object);
      expect([o.object, o.allowRead, o.viewAllRecords, o.allowEdit, o.allowCreate, o.allowDelete, o.modifyAllRecords]).toEqual([
        o.object,
        true,
        true,
        editable,
        false,
        false,
        false,
      ]);
    }
    const perms = (integration.userPermissions ?? [])
      .filter((p) => p.enabled)
      .map((p) => p.name)
      .sort();
    expect(perms).toEqual(['ApiEnabled', 'EditTask']);
  });
});
