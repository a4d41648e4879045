import { IdentityResolver } from '../../../app/identity/graph/engine';
import {
  describeLink,
  describeNames,
  describeRecord,
  displayPhone,
  formatProbability,
  identityEvidence,
  maskEmail,
  MAX_EVIDENCE_LENGTH,
  profileRecordLinks,
} from '../../../app/identity/graph/link-evidence';
import { InMemoryGraphStore } from '../../../app/identity/graph/memory-store';
import { OnlineMatcher } from '../../../app/identity/model/online';
import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import type { Provenance, RawIdentifier } from '../../../app/identity/types';

let clock = 0;
const prov = (source: string, recordId: string): Provenance => ({
  source,
  recordId,
  at: new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString(),
});

function setup(matcher?: OnlineMatcher): { resolver: IdentityResolver; store: InMemoryGraphStore } {
  const store = new InMemoryGraphStore();
  let n = 0;
  const resolver = new IdentityResolver({
    store,
    newProfileId: () => `p${++n}`,
    normalizer: new IdentifierNormalizer({ defaultScope: 'portal1' }),
    ...(matcher === undefined ? {} : { matcher }),
  });
  return { resolver, store };
}

async function evidenceOf(store: InMemoryGraphStore, profileId: string) {
  const members = await store.profileMembers(profileId);
  const edges = await store.edgesOf(members.map((m) => m.key));
  return { evidence: identityEvidence(members, edges), links: profileRecordLinks(members, edges) };
}

const hubspotContact = (id: string, extra: RawIdentifier[]): RawIdentifier[] => [
  { type: 'hubspotContactId', value: id, scope: 'portal1' },
  ...extra,
];

describe('display helpers', () => {
  it('formats phones internationally, shortens addresses, names records by system', () => {
    expect(displayPhone('+13035550142')).toBe('+1 303 555 0142');
    expect(displayPhone('447700900123')).toBe('+44 7700 900123');
    expect(maskEmail('joseph.sample@acme.io')).toBe('j…@acme.io');
    expect(maskEmail('j@acme.io')).toBe('j@acme.io');
    expect(describeRecord('rec:hubspot:hubspotContactId:portal1:501')).toBe('HubSpot contact');
    expect(describeRecord('rec:whatsapp:sender:0a1b2c')).toBe('WhatsApp sender');
    expect(describeRecord('rec:salesforce:salesforceId:00D000000000001:00Q5e000001AbCdEAF')).toBe('Salesforce lead');
    expect(describeRecord('rec:zendesk:zendeskUserId:acme:77')).toBe('Zendesk user');
    expect(describeRecord('rec:csv:row-12')).toBe('CSV record');
    expect(formatProbability(0.99964)).toBe('0.999');
    expect(formatProbability(0.998)).toBe('0.998');
  });

  it('describes name agreement: same, nickname, typo, different, missing', () => {
    const end = (firstName?: string, lastName?: string) => ({
      key: 'rec:x:1',
      match: { ...(firstName ? { firstName } : {}), ...(lastName ? { lastName } : {}) },
    });
    expect(describeNames(end('joseph', 'sample'), end('joseph', 'sample'))).toBe('same name');
    expect(describeNames(end('joe'), end('joseph', 'sample'))).toBe('name Joe ≈ Joseph');
    expect(describeNames(end('robrt', 'sample'), end('robert', 'sample'))).toBe('name Robrt ≈ Robert');
    expect(describeNames(end('joe', 'smyth'), end('joseph', 'smith'))).toBe('name Joe Smyth ≈ Joseph Smith');
    expect(describeNames(end('mary'), end('john'))).toBe('name Mary ≠ John');
    expect(describeNames(end(), end('john'))).toBeUndefined();
  });
});

