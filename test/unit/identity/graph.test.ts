import { IdentityResolver } from '../../../app/identity/graph/engine';
import { InMemoryGraphStore } from '../../../app/identity/graph/memory-store';
import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import type { Provenance, RawIdentifier } from '../../../app/identity/types';

function setup(): { resolver: IdentityResolver; store: InMemoryGraphStore } {
  const store = new InMemoryGraphStore();
  let n = 0;
  const resolver = new IdentityResolver({
    store,
    newProfileId: () => `p${++n}`,
    normalizer: new IdentifierNormalizer({ defaultRegion: 'US', defaultScope: 'portal1' }),
  });
  return { resolver, store };
}

let clock = 0;
const at = (): string => new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString();
const prov = (source: string, recordId: string): Provenance => ({ source, recordId, at: at() });
const email = (value: string): RawIdentifier => ({ type: 'email', value });
const phone = (value: string): RawIdentifier => ({ type: 'phone', value });
const hubspot = (value: string): RawIdentifier => ({ type: 'hubspotContactId', value });

describe('deterministic linking', () => {
  it('creates a profile, then links records sharing a normalized identifier', async () => {
    const { resolver } = setup();
    const a = await resolver.resolve(
      { identifiers: [hubspot('1'), email('Jane.Doe@gmail.com')], traits: { firstName: 'Jane' } },
      prov('hubspot', 'c1'),
    );
    expect(a.created).toBe(true);
    const b = await resolver.resolve({ identifiers: [email('janedoe+promo@googlemail.com'), phone('(415) 555-0134')] }, prov('form', 'f1'));
    expect(b.profileId).toBe(a.profileId);
    expect(b.created).toBe(false);
    expect(b.linked).toEqual(expect.arrayContaining(['email::janedoe@gmail.com', 'phone::+14155550134']));
    const c = await resolver.resolve({ identifiers: [{ type: 'whatsapp', value: '14155550134' }] }, prov('whatsapp', 'm1'));
    expect(c.profileId).toBe(a.profileId);
  });

  it('merges two profiles when one record carries identifiers of both; the older survives', async () => {
    const { resolver } = setup();
    const a = await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', '1'));
    const b = await resolver.resolve({ identifiers: [phone('+14155550134')] }, prov('sms', '2'));
    expect(b.profileId).not.toBe(a.profileId);
    const c = await resolver.resolve({ identifiers: [email('a@acme.io'), phone('+1 415 555 0134')] }, prov('crm', '3'));
    expect(c.profileId).toBe(a.profileId);
    expect(c.merged).toEqual([b.profileId]);
    expect((await resolver.profileOf({ record: { source: 'sms', recordId: '2' } }))?.profileId).toBe(a.profileId);
  });

  it('never links on rejected values (role, junk)', async () => {
    const { resolver } = setup();
    const a = await resolver.resolve({ identifiers: [email('info@acme.io'), phone('0000000')] }, prov('form', '1'));
    const b = await resolver.resolve({ identifiers: [email('info@acme.io'), phone('0000000')] }, prov('form', '2'));
    expect(b.profileId).not.toBe(a.profileId);
    expect(b.rejected.map((r) => r.reason)).toEqual(['role', 'junk']);
  });

  it('is idempotent for a re-delivered record', async () => {
    const { resolver, store } = setup();
    const a = await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', '1'));
    const before = store.stats();
    const again = await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', '1'));
    expect(again.profileId).toBe(a.profileId);
    expect(again.linked).toEqual([]);
    expect(store.stats()).toEqual(before);
  });
});

