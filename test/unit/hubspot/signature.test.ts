import {
  decodeSignedUri,
  signV1,
  signV2,
  signV3,
  verifyHubSpotRequest,
  type SignedRequest,
} from '../../../connectors/hubspot/client/signature';

// Official vectors (reference §1.4): secret and URL are the SDK tests' fixtures.
const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const URL_ = 'https://www.example.com/webhook_uri';
const SINGLE_QUOTED = "{'example_field':'example_value'}";
const DOUBLE_QUOTED = '{"example_field":"example_value"}';
const V1_BODY =
  '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';

const request = (over: Partial<SignedRequest> & { headers: Record<string, string> }): SignedRequest => ({
  method: 'POST',
  uri: URL_,
  body: SINGLE_QUOTED,
  ...over,
  header: (name) => over.headers[name.toLowerCase()],
});

describe('HubSpot signature v3 (official vectors)', () => {
  it.each([
    ['15000000', 'HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw='],
    ['1693657560000', 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y='],
    ['1700000300000', 'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw='],
  ])('signs the Python/Ruby SDK fixture at timestamp %s', (timestamp, expected) => {
    expect(signV3({ clientSecret: SECRET, method: 'POST', uri: URL_, body: SINGLE_QUOTED, timestamp })).toBe(expected);
  });

  it('signs the double-quoted body vector', () => {
    expect(signV3({ clientSecret: SECRET, method: 'post', uri: URL_, body: DOUBLE_QUOTED, timestamp: '1700000000000' })).toBe(
      'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=',
    );
  });

  it('accepts a fresh, correct signature and refuses tampering, staleness, the future and absence', () => {
    const ts = 1_700_000_300_000;
    const good = { 'x-hubspot-signature-v3': 'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw=', 'x-hubspot-request-timestamp': String(ts) };
    expect(verifyHubSpotRequest(request({ headers: good }), SECRET, ts + 1000)).toEqual({ ok: true, version: 'v3' });
    expect(verifyHubSpotRequest(request({ headers: good, body: `${SINGLE_QUOTED} ` }), SECRET, ts)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyHubSpotRequest(request({ headers: good, uri: `${URL_}/` }), SECRET, ts)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHubSpotRequest(request({ headers: good }), 'another-secret', ts)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHubSpotRequest(request({ headers: good }), SECRET, ts + 300_001)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyHubSpotRequest(request({ headers: good }), SECRET, ts - 120_000)).toEqual({ ok: false, reason: 'future' });
    expect(verifyHubSpotRequest(request({ headers: { ...good, 'x-hubspot-request-timestamp': '1700000300000.0' } }), SECRET, ts)).toEqual({
      ok: false,
      reason: 'malformed_timestamp',
    });
    expect(verifyHubSpotRequest(request({ headers: {} }), SECRET, ts)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyHubSpotRequest(request({ headers: { ...good, 'x-hubspot-signature-v3': 'short' } }), SECRET, ts)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('decodes exactly the listed percent-encodings before hashing', () => {
    expect(decodeSignedUri('https://x.io/a%3Ab%2Fc%3Fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm?q=%20%26%3D')).toBe(
      "https://x.io/a:b/c?d@e!f$g'h(i)j*k,l;m?q=%20%26%3D",
    );
    expect(decodeSignedUri('https://x.io/%3a')).toBe('https://x.io/:');
    const ts = '1700000000000';
    const signed = signV3({ clientSecret: SECRET, method: 'GET', uri: 'https://x.io/cards?email=a%40b.io', body: '', timestamp: ts });
    expect(signed).toBe(signV3({ clientSecret: SECRET, method: 'GET', uri: 'https://x.io/cards?email=a@b.io', body: '', timestamp: ts }));
    const headers = { 'x-hubspot-signature-v3': signed, 'x-hubspot-request-timestamp': ts };
    expect(
      verifyHubSpotRequest(request({ method: 'GET', uri: 'https://x.io/cards?email=a%40b.io', body: '', headers }), SECRET, Number(ts)).ok,
    ).toBe(true);
  });
});

describe('HubSpot signatures v1 and v2 (official vectors)', () => {
  it('v1 and v2 match the Node SDK fixtures', () => {
    expect(signV1({ clientSecret: SECRET, body: V1_BODY })).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
    expect(signV2({ clientSecret: SECRET, method: 'GET', uri: URL_, body: '' })).toBe(
      'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e',
    );
    expect(signV2({ clientSecret: SECRET, method: 'POST', uri: URL_, body: DOUBLE_QUOTED })).toBe(
      '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900',
    );
  });

  it('v1 and v2 match the Python SDK fixtures', () => {
    expect(signV1({ clientSecret: SECRET, body: SINGLE_QUOTED })).toBe('69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750');
    expect(signV2({ clientSecret: SECRET, method: 'POST', uri: URL_, body: SINGLE_QUOTED })).toBe(
      '4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383',
    );
  });

  it('accepts v2 only when allowed and only without v3 headers', () => {
    const headers = {
      'x-hubspot-signature': '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900',
      'x-hubspot-signature-version': 'v2',
    };
    const req = request({ body: DOUBLE_QUOTED, headers });
    expect(verifyHubSpotRequest(req, SECRET, Date.now())).toEqual({ ok: false, reason: 'missing' });
    expect(verifyHubSpotRequest(req, SECRET, Date.now(), { allowV2: true })).toEqual({ ok: true, version: 'v2' });
    const withBadV3 = request({
      body: DOUBLE_QUOTED,
      headers: { ...headers, 'x-hubspot-signature-v3': 'bad', 'x-hubspot-request-timestamp': String(Date.now()) },
    });
    expect(verifyHubSpotRequest(withBadV3, SECRET, Date.now(), { allowV2: true })).toEqual({ ok: false, reason: 'mismatch' });
  });
});
