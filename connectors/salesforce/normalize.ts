import type { CanonicalEvent, Identifier } from '../../app/events/canonical-event';
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
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'ChangeEventHeader' || k === 'attributes' || v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean') out[bareName(k, namespace)] = v;
    else if (typeof v === 'string' && v.length <= 1000) out[bareName(k, namespace)] = v;
  }
  return out;
}

/** Who a record is about: the record itself, plus its person fields and related contact. */
function identifiersOf(orgId: string, entity: string, recordId: string, fields: Record<string, unknown>): Identifier[] {
  const ids: Identifier[] = [{ type: 'salesforceId', value: recordId, scope: orgId }];
  const contactId = str(fields['ContactId']);
  if ((entity === 'Case' || entity === 'Opportunity') && contactId !== undefined) ids.push({ type: 'salesforceId', value: contactId, scope: orgId });
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
  const map: Record<string, string> = { FirstName: 'firstName', LastName: 'lastName', Company: 'company', Title: 'title', SuppliedName: 'fullName' };
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
      ...(c.changedFields === undefined ? {} : { changedFields: c.changedFields.map((f) => bareName(f, c.namespace ?? '')) }),
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