describe('limits, guard and shared identifiers', () => {
  it('refuses a link that would give a profile more HubSpot ids in one portal than the limit, and records a conflict', async () => {
    const { resolver, store } = setup();
    // Up to three contacts of one portal may be one person (duplicates); a fourth breaks the limit.
    for (const id of ['7', '8'])
      await resolver.resolve({ identifiers: [hubspot(id), phone('+14155550134')], traits: { firstName: 'Ann' } }, prov('hubspot', id));
    const a = await resolver.resolve(
      { identifiers: [hubspot('1'), phone('+14155550134')], traits: { firstName: 'Ann' } },
      prov('hubspot', '1'),
    );
    const b = await resolver.resolve(
      { identifiers: [hubspot('2'), phone('+14155550134')], traits: { firstName: 'Ann' } },
      prov('hubspot', '2'),
    );
    expect(b.profileId).not.toBe(a.profileId);
    expect(b.refused).toEqual([{ identifier: 'phone::+14155550134', reason: 'limit' }]);
    const reviews = await store.reviews(b.profileId);
    expect(reviews.some((r) => r.kind === 'conflict' && r.reason === 'limit')).toBe(true);
    // the phone is now on two profiles: it is shared and links nobody new
    expect(b.markedShared).toEqual(['phone::+14155550134']);
    const c = await resolver.resolve({ identifiers: [phone('+14155550134')] }, prov('sms', '3'));
    expect([a.profileId, b.profileId]).not.toContain(c.profileId);
    expect(c.refused).toEqual([{ identifier: 'phone::+14155550134', reason: 'shared' }]);
  });

  it('allows one HubSpot id per portal: other portals are other scopes', async () => {
    const { resolver } = setup();
    const a = await resolver.resolve(
      { identifiers: [{ type: 'hubspotContactId', value: '1', scope: 'p1' }, email('x@acme.io')] },
      prov('hs', '1'),
    );
    const b = await resolver.resolve(
      { identifiers: [{ type: 'hubspotContactId', value: '9', scope: 'p2' }, email('x@acme.io')] },
      prov('hs', '2'),
    );
    expect(b.profileId).toBe(a.profileId);
  });

  it('does not link family members sharing a phone when their given names disagree', async () => {
    const { resolver } = setup();
    const john = await resolver.resolve(
      { identifiers: [email('john@smith.family'), phone('+14155550134')], traits: { firstName: 'John', lastName: 'Smith' } },
      prov('form', 'j'),
    );
    const mary = await resolver.resolve(
      { identifiers: [email('mary@smith.family'), phone('+14155550134')], traits: { firstName: 'Mary', lastName: 'Smith' } },
      prov('form', 'm'),
    );
    expect(mary.profileId).not.toBe(john.profileId);
    expect(mary.refused).toEqual([{ identifier: 'phone::+14155550134', reason: 'name-mismatch' }]);
    const bob = await resolver.resolve(
      { identifiers: [email('rob@acme.io'), phone('+1 415 555 0199')], traits: { firstName: 'Robert' } },
      prov('form', 'r1'),
    );
    const bob2 = await resolver.resolve({ identifiers: [phone('415-555-0199')], traits: { firstName: 'Bob' } }, prov('sms', 'r2'));
    expect(bob2.profileId).toBe(bob.profileId);
  });
});

describe('merges, removals, deletions and splits', () => {
  it('a CRM merge joins two profiles even across the HubSpot limit', async () => {
    const { resolver } = setup();
    const a = await resolver.resolve({ identifiers: [hubspot('1')] }, prov('hubspot', '1'));
    const b = await resolver.resolve({ identifiers: [hubspot('2')] }, prov('hubspot', '2'));
    const merged = await resolver.merge({ identifier: hubspot('1') }, { identifier: hubspot('2') }, prov('hubspot', 'merge-1'));
    expect(merged.profileId).toBe(a.profileId);
    expect(merged.merged).toEqual([b.profileId]);
  });

  it('removing the bridging identifier splits the profile again (no stale merge)', async () => {
    const { resolver } = setup();
    const a = await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', '1'));
    await resolver.resolve({ identifiers: [phone('+14155550134')] }, prov('sms', '2'));
    await resolver.resolve({ identifiers: [email('a@acme.io'), phone('+14155550134')] }, prov('crm', '3'));
    const change = await resolver.removeIdentifier({ source: 'crm', recordId: '3' }, phone('+14155550134'), at());
    expect(change.profiles).toHaveLength(2);
    expect(change.created).toHaveLength(1);
    const first = await resolver.profileOf({ record: { source: 'form', recordId: '1' } });
    const second = await resolver.profileOf({ record: { source: 'sms', recordId: '2' } });
    expect(first?.profileId).toBe(a.profileId);
    expect(second?.profileId).not.toBe(a.profileId);
    expect(first?.records).toEqual(['rec:crm:3', 'rec:form:1']);
  });

  it('deleting the bridging record splits, deleting the last record removes the profile', async () => {
    const { resolver } = setup();
    await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', '1'));
    await resolver.resolve({ identifiers: [phone('+14155550134')] }, prov('sms', '2'));
    await resolver.resolve({ identifiers: [email('a@acme.io'), phone('+14155550134')] }, prov('crm', '3'));
    const change = await resolver.deleteRecord({ source: 'crm', recordId: '3' }, at());
    expect(change.profiles).toHaveLength(2);
    const gone = await resolver.deleteRecord({ source: 'sms', recordId: '2' }, at());
    expect(gone.removed).toHaveLength(1);
    await expect(resolver.profileOf({ identifier: phone('+14155550134') })).resolves.toBeUndefined();
  });

  it('"not the same person" splits along the evidence and keeps them apart afterwards', async () => {
    const { resolver } = setup();
    const a = await resolver.resolve({ identifiers: [hubspot('1'), email('shared@acme.io')] }, prov('hubspot', '1'));
    await resolver.resolve({ identifiers: [email('shared@acme.io'), phone('+14155550134')] }, prov('zendesk', '2'));
    const change = await resolver.notSamePerson(
      { record: { source: 'hubspot', recordId: '1' } },
      { record: { source: 'zendesk', recordId: '2' } },
      prov('rep', 'split-1'),
    );
    expect(change.profiles).toHaveLength(2);
    const zd = await resolver.profileOf({ record: { source: 'zendesk', recordId: '2' } });
    expect(zd?.profileId).not.toBe(a.profileId);
    const again = await resolver.resolve({ identifiers: [email('shared@acme.io'), phone('+14155550134')] }, prov('zendesk', '2'));
    expect(again.profileId).toBe(zd?.profileId);
  });
});

