import type { CanonicalEvent, Identifier } from '../../../app/events/canonical-event';
import { isValidTimeZone } from '../../../app/shared/time-zone';
import { regionTimeZone } from '../../../app/shared/region-time-zone';
import { bareName } from './fields';
import { BATON_CLIENT_TAG, CDC_ENTITIES, type CdcEntity } from './version';

/** A Change Data Capture message: header and fields (as the Pub/Sub client decodes them) and the replay id as text. */
export interface ChangeEventMessage {
  readonly schema?: string;
  readonly payload: Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader };
  /** The replay id: decimal for Salesforce's 8-byte ids (the number CometD showed), so event ids stay the same. */
  readonly event: { readonly replayId: number | string };
}

export interface ChangeEventHeader {
  readonly entityName: string;
  readonly recordIds: readonly string[];
  readonly changeType: string;
  readonly changeOrigin?: string;
  readonly transactionKey?: string;
  readonly sequenceNumber?: number;
  readonly commitTimestamp: number;
  readonly commitUser?: string;
  readonly changedFields?: readonly string[];
}

const CHANGE_TYPE: Readonly<Record<string, string>> = { CREATE: 'created', UPDATE: 'updated', DELETE: 'deleted', UNDELETE: 'undeleted' };

/** True when the change was made by Baton itself (tagged `client=Baton` on the REST call). */
export function isEcho(header: ChangeEventHeader): boolean {
  return new RegExp(`;client=${BATON_CLIENT_TAG}(?:$|[;,\\s])`).test(header.changeOrigin ?? '');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/**
 * Fields carried into `properties.fields`: primitives only, and no long texts. The Baton package's own
 * fields go by their bare names (`Baton_Stage__c`) whatever namespace the org installed the package with,
 * so journey rules read them the same way in every org.
 */
function plainFields(fields: Record<string, unknown>, namespace: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(flattenAddresses(fields))) {
    if (k === 'ChangeEventHeader' || k === 'attributes' || v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean') out[bareName(k, namespace)] = v;
    else if (typeof v === 'string' && v.length <= 1000) out[bareName(k, namespace)] = v;
  }
  return out;
}

/**
 * Change events nest an address's components in its compound field (`MailingAddress: { State, Country }`,
 * a Lead's `Address: { State }`); records and Outbound Messages name them flat (`MailingState`, `State`).
 * Flattened here so every source gives the same field names.
 */
export function flattenAddresses(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const m = /^(\w*)Address$/.exec(k);
    if (m === null || v === null || typeof v !== 'object' || Array.isArray(v)) {
      out[k] = v;
      continue;
    }
    for (const [part, value] of Object.entries(v as Record<string, unknown>)) out[`${m[1] ?? ''}${part}`] = value;
  }
  return out;
}

/** `MailingAddress.State` (a changed component of a compound field) → `MailingState`. */
export const flatFieldName = (name: string): string => name.replace(/^(\w*)Address\.(\w+)$/, '$1$2');

/** Who a record is about: the record itself, plus its person fields and related contact. */
function identifiersOf(orgId: string, entity: string, recordId: string, fields: Record<string, unknown>): Identifier[] {
  const ids: Identifier[] = [{ type: 'salesforceId', value: recordId, scope: orgId }];
  const contactId = str(fields['ContactId']);
  if ((entity === 'Case' || entity === 'Opportunity') && contactId !== undefined)
    ids.push({ type: 'salesforceId', value: contactId, scope: orgId });
  for (const f of ['Email', 'SuppliedEmail', 'PersonEmail']) {
    const v = str(fields[f]);
    if (v !== undefined) ids.push({ type: 'email', value: v });
  }
  for (const f of ['Phone', 'MobilePhone', 'SuppliedPhone']) {
    const v = str(fields[f]);
    if (v !== undefined && entity !== 'Account') ids.push({ type: 'phone', value: v });
  }
  return ids;
}

function traitsOf(fields: Record<string, unknown>): Record<string, string> {
  const t: Record<string, string> = {};
  const map: Record<string, string> = {
    FirstName: 'firstName',
    LastName: 'lastName',
    Company: 'company',
    Title: 'title',
    SuppliedName: 'fullName',
  };
  for (const [f, trait] of Object.entries(map)) {
    const v = str(fields[f]);
    if (v !== undefined) t[trait] = v;
  }
  return t;
}

