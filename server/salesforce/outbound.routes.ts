/**
 * `POST /webhooks/salesforce/outbound`: Outbound Message SOAP envelopes (up to 100 notifications). The
 * envelope is parsed with fast-xml-parser; the organisation id must be an active installation (there is
 * no signature on outbound messages, so this is the authenticity check); every notification is stored
 * as a canonical event (deduplicated on its notification Id) BEFORE the exact `Ack` body is returned.
 * Malformed or unexpected XML gets a 400 SOAP fault (soapenv:Client), never a crash or a 5xx; only a
 * failure to store is a 500 (soapenv:Server). Salesforce retries any non-200 for 24 hours.
 */
import express, { Router } from 'express';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { ACK_XML, OutboundMessageError, outboundToCanonical, parseOutboundMessage, soapFault } from '../../connectors/salesforce';
import type { Database } from '../db/database';
import type { Logger } from '../observability/logger';
import type { SalesforceInstallations } from './installations';

export const OUTBOUND_PATH = '/webhooks/salesforce/outbound';

export function outboundRoutes(deps: {
  db: Database;
  logger: Logger;
  installations: SalesforceInstallations;
  ingest: (tenantId: string, events: readonly CanonicalEvent[]) => Promise<void>;
}): Router {
  const router = Router();
  const fault = (res: express.Response, status: number, code: 'soapenv:Client' | 'soapenv:Server', message: string): void => {
    res.status(status).type('text/xml; charset=utf-8').send(soapFault(code, message));
  };
  router.post(OUTBOUND_PATH, express.text({ type: () => true, limit: '5mb' }), async (req, res) => {
    const xml = typeof req.body === 'string' ? req.body : '';
    if (xml.includes('\u0000')) {
      fault(res, 400, 'soapenv:Client', 'the message contains a NUL character, which no field accepts');
      return;
    }
    let message;
    try {
      message = parseOutboundMessage(xml);
    } catch (err) {
      if (err instanceof OutboundMessageError) {
        deps.logger.info({ reason: err.message }, 'refused a malformed Salesforce outbound message');
        fault(res, 400, 'soapenv:Client', err.message);
        return;
      }
      throw err;
    }
    const install = await deps.installations.byOrg(deps.db, message.organizationId);
    if (install === undefined || install.status !== 'active') {
      fault(res, 401, 'soapenv:Client', `organization ${message.organizationId} has no active Baton installation`);
      return;
    }
    try {
      await deps.ingest(install.tenantId, outboundToCanonical(install.orgId, message, new Date()));
    } catch (err) {
      deps.logger.error({ err, orgId: install.orgId }, 'could not store a Salesforce outbound message');
      fault(res, 500, 'soapenv:Server', 'the message could not be stored; Salesforce will retry it');
      return;
    }
    res.status(200).type('text/xml; charset=utf-8').send(ACK_XML);
  });
  return router;
}
