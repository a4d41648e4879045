import { createHash } from 'node:crypto';
import type { CardActionRequest } from '../../../app/cards/card-view';
import { ACK_XML } from '../../../connectors/salesforce/client';
import { salesforceModuleWith } from '../../../connectors/salesforce/salesforce.module';
import { outboundMessageXml, startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { modes, startTestService, type TestService } from '../../support/runtime';
import { apiClient, type ApiClient } from '../../support/runs-helpers';
import { describeWith } from '../../support/services';
import { installOrg, sfEnv, sfModules, type StubValues } from './helpers';

jest.setTimeout(120_000);

const PUBLIC_URL = 'https://baton.example.test';
const ORG_B = '00D5e000000ZZ9zEAG';
const URL_SHAPE = new RegExp(`^${PUBLIC_URL.replace(/\./g, '\\.')}/webhooks/salesforce/outbound/([A-Za-z0-9_-]{43})$`);
const FAULT = /<soapenv:Fault>\s*<faultcode>soapenv:Client<\/faultcode>\s*<faultstring>[^<]+<\/faultstring>\s*<\/soapenv:Fault>/;

interface Installed {
  status: number;
  body: { orgId: string; tenantId: string; apiKey?: string; outboundMessageUrl?: string };
}
const tokenOf = (url: string | undefined): string => URL_SHAPE.exec(url ?? '')?.[1] ?? `no token in ${String(url)}`;

for (const { mode, needs } of modes) {
  describeWith(needs, `Salesforce Outbound Message endpoint token (${mode})`, () => {
    let sb: SalesforceSandbox;
    let svc: TestService;
    let a: Installed['body'];
    let b: Installed['body'];
    let apiA: ApiClient;
    let tokenA: string;
    let tokenB: string;
    let n = 0;

    const omEvents = async (): Promise<{ tenant_id: string; source_event_id: string }[]> =>
      (
        await svc.runtime.db.query<{ tenant_id: string; source_event_id: string }>(
          `SELECT tenant_id, source_event_id FROM events WHERE source_event_id LIKE 'om:%' ORDER BY seq`,
        )
      ).rows;
    const message = (orgId: string): string => {
      n += 1;
      return outboundMessageXml({
        orgId,
        notifications: [
          {
            id: `04l5e00000Tk${String(n).padStart(3, '0')}AAJ`,
            sobjectType: 'Lead',
            fields: { Id: '00Q5g00000AbCdEAAF', Email: `lead${n}@example.com` },
          },
        ],
      });
    };
    const post = (path: string, body: string) =>
      fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
    const withToken = (token: string, body: string) => post(`/webhooks/salesforce/outbound/${token}`, body);
    const refusedAndNothingStored = async (send: () => Promise<Response>, reason: RegExp): Promise<void> => {
      const before = (await omEvents()).length;
      const res = await send();
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
      const text = await res.text();
      expect(text).toMatch(FAULT);
      expect(text).toMatch(reason);
      expect((await omEvents()).length).toBe(before);
    };

    beforeAll(async () => {
      sb = await startSalesforceSandbox({ connectHoldMs: 300 });
      const values = new Map<string, StubValues>();
      const acts: { tenantId: string; request: CardActionRequest; source: string }[] = [];
      // No change stream: only Outbound Messages store Salesforce events here.
      const modules = [...sfModules(values, acts).slice(0, 3), salesforceModuleWith({ streams: false })];
      svc = await startTestService(mode, { modules }, { ...sfEnv(sb), PUBLIC_URL });
      const first = (await installOrg(svc.url)) as Installed;
      expect(first.status).toBe(200);
      a = first.body;
      apiA = apiClient(svc.url, a.apiKey ?? '');
      // A second org, installed into its own tenant.
      const options = sb.state.options as { orgId: string };
      options.orgId = ORG_B;
      const second = (await installOrg(svc.url)) as Installed;
      options.orgId = a.orgId;
      expect(second.status).toBe(200);
      b = second.body;
    });
    afterAll(async () => {
      await svc?.stop();
      await sb?.close();
    });

    it('shows the endpoint URL with a fresh 32-byte token once, at install, and keeps only its SHA-256', async () => {
      expect(a.outboundMessageUrl).toMatch(URL_SHAPE);
      expect(b.outboundMessageUrl).toMatch(URL_SHAPE);
      expect(b.tenantId).not.toBe(a.tenantId);
      tokenA = tokenOf(a.outboundMessageUrl);
      tokenB = tokenOf(b.outboundMessageUrl);
      expect(tokenA).not.toBe(tokenB);
      expect(Buffer.from(tokenA, 'base64url')).toHaveLength(32);
      const rows = (
        await svc.runtime.db.query<{ tenant_id: string; org_id: string; token_hash: string }>(
          'SELECT tenant_id, org_id, token_hash FROM salesforce_outbound_tokens WHERE tenant_id = $1',
          [a.tenantId],
        )
      ).rows;
      expect(rows).toEqual([{ tenant_id: a.tenantId, org_id: a.orgId, token_hash: createHash('sha256').update(tokenA).digest('hex') }]);
      expect(JSON.stringify(rows)).not.toContain(tokenA);

      // The admin consents again (the org stays active): the token its Outbound Messages use is kept, and not shown again.
      const again = (await installOrg(svc.url)) as Installed;
      expect(again.status).toBe(200);
      expect(again.body.tenantId).toBe(a.tenantId);
      expect(again.body.outboundMessageUrl).toBeUndefined();
      expect(JSON.stringify(again.body)).not.toContain(tokenA);
    });

    it("acknowledges a message with its org's token with the exact Ack, storing each notification once", async () => {
      const xml = message(a.orgId);
      const res = await withToken(tokenA, xml);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(ACK_XML);
      const again = await withToken(tokenA, xml);
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(ACK_XML);
      const stored = (await omEvents()).filter((e) => e.source_event_id === `om:04l5e00000Tk${String(n).padStart(3, '0')}AAJ`);
      expect(stored).toEqual([{ tenant_id: a.tenantId, source_event_id: `om:04l5e00000Tk${String(n).padStart(3, '0')}AAJ` }]);
      // Org B's token with org B's message lands in tenant B.
      const other = await withToken(tokenB, message(ORG_B));
      expect(other.status).toBe(200);
      expect((await omEvents()).at(-1)?.tenant_id).toBe(b.tenantId);
    });

    it("refuses with a 401 SOAP fault, storing nothing: no token, unknown token, another tenant's token, another org's message", async () => {
      await refusedAndNothingStored(
        () => post('/webhooks/salesforce/outbound', message(a.orgId)),
        new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}/webhooks/salesforce/outbound/&lt;token&gt;`),
      );
      await refusedAndNothingStored(() => withToken('A'.repeat(43), message(a.orgId)), /unknown or rotated Outbound Message token/);
      await refusedAndNothingStored(() => withToken('short', message(a.orgId)), /unknown or rotated Outbound Message token/);
      await refusedAndNothingStored(
        () => withToken(tokenA.slice(0, 42) + (tokenA.endsWith('A') ? 'B' : 'A'), message(a.orgId)),
        /unknown or rotated/,
      );
      // Tenant B's token presented with org A's message (and the other way round).
      await refusedAndNothingStored(() => withToken(tokenB, message(a.orgId)), /not the organization this endpoint token was issued for/);
      await refusedAndNothingStored(() => withToken(tokenA, message(ORG_B)), /not the organization this endpoint token was issued for/);
      // A valid token with an OrganizationId no one installed.
      await refusedAndNothingStored(
        () => withToken(tokenA, message('00D000000000001AAA')),
        /not the organization this endpoint token was issued for/,
      );
    });

    it('answers malformed XML with a valid token with a 400 SOAP fault, never a 5xx', async () => {
      for (const body of [
        message(a.orgId).slice(0, 300),
        '',
        'not xml at all',
        '<a><b/></a>',
        message(a.orgId).replace('<Notification>', '<Notification><Id>\u0000</Id>'),
      ]) {
        const res = await withToken(tokenA, body);
        expect({ body: body.slice(0, 40), status: res.status }).toEqual({ body: body.slice(0, 40), status: 400 });
        expect(await res.text()).toMatch(FAULT);
      }
    });

    it('rotates the token: the new URL is answered once, the old token stops working at once, the new one works', async () => {
      const before = (await omEvents()).length;
      const rotated = await apiA.call<{ outboundMessageUrl: string; orgId: string }>('POST', '/salesforce/outbound-token');
      expect(rotated.status).toBe(201);
      expect(rotated.body.orgId).toBe(a.orgId);
      const fresh = tokenOf(rotated.body.outboundMessageUrl);
      expect(fresh).not.toBe(tokenA);
      await refusedAndNothingStored(() => withToken(tokenA, message(a.orgId)), /unknown or rotated/);
      const ok = await withToken(fresh, message(a.orgId));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe(ACK_XML);
      expect((await omEvents()).length).toBe(before + 1);
      // Tenant B's token is untouched by A's rotation.
      expect((await withToken(tokenB, message(ORG_B))).status).toBe(200);

      // API-key auth, tenant-scoped: no key → 401; a connection of another tenant is not found.
      expect((await fetch(`${svc.url}/api/v1/salesforce/outbound-token`, { method: 'POST' })).status).toBe(401);
      const connB =
        (
          await svc.runtime.db.query<{ id: string }>(`SELECT id FROM connections WHERE tenant_id = $1 AND type = 'salesforce'`, [
            b.tenantId,
          ])
        ).rows[0]?.id ?? 'missing';
      expect((await apiA.call('POST', '/salesforce/outbound-token', { connectionId: connB })).status).toBe(404);
      expect((await withToken(tokenB, message(ORG_B))).status).toBe(200);
      expect((await apiA.call('POST', '/salesforce/outbound-token', { other: 1 })).status).toBe(400);
    });
  });
}
