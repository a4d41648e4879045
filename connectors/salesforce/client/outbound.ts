import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CanonicalEvent } from '../../../app/events/canonical-event';
import { canonicalOf } from './normalize';

/** Outbound Message SOAP (namespace http://soap.sforce.com/2005/09/outbound); at most 100 notifications. */
export const MAX_NOTIFICATIONS = 100;

/** The exact acknowledgement Salesforce waits for; anything else and it retries for 24 hours. */
export const ACK_XML = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
 <soapenv:Body>
  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
   <Ack>true</Ack>
  </notificationsResponse>
 </soapenv:Body>
</soapenv:Envelope>`;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A SOAP 1.1 fault (`soapenv:Client` with HTTP 400 for a malformed message or 401 for a refused token or
 * org, `soapenv:Server` with HTTP 500): Salesforce keeps the message queued and retries it for 24 hours.
 */
export function soapFault(faultCode: 'soapenv:Client' | 'soapenv:Server', message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
 <soapenv:Body>
  <soapenv:Fault>
   <faultcode>${faultCode}</faultcode>
   <faultstring>${esc(message)}</faultstring>
  </soapenv:Fault>
 </soapenv:Body>
</soapenv:Envelope>`;
}

export interface OutboundNotification {
  readonly id: string;
  readonly objectType: string;
  readonly fields: Record<string, string | null>;
}

export interface OutboundMessage {
  readonly organizationId: string;
  readonly actionId: string;
  readonly notifications: readonly OutboundNotification[];
}

export class OutboundMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundMessageError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name, jpath) => name === 'Notification' && String(jpath).endsWith('notifications.Notification'),
});

const text = (v: unknown): string | null => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o['@_nil'] === 'true') return null;
    if (typeof o['#text'] === 'string') return o['#text'];
  }
  return null;
};

/** Parses and validates an envelope; throws OutboundMessageError with a reason a person can act on. */
export function parseOutboundMessage(xml: string): OutboundMessage {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new OutboundMessageError(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const doc = parser.parse(xml) as Record<string, unknown>;
  const body = (doc['Envelope'] as Record<string, unknown> | undefined)?.['Body'] as Record<string, unknown> | undefined;
  const n = body?.['notifications'] as Record<string, unknown> | undefined;
  if (n === undefined) throw new OutboundMessageError('not an Outbound Message: no soapenv:Envelope/soapenv:Body/notifications element');
  const organizationId = text(n['OrganizationId']);
  if (organizationId === null || !/^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$/.test(organizationId))
    throw new OutboundMessageError('OrganizationId is missing or not an organisation id');
  const list = (n['Notification'] as unknown[] | undefined) ?? [];
  if (list.length === 0) throw new OutboundMessageError('the message carries no Notification');
  if (list.length > MAX_NOTIFICATIONS)
    throw new OutboundMessageError(`at most ${MAX_NOTIFICATIONS} notifications per message, got ${list.length}`);
  const notifications = list.map((raw, i) => {
    const note = raw as Record<string, unknown>;
    const id = text(note['Id']);
    const sobject = note['sObject'] as Record<string, unknown> | undefined;
    if (id === null || sobject === undefined) throw new OutboundMessageError(`Notification ${i + 1} lacks an Id or an sObject`);
    const objectType = String(sobject['@_type'] ?? '').replace(/^[^:]*:/, '');
    const fields: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(sobject)) if (!k.startsWith('@_')) fields[k] = text(v);
    if (objectType === '' || fields['Id'] === null || fields['Id'] === undefined)
      throw new OutboundMessageError(`Notification ${id} has no sObject type or record Id`);
    return { id, objectType, fields };
  });
  return { organizationId, actionId: text(n['ActionId']) ?? '', notifications };
}

/** One canonical event per notification, deduplicated on the notification Id. */
export function outboundToCanonical(orgId: string, message: OutboundMessage, receivedAt: Date): CanonicalEvent[] {
  return message.notifications.map((n) => {
    const modified = n.fields['LastModifiedDate'] ?? n.fields['SystemModstamp'];
    const at =
      modified !== null && modified !== undefined && !Number.isNaN(Date.parse(modified))
        ? new Date(modified).toISOString()
        : receivedAt.toISOString();
    return canonicalOf({
      orgId,
      entity: n.objectType,
      recordId: n.fields['Id'] ?? '',
      change: 'updated',
      occurredAt: at,
      fields: n.fields,
      sourceEventId: `om:${n.id}`,
      via: 'outbound_message',
    });
  });
}
