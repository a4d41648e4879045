/**
 * `POST /webhooks/salesforce/outbound/:token`: Outbound Message SOAP envelopes (up to 100 notifications).
 * Outbound Messages carry no signature and the OrganizationId is not a secret, so each org's endpoint URL
 * holds a random per-org token (outbound-token.repository.ts; shown at install, rotatable with
 * `POST /api/v1/salesforce/outbound-token`). A request is accepted only when the token is a current one,
 * the envelope's OrganizationId is the org that token was issued for, and that org is an active
 * installation of the token's tenant; anything else is a 401 SOAP fault (soapenv:Client) and nothing is
 * stored. The token is checked before the body is parsed. Every notification is stored as a canonical
 * event (deduplicated on its notification Id) BEFORE the exact `Ack` body is returned. Malformed or
 * unexpected XML gets a 400 SOAP fault, never a crash or a 5xx; only a failure to store is a 500
 * (soapenv:Server). Salesforce retries any non-200 for 24 hours. The old path without a token answers
 * 401 with a fault naming the new URL shape, so an admin who did not update the endpoint sees why.
 */
import express, { Router } from 'express';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { ACK_XML, OutboundMessageError, outboundToCanonical, parseOutboundMessage, soapFault } from './client';
import type { Database, Logger } from '../../server/platform';
import type { SalesforceInstallations } from './installations';
import { OUTBOUND_BASE_PATH, outboundTokenOwner } from './outbound-token.repository';
import { systemClock } from '../../app/shared/clock';

export const OUTBOUND_PATH = OUTBOUND_BASE_PATH;

const sameOrg = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);

export function outboundRoutes(deps: {
  db: Database;
  logger: Logger;
  installations: SalesforceInstallations;
  ingest: (tenantId: string, events: readonly CanonicalEvent[]) => Promise<void>;
  /** PUBLIC_URL, to name the endpoint's URL shape in the fault of the old token-less path. */
  publicUrl: string;
}): Router {
  const router = Router();
  const fault = (res: express.Response, status: number, code: 'soapenv:Client' | 'soapenv:Server', message: string): void => {
    res.status(status).type('text/xml; charset=utf-8').send(soapFault(code, message));
  };
  const refused = (res: express.Response, message: string): void => fault(res, 401, 'soapenv:Client', message);

  // The same body limit as the tokened path (413 for an oversized body, like every webhook).
  const body = express.text({ type: () => true, limit: '5mb' });
  router.post(OUTBOUND_PATH, body, (_req, res) => {
    refused(
      res,
      `this endpoint needs the organization's token: set the Outbound Message endpoint URL to ${deps.publicUrl}${OUTBOUND_PATH}/<token> (the URL shown at install; POST /api/v1/salesforce/outbound-token issues a new one)`,
    );
  });

  router.post(`${OUTBOUND_PATH}/:token`, body, async (req, res) => {
    const owner = await outboundTokenOwner(deps.db, String(req.params['token'] ?? ''));
    if (owner === undefined) {
      deps.logger.info('refused a Salesforce outbound message with an unknown token');
      refused(
        res,
        `unknown or rotated Outbound Message token: set the endpoint URL to the current ${deps.publicUrl}${OUTBOUND_PATH}/<token>`,
      );
      return;
    }
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
        deps.logger.info({ reason: err.message, orgId: owner.orgId }, 'refused a malformed Salesforce outbound message');
        fault(res, 400, 'soapenv:Client', err.message);
        return;
      }
      throw err;
    }
    if (!sameOrg(message.organizationId, owner.orgId)) {
      deps.logger.warn(
        { tenantId: owner.tenantId, orgId: owner.orgId, claimed: message.organizationId },
        "refused a Salesforce outbound message: OrganizationId is not the token's org",
      );
      refused(res, `organization ${message.organizationId} is not the organization this endpoint token was issued for`);
      return;
    }
    const install = await deps.installations.byOrg(deps.db, owner.orgId);
    if (install === undefined || install.status !== 'active' || install.tenantId !== owner.tenantId) {
      refused(res, `organization ${message.organizationId} has no active Baton installation`);
      return;
    }
    try {
      await deps.ingest(install.tenantId, outboundToCanonical(install.orgId, message, new Date(systemClock.now())));
    } catch (err) {
      deps.logger.error({ err, orgId: install.orgId }, 'could not store a Salesforce outbound message');
      fault(res, 500, 'soapenv:Server', 'the message could not be stored; Salesforce will retry it');
      return;
    }
    res.status(200).type('text/xml; charset=utf-8').send(ACK_XML);
  });
  return router;
}