describe('evidence of automatic links, from the graph as resolution left it', () => {
  it('HubSpot contact + WhatsApp sender on the same number: the wa_id joins the CRM phone, nickname Joe ≈ Joseph', async () => {
    const { resolver, store } = setup();
    const hs = await resolver.resolve(
      {
        identifiers: hubspotContact('501', [
          { type: 'email', value: 'Joseph.Sample@acme.io' },
          { type: 'phone', value: '+1 (303) 555-0142' },
        ]),
        traits: { firstName: 'Joseph', lastName: 'Sample' },
      },
      prov('hubspot', 'evt_1'),
      { record: { source: 'hubspot', recordId: 'hubspotContactId:portal1:501' } },
    );
    const wa = await resolver.resolve(
      { identifiers: [{ type: 'whatsapp', value: '13035550142' }], traits: { displayName: 'Joe' } },
      prov('whatsapp', 'evt_2'),
      {
        record: { source: 'whatsapp', recordId: 'sender:abc' },
      },
    );
    expect(wa.profileId).toBe(hs.profileId);
    const { evidence, links } = await evidenceOf(store, hs.profileId);
    expect(links.map((l) => [l.kind, l.from.key, l.to.key])).toEqual([
      ['identifier', 'rec:hubspot:hubspotContactId:portal1:501', 'rec:whatsapp:sender:abc'],
    ]);
    // The wa_id is the same number as the shared phone: said once, as the phone.
    expect(evidence.get('whatsapp::13035550142')).toBe('same phone +1 303 555 0142, name Joe ≈ Joseph · HubSpot contact ↔ WhatsApp sender');
    // Where the profile started has no link to explain.
    expect(evidence.has('email::joseph.sample@acme.io')).toBe(false);
    expect(evidence.has('phone::+13035550142')).toBe(false);
  });

  it('Zendesk user on the same email with a typo in the given name', async () => {
    const { resolver, store } = setup();
    const hs = await resolver.resolve(
      {
        identifiers: hubspotContact('77', [{ type: 'email', value: 'robert.sample@acme.io' }]),
        traits: { firstName: 'Robert', lastName: 'Sample' },
      },
      prov('hubspot', 'evt_1'),
      { record: { source: 'hubspot', recordId: 'hubspotContactId:portal1:77' } },
    );
    const zd = await resolver.resolve(
      {
        identifiers: [
          { type: 'email', value: 'Robert.Sample@ACME.io' },
          { type: 'zendeskUserId', value: '9001', scope: 'acme' },
        ],
        traits: { name: 'Robrt Sample' },
      },
      prov('zendesk', 'evt_2'),
      { record: { source: 'zendesk', recordId: 'zendeskUserId:acme:9001' } },
    );
    expect(zd.profileId).toBe(hs.profileId);
    const { evidence } = await evidenceOf(store, hs.profileId);
    expect(evidence.get('zendeskUserId:acme:9001')).toBe('same email r…@acme.io, name Robrt ≈ Robert · HubSpot contact ↔ Zendesk user');
  });

  it('a sender that brings no new identifier shows its link on the identifier it shares', async () => {
    const { resolver, store } = setup();
    const hs = await resolver.resolve(
      {
        identifiers: hubspotContact('12', [{ type: 'phone', value: '+1 303 555 0199' }]),
        traits: { firstName: 'Joseph', lastName: 'Sample' },
      },
      prov('hubspot', 'evt_1'),
      { record: { source: 'hubspot', recordId: 'hubspotContactId:portal1:12' } },
    );
    await resolver.resolve(
      { identifiers: [{ type: 'phone', value: '+13035550199' }], traits: { name: 'Joseph Sample' } },
      prov('sms', 'evt_2'),
      { record: { source: 'sms', recordId: 'sender:s1' } },
    );
    const { evidence } = await evidenceOf(store, hs.profileId);
    expect(evidence.get('phone::+13035550199')).toBe('same phone +1 303 555 0199, same name · HubSpot contact ↔ SMS sender');
  });

  it('a model link: probability and the fields that agreed, no shared identifier', async () => {
    const { resolver, store } = setup(new OnlineMatcher());
    const traits = { firstName: 'Oluwaseun', lastName: 'Adeyemi-Park', birthDate: '1988-11-02', postcode: '60614', city: 'Chicago' };
    const a = await resolver.resolve(
      { identifiers: hubspotContact('4242', [{ type: 'email', value: 'seun@adeyemi.io' }]), traits },
      prov('hubspot', 'evt_1'),
      {
        record: { source: 'hubspot', recordId: 'hubspotContactId:portal1:4242' },
      },
    );
    const b = await resolver.resolve(
      { identifiers: [{ type: 'email', value: 'oluwaseun.ap@mail.io' }], traits: { ...traits, firstName: 'Oluwasean' } },
      prov('zendesk', 'evt_2'),
      {
        record: { source: 'zendesk', recordId: 'sender:z1' },
      },
    );
    expect(b.profileId).toBe(a.profileId);
    expect(b.onlineLink?.kind).toBe('probabilistic');
    const { evidence, links } = await evidenceOf(store, a.profileId);
    expect(links[0]?.kind).toBe('probabilistic');
    const line = evidence.get('email::oluwaseun.ap@mail.io') ?? '';
    expect(line).toMatch(
      new RegExp(`^model ${formatProbability(b.onlineLink?.probability ?? 0).replace('.', '\\.')}: same birth date, postcode, city`),
    );
    expect(line).toContain('name Oluwasean ≈ Oluwaseun');
    expect(line).toMatch(/ · HubSpot contact ↔ Zendesk sender$/);
    expect(Number(/model (\d\.\d{3})/.exec(line)?.[1])).toBeGreaterThanOrEqual(0.99);
  });

  it('a CRM merge and a household link read as such; lines stay within the card limit', () => {
    const hs = { key: 'rec:hubspot:hubspotContactId:portal1:1', match: { firstName: 'joseph' } };
    const hs2 = { key: 'rec:hubspot:hubspotContactId:portal1:2', match: { firstName: 'joe' } };
    expect(describeLink({ kind: 'crm-merge', from: hs, to: hs2, identifiers: [], source: 'hubspot' })).toBe(
      'merged in HubSpot, name Joe ≈ Joseph · two HubSpot contacts',
    );
    expect(
      describeLink({
        kind: 'household',
        from: hs,
        to: { key: 'rec:sms:sender:x', match: { firstName: 'joey' } },
        identifiers: ['phone::+13035550142'],
      }),
    ).toBe('same phone +1 303 555 0142 (household), name Joey ≈ Joseph · HubSpot contact ↔ SMS sender');
    const long = describeLink({
      kind: 'identifier',
      from: hs,
      to: { key: `rec:${'x'.repeat(300)}:sender:1` },
      identifiers: ['email::a@b.io'],
    });
    expect(long.length).toBeLessThanOrEqual(MAX_EVIDENCE_LENGTH);
  });
});