describe('explanation and erasure', () => {
  it('explains a link as the chain of evidence with provenance', async () => {
    const { resolver } = setup();
    await resolver.resolve({ identifiers: [hubspot('1'), email('a@acme.io')] }, prov('hubspot', 'c1'));
    await resolver.resolve({ identifiers: [email('a@acme.io'), phone('+14155550134')] }, prov('zendesk', 'u9'));
    const why = await resolver.explain({ identifier: hubspot('1') }, { identifier: phone('+14155550134') });
    if (!why.sameProfile) throw new Error('expected one profile');
    expect(why.chain.map((s) => s.to)).toEqual(['rec:hubspot:c1', 'email::a@acme.io', 'rec:zendesk:u9', 'phone::+14155550134']);
    expect(why.chain.map((s) => s.edge.provenance.source)).toEqual(['hubspot', 'hubspot', 'zendesk', 'zendesk']);
    const unrelated = await resolver.resolve({ identifiers: [email('b@acme.io')] }, prov('form', 'x'));
    const none = await resolver.explain({ identifier: hubspot('1') }, { identifier: email('b@acme.io') });
    expect(none).toEqual({ sameProfile: false, profiles: [expect.any(String), unrelated.profileId] });
  });

  it('erases a person: nothing of them is left and their identifiers start over', async () => {
    const { resolver, store } = setup();
    const a = await resolver.resolve({ identifiers: [email('a@acme.io'), phone('+14155550134')] }, prov('form', '1'));
    const erased = await resolver.erase(a.profileId);
    expect(erased.records).toEqual(['rec:form:1']);
    expect(erased.identifiers.sort()).toEqual(['email::a@acme.io', 'phone::+14155550134']);
    expect(store.stats()).toEqual({ nodes: 0, edges: 0, profiles: 0 });
  });
});

describe('country quirks and concurrency', () => {
  it('records a WhatsApp id that may be a CRM phone as a review candidate, not a link', async () => {
    const { resolver, store } = setup();
    const crm = await resolver.resolve({ identifiers: [phone('+55 11 92765 4321')] }, prov('hubspot', '1'));
    // Valid as it stands (a São Paulo landline), so the ninth-digit form is only a candidate.
    const wa = await resolver.resolve({ identifiers: [{ type: 'whatsapp', value: '551127654321' }] }, prov('whatsapp', 'm1'));
    expect(wa.profileId).not.toBe(crm.profileId);
    expect(wa.reviews.length).toBeGreaterThan(0);
    expect(wa.reviews.every((r) => r.kind === 'quirk-candidate')).toBe(true);
    expect((await store.reviews(crm.profileId)).length).toBeGreaterThan(0);
  });

  it('concurrent events for one person never create two profiles', async () => {
    const { resolver, store } = setup();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        resolver.resolve({ identifiers: [email('same@acme.io'), phone(`+1415555${String(1000 + i)}`)] }, prov('api', `e${i}`)),
      ),
    );
    expect(new Set(results.map((r) => r.profileId)).size).toBe(1);
    expect(store.stats().profiles).toBe(1);
  });
});