/** The record's own stage-like field, for journey rules (Lead Status, Opportunity StageName, Case Status). */
function stageOf(entity: string, fields: Record<string, unknown>): string | undefined {
  return str(entity === 'Opportunity' ? fields['StageName'] : entity === 'Lead' || entity === 'Case' ? fields['Status'] : undefined);
}

export interface RecordChange {
  readonly orgId: string;
  readonly entity: string;
  readonly recordId: string;
  /** created | updated | deleted | undeleted */
  readonly change: string;
  readonly occurredAt: string;
  readonly fields: Record<string, unknown>;
  /** Unique per source: replay-, notification- or resync-based. */
  readonly sourceEventId: string;
  readonly via: 'cdc' | 'outbound_message' | 'resync';
  readonly changedFields?: readonly string[];
  /** The org's Baton package namespace ('' none); its fields are reported by their bare names. */
  readonly namespace?: string;
}

/** A record change as Baton's canonical event (source `salesforce`, ids scoped by org). */
export function canonicalOf(c: RecordChange): CanonicalEvent {
  const stage = stageOf(c.entity, c.fields);
  const description = str(c.fields['Description']);
  return {
    id: c.sourceEventId,
    source: 'salesforce',
    type: `${c.entity.toLowerCase()}.${c.change}`,
    occurredAt: c.occurredAt,
    subject: { identifiers: identifiersOf(c.orgId, c.entity, c.recordId, c.fields), traits: traitsOf(c.fields) },
    ...(c.entity === 'Case' && description !== undefined ? { text: description.slice(0, 20_000) } : {}),
    properties: {
      orgId: c.orgId,
      objectType: c.entity,
      recordId: c.recordId,
      via: c.via,
      fields: plainFields(c.fields, c.namespace ?? ''),
      ...(c.changedFields === undefined
        ? {}
        : { changedFields: c.changedFields.map((f) => bareName(flatFieldName(f), c.namespace ?? '')) }),
      ...(stage === undefined ? {} : { recordStage: stage }),
    },
  };
}

/**
 * A CDC message as canonical events (one per record id; merged changes carry several). Echoes of
 * Baton's own writes return `[]`; gap events become plain updates (the record changed, details unknown).
 */
export function changeEventToCanonical(orgId: string, message: ChangeEventMessage, namespace = ''): CanonicalEvent[] {
  const h = message.payload.ChangeEventHeader;
  if (isEcho(h)) return [];
  const entity = h.entityName;
  const gap = h.changeType.startsWith('GAP_');
  const change = CHANGE_TYPE[gap ? h.changeType.slice(4) : h.changeType] ?? 'updated';
  const { ChangeEventHeader: _h, ...fields } = message.payload;
  return h.recordIds
    .filter((id) => !id.includes('*'))
    .map((recordId) =>
      canonicalOf({
        orgId,
        entity,
        recordId,
        change,
        occurredAt: new Date(h.commitTimestamp).toISOString(),
        fields,
        sourceEventId: `cdc:${entity}:${message.event.replayId}:${recordId}`,
        via: 'cdc',
        namespace,
        ...(h.changedFields === undefined ? {} : { changedFields: h.changedFields }),
      }),
    );
}

export const isCdcEntity = (name: string): name is CdcEntity => (CDC_ENTITIES as readonly string[]).includes(name);
export const channelOf = (entity: CdcEntity): string => `/data/${entity}ChangeEvent`;

/** Per-org settings for what a Contact/Lead says about reaching the person (validated where they are set). */
export interface PersonFactSettings {
  /** The org's Baton package namespace ('' none): a configured package field may be named either way. */
  readonly namespace?: string;
  /** A field holding the person's IANA time zone (e.g. `Time_Zone__c`); null/undefined: none configured. */
  readonly timeZoneField?: string | null;
}

/** Fields a re-synchronising query should read so that opt-outs and the time zone reach Baton. */
export function personFactFields(entity: 'Contact' | 'Lead', timeZoneField?: string | null): string[] {
  const address = entity === 'Contact' ? ['MailingCountry', 'MailingState'] : ['Country', 'State'];
  return ['HasOptedOutOfEmail', 'DoNotCall', ...address, ...(timeZoneField === undefined || timeZoneField === null ? [] : [timeZoneField])];
}

/** An IANA zone in a field's value: `Europe/Paris`, or inside a label such as `(GMT+01:00) Central European Time (Europe/Paris)`. */
export function timeZoneOfValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v !== '' && isValidTimeZone(v) && /^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+$|^UTC$/.test(v)) return v;
  const inner = /\(([A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)\)/.exec(v)?.[1];
  return inner !== undefined && isValidTimeZone(inner) ? inner : undefined;
}

