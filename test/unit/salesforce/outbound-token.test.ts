import { createHash } from 'node:crypto';
import { soapFault } from '../../../connectors/salesforce/client';
import {
  hashOutboundToken,
  looksLikeOutboundToken,
  newOutboundToken,
  outboundUrl,
} from '../../../connectors/salesforce/outbound-token.repository';

describe('Salesforce Outbound Message endpoint tokens', () => {
  it('are 32 random bytes in base64url, hashed with SHA-256, and put in the endpoint URL', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => newOutboundToken()));
    expect(tokens.size).toBe(50);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
      expect(looksLikeOutboundToken(t)).toBe(true);
      expect(hashOutboundToken(t)).toBe(createHash('sha256').update(t).digest('hex'));
    }
    const t = [...tokens][0] ?? '';
    expect(outboundUrl('https://baton.example', t)).toBe(`https://baton.example/webhooks/salesforce/outbound/${t}`);
    for (const bad of ['', 'short', `${t}x`, `${t.slice(0, 42)}=`, `${t.slice(0, 42)}/`]) expect(looksLikeOutboundToken(bad)).toBe(false);
  });

  it('refusals use the SOAP fault Salesforce expects, escaped', () => {
    expect(soapFault('soapenv:Client', 'set the URL to https://x/webhooks/salesforce/outbound/<token>')).toMatch(
      /<soapenv:Body>\s*<soapenv:Fault>\s*<faultcode>soapenv:Client<\/faultcode>\s*<faultstring>set the URL to https:\/\/x\/webhooks\/salesforce\/outbound\/&lt;token&gt;<\/faultstring>\s*<\/soapenv:Fault>/,
    );
  });
});
