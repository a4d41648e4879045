/** Outbound Message SOAP envelopes as Salesforce posts them (namespace http://soap.sforce.com/2005/09/outbound). */
export interface OutboundNotification {
  /** The notification id (dedupe key), 18 characters starting 04l. */
  readonly id: string;
  readonly sobjectType: string;
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function outboundMessageXml(input: {
  orgId: string;
  actionId?: string;
  instanceUrl?: string;
  notifications: readonly OutboundNotification[];
}): string {
  const instance = input.instanceUrl ?? 'https://sandbox.my.salesforce.com';
  const notes = input.notifications
    .map((n) => {
      const fields = Object.entries(n.fields)
        .map(([k, v]) => (v === null ? `<sf:${k} xsi:nil="true"/>` : `<sf:${k}>${esc(String(v))}</sf:${k}>`))
        .join('\n     ');
      return `   <Notification>
    <Id>${esc(n.id)}</Id>
    <sObject xsi:type="sf:${esc(n.sobjectType)}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     ${fields}
    </sObject>
   </Notification>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${esc(input.orgId)}</OrganizationId>
   <ActionId>${esc(input.actionId ?? '04k5e000000CaRkAAK')}</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>${esc(instance)}/services/Soap/c/66.0/${esc(input.orgId.slice(0, 15))}</EnterpriseUrl>
   <PartnerUrl>${esc(instance)}/services/Soap/u/66.0/${esc(input.orgId.slice(0, 15))}</PartnerUrl>
${notes}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;
}