/**
 * The person's time zone from a Contact/Lead's fields: the org's configured time-zone field when it holds
 * a zone, else the mailing country/state (Contact) or country/state (Lead), through the region tables.
 * `source` names the field it came from. Undefined when neither tells (Baton then uses the tenant default).
 */
export function recordTimeZone(
  entity: string,
  fields: Readonly<Record<string, unknown>>,
  settings: PersonFactSettings = {},
): { timeZone: string; source: string } | undefined {
  const configured = settings.timeZoneField ?? undefined;
  if (configured !== undefined) {
    const bare = bareName(configured, settings.namespace ?? '');
    const zone = timeZoneOfValue(fields[bare]) ?? timeZoneOfValue(fields[configured]);
    if (zone !== undefined) return { timeZone: zone, source: `salesforce:${entity}.${bare}` };
  }
  const prefix = entity === 'Contact' ? 'Mailing' : entity === 'Lead' ? '' : undefined;
  if (prefix === undefined) return undefined;
  const text = (f: string): string | undefined =>
    typeof fields[f] === 'string' && (fields[f] as string).trim() !== '' ? (fields[f] as string) : undefined;
  const country = text(`${prefix}CountryCode`) ?? text(`${prefix}Country`);
  const state = text(`${prefix}StateCode`) ?? text(`${prefix}State`);
  const found = regionTimeZone(country, state);
  if (found === undefined) return undefined;
  return { timeZone: found.timeZone, source: `salesforce:${entity}.${prefix}${found.from === 'state' ? 'State' : 'Country'}` };
}

/**
 * What a Contact/Lead change says about reaching the person, as Baton facts:
 * - the record's event gets the `timeZone` trait (and `timeZoneSource`) when the record tells one;
 * - `HasOptedOutOfEmail` true (or "true" in an Outbound Message) becomes a `consent.updated` opt-out of email, `DoNotCall` true an opt-out
 *   of sms and whatsapp (Baton has no call channel of its own; the Salesforce port checks call tasks);
 * - a flag turned off (a change event listing it among the changed fields, false now) lifts that
 *   opt-out to `unknown`: Salesforce no longer forbids it, which is not an opt-in. A full snapshot with
 *   the flag off (a resync, an Outbound Message) says nothing about consent, so another source's
 *   opt-in or opt-out stands.
 * Other events pass through unchanged. Consent events carry the record's identifiers and ids derived
 * from the record event's (same redelivery, same ids: stored once).
 */
export function withPersonFacts(event: CanonicalEvent, settings: PersonFactSettings = {}): CanonicalEvent[] {
  const props = event.properties ?? {};
  const entity = props['objectType'];
  if (event.source !== 'salesforce' || (entity !== 'Contact' && entity !== 'Lead') || event.type.endsWith('.deleted')) return [event];
  const fields = (props['fields'] ?? {}) as Record<string, unknown>;
  const changed = Array.isArray(props['changedFields']) ? (props['changedFields'] as unknown[]).map(String) : undefined;
  const zone = recordTimeZone(entity, fields, settings);
  const main: CanonicalEvent =
    zone === undefined
      ? event
      : {
          ...event,
          subject: { ...event.subject, traits: { ...event.subject.traits, timeZone: zone.timeZone, timeZoneSource: zone.source } },
        };
  const facts: CanonicalEvent[] = [];
  const consent = (flag: string, channels: readonly string[]): void => {
    const v = fields[flag];
    // Outbound Messages carry checkboxes as xsd:boolean text.
    const status =
      v === true || v === 'true'
        ? 'opted_out'
        : v === false && props['via'] === 'cdc' && changed?.includes(flag) === true
          ? 'unknown'
          : undefined;
    if (status === undefined) return;
    for (const channel of channels) {
      facts.push({
        id: `${event.id ?? `${String(props['recordId'])}:${event.occurredAt}`}:consent:${channel}`,
        source: 'salesforce',
        type: 'consent.updated',
        occurredAt: event.occurredAt,
        subject: { identifiers: event.subject.identifiers, traits: {} },
        properties: {
          channel,
          status,
          field: flag,
          orgId: props['orgId'],
          objectType: entity,
          recordId: props['recordId'],
          via: props['via'],
        },
      });
    }
  };
  consent('HasOptedOutOfEmail', ['email']);
  consent('DoNotCall', ['sms', 'whatsapp']);
  return [main, ...facts];
}
