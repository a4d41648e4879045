import { createHash } from 'node:crypto';
import { verifyZendeskSignature, zendeskSignature } from '../../../connectors/zendesk/client/signature';
import { twilioSignature, verifyTwilioForm, verifyTwilioJson } from '../../../connectors/twilio/client/signature';
import { verifyHandshake, verifyWhatsAppSignature, whatsappSignature } from '../../../connectors/whatsapp/client/signature';

describe('Zendesk webhook signature (reference 1.2)', () => {
  const secret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
  const timestamp = '2024-03-05T10:00:00Z';
  const body =
    '{"account_id":12345,"detail":{"id":"456789","requester_id":"12345678","status":"NEW"},"event":{},"id":"01HRTEST00000000000000000","subject":"zen:ticket:456789","time":"2024-03-05T10:00:00Z","type":"zen:event-type:ticket.created","zendesk_event_version":"2022-11-06"}';
  const now = Date.parse(timestamp) + 1000;

  it('reproduces the timestamp+body vector with the secret used as a literal string', () => {
    expect(zendeskSignature(secret, timestamp, body)).toBe('H7Dl1Q4WrI4RM7nHH8ROQTPsLUDCIpeE4KIz3TaNwaM=');
    expect(
      verifyZendeskSignature({
        secrets: [secret],
        signature: 'H7Dl1Q4WrI4RM7nHH8ROQTPsLUDCIpeE4KIz3TaNwaM=',
        timestamp,
        rawBody: Buffer.from(body),
        now,
      }),
    ).toEqual({ ok: true });
  });

  it('matches the legacy docs sample only in its documented timestamp+body form, not body+timestamp', () => {
    // Legacy sample (event-connectors page) checks out with body+timestamp; Baton builds on timestamp+body.
    const legacySecret = 'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=';
    expect(zendeskSignature(legacySecret, '2021-07-25T10:00:00Z', '{"say": "hello"}')).toBe('Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=');
  });

  it('refuses a changed body, a wrong secret, a stale or missing timestamp', () => {
    const sig = zendeskSignature(secret, timestamp, body);
    expect(verifyZendeskSignature({ secrets: [secret], signature: sig, timestamp, rawBody: `${body} `, now }).ok).toBe(false);
    expect(verifyZendeskSignature({ secrets: ['other'], signature: sig, timestamp, rawBody: body, now }).ok).toBe(false);
    expect(verifyZendeskSignature({ secrets: [secret], signature: sig, timestamp, rawBody: body, now: now + 10 * 60_000 })).toEqual({
      ok: false,
      reason: 'stale signature timestamp',
    });
    expect(verifyZendeskSignature({ secrets: [secret], signature: sig, timestamp: undefined, rawBody: body, now }).ok).toBe(false);
    expect(verifyZendeskSignature({ secrets: ['old', secret], signature: sig, timestamp, rawBody: body, now }).ok).toBe(true);
  });
});

describe('Twilio request validation (twilio-node spec vectors, reference 3.6)', () => {
  const token = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };

  it('validates the form-parameter vectors, with and without the standard port', () => {
    expect(twilioSignature(token, url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(verifyTwilioForm({ authTokens: [token], signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url }, params)).toBe(true);
    expect(
      verifyTwilioForm(
        { authTokens: [token], signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=', url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2' },
        params,
      ),
    ).toBe(true);
    expect(
      verifyTwilioForm(
        { authTokens: [token], signature: 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', url: 'http://mycompany.com:1234/myapp.php?foo=1&bar=2' },
        params,
      ),
    ).toBe(true);
    // Special characters in the URL: both the current and the legacy (unencoded quote) vectors pass.
    expect(
      verifyTwilioForm({ authTokens: [token], signature: 'TfZzewPq8wqrGlMfyAud8+/IvJ0=', url: `${url}&Body=It's+amazing` }, params),
    ).toBe(true);
    expect(
      verifyTwilioForm({ authTokens: [token], signature: 'dsq4Ehbj6cs+KdTkpF5sSSplOWw=', url: `${url}&Body=It's+amazing` }, params),
    ).toBe(true);
    expect(
      verifyTwilioForm(
        { authTokens: [token], signature: 'CukzLTc1tT5dXEDIHm/tKBanW10=', url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2' },
        params,
      ),
    ).toBe(true);
  });

  it('validates array parameters in any order', () => {
    const sig = '83O6e2vORAoJHUNzJjDWN1jz+BA=';
    expect(
      verifyTwilioForm({ authTokens: [token], signature: sig, url }, { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] }),
    ).toBe(true);
    expect(
      verifyTwilioForm({ authTokens: [token], signature: sig, url }, { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] }),
    ).toBe(true);
    expect(
      verifyTwilioForm(
        { authTokens: [token], signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', url },
        { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] },
      ),
    ).toBe(true);
  });

  it('validates the JSON-body variant (bodySHA256 in the URL, signature over the URL only)', () => {
    const body = '{"property": "value", "boolean": true}';
    const hash = createHash('sha256').update(body).digest('hex');
    expect(hash).toBe('0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620');
    const signed = `${url}&bodySHA256=${hash}`;
    expect(verifyTwilioJson({ authTokens: [token], signature: 'a9nBmqA0ju/hNViExpshrM61xv4=', url: signed }, body)).toBe(true);
    expect(verifyTwilioJson({ authTokens: [token], signature: 'a9nBmqA0ju/hNViExpshrM61xv4=', url: signed }, '{"property": "other"}')).toBe(
      false,
    );
    expect(verifyTwilioJson({ authTokens: [token], signature: 'a9nBmqA0ju/hNViExpshrM61xv4=', url }, body)).toBe(false);
  });

  it('refuses a wrong token, a changed parameter and a missing signature', () => {
    expect(verifyTwilioForm({ authTokens: ['54321'], signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url }, params)).toBe(false);
    expect(verifyTwilioForm({ authTokens: [token], signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url }, { ...params, Digits: '1235' })).toBe(
      false,
    );
    expect(verifyTwilioForm({ authTokens: [token], signature: undefined, url }, params)).toBe(false);
  });
});

describe('WhatsApp Cloud X-Hub-Signature-256 and handshake (reference 4.1, 4.2)', () => {
  const body =
    '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]}}]}]}';

  it('reproduces the reference vectors', () => {
    expect(whatsappSignature('secret', 'test')).toBe('sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914');
    const header = 'sha256=b14bca493d29563fef16a6c5a176f21fab190fe30eac52ad60d9235344617602';
    expect(whatsappSignature('test_app_secret', body)).toBe(header);
    expect(verifyWhatsAppSignature(['test_app_secret'], header, Buffer.from(body))).toBe(true);
  });

  it('refuses re-serialised JSON, another secret and a header without the sha256= prefix', () => {
    const header = whatsappSignature('test_app_secret', body);
    expect(verifyWhatsAppSignature(['test_app_secret'], header, JSON.stringify(JSON.parse(body), null, 1))).toBe(false);
    expect(verifyWhatsAppSignature(['other'], header, body)).toBe(false);
    expect(verifyWhatsAppSignature(['test_app_secret'], header.slice('sha256='.length), body)).toBe(false);
  });

  it('answers the handshake only for subscribe with the configured token', () => {
    expect(verifyHandshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '1158201444' }, 'tok')).toEqual({
      ok: true,
      challenge: '1158201444',
    });
    expect(verifyHandshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' }, 'tok').ok).toBe(false);
    expect(verifyHandshake({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'tok', 'hub.challenge': '1' }, 'tok').ok).toBe(false);
  });
});
