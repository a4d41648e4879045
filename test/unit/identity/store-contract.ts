/**
 * The identity graph store contract: the resolver's behaviour must not depend on the store. Run
 * against the in-memory store (test/unit/identity/store-contract.test.ts) and the SQL adapter on
 * PGlite and PostgreSQL (test/integration/identity-store.test.ts).
 */
import { IdentityResolver } from '../../../app/identity/graph/engine';
import type { IdentityGraphStore } from '../../../app/identity/graph/store';
import { OnlineMatcher } from '../../../app/identity/model/online';
import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import type { Provenance, RawIdentifier } from '../../../app/identity/types';

export interface StoreHarness {
  readonly store: IdentityGraphStore;
  counts(): Promise<{ nodes: number; edges: number; profiles: number }>;
  close(): Promise<void>;
}

let clock = 0;
const at = (): string => new Date(Date.UTC(2026, 0, 1) + ++clock * 1000).toISOString();
const prov = (source: string, recordId: string): Provenance => ({ source, recordId, at: at() });
const email = (value: string): RawIdentifier => ({ type: 'email', value });
const phone = (value: string): RawIdentifier => ({ type: 'phone', value });
const hubspot = (value: string): RawIdentifier => ({ type: 'hubspotContactId', value });

export function describeGraphStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`identity graph store contract: ${name}`, () => {
    let h: StoreHarness;
    let resolver: IdentityResolver;
    beforeEach(async () => {
      h = await open();
      let n = 0;
      const prefix = Math.random().toString(36).slice(2, 7);
      resolver = new IdentityResolver({
        store: h.store,
        newProfileId: () => `p_${prefix}_${++n}`,
        normalizer: new IdentifierNormalizer({ defaultRegion: 'US', defaultScope: 'portal1' }),
        matcher: new OnlineMatcher(),
      });
    });
    afterEach(async () => h.close());

    it('links records sharing a normalized identifier and merges profiles, the older surviving', async () => {
      const a = await resolver.resolve(
        { identifiers: [hubspot('1'), email('Jane.Doe@gmail.com')], traits: { firstName: 'Jane' } },
        prov('hubspot', 'c1'),
      );
      expect(a.created).toBe(true);
      const b = await resolver.resolve(
        { identifiers: [email('janedoe+promo@googlemail.com'), phone('(415) 555-0134')] },
        prov('form', 'f1'),
      );
      expect(b.profileId).toBe(a.profileId);
      const c = await resolver.resolve({ identifiers: [phone('+1 650 555 0101')] }, prov('sms', 's1'));
      expect(c.profileId).not.toBe(a.profileId);
      const d = await resolver.resolve({ identifiers: [email('jane.doe@gmail.com'), phone('650-555-0101')] }, prov('crm', 'x'));
      expect(d.profileId).toBe(a.profileId);
      expect(d.merged).toEqual([c.profileId]);
      expect((await resolver.profileOf({ record: { source: 'sms', recordId: 's1' } }))?.profileId).toBe(a.profileId);
      expect((await h.counts()).profiles).toBe(1);
    });

    it('is idempotent for a re-delivered record and never links on role or junk values', async () => {
      const a = await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', '1'));
      const before = await h.counts();
      const again = await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', '1'));
      expect(again.profileId).toBe(a.profileId);
      expect(await h.counts()).toEqual(before);
      const x = await resolver.resolve({ identifiers: [email('info@acme.io'), phone('0000000')] }, prov('form', '2'));
      const y = await resolver.resolve({ identifiers: [email('info@acme.io'), phone('0000000')] }, prov('form', '3'));
      expect(y.profileId).not.toBe(x.profileId);
    });

    it('refuses a link breaking a limit, records a conflict, and marks the identifier shared', async () => {
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
      expect((await h.store.reviews(b.profileId)).some((r) => r.kind === 'conflict' && r.reason === 'limit')).toBe(true);
      expect(b.markedShared).toEqual(['phone::+14155550134']);
    });

    it('disambiguates a shared household phone online by given name', async () => {
      const john = await resolver.resolve(
        { identifiers: [email('john@smith.family'), phone('+14155550134')], traits: { firstName: 'John', lastName: 'Smith' } },
        prov('crm', 'j'),
      );
      const mary = await resolver.resolve(
        { identifiers: [email('mary@smith.family'), phone('+14155550134')], traits: { firstName: 'Mary', lastName: 'Smith' } },
        prov('crm', 'm'),
      );
      expect(mary.profileId).not.toBe(john.profileId);
      expect(mary.refused).toEqual([{ identifier: 'phone::+14155550134', reason: 'name-mismatch' }]);
      const sms = await resolver.resolve({ identifiers: [phone('415 555 0134')], traits: { firstName: 'Mary' } }, prov('sms', 'from-mary'));
      expect(sms.profileId).toBe(mary.profileId);
      expect(sms.onlineLink?.kind).toBe('household');
      const johnny = await resolver.resolve(
        { identifiers: [phone('415 555 0134')], traits: { firstName: 'Johnny' } },
        prov('sms', 'from-john'),
      );
      expect(johnny.profileId).toBe(john.profileId);
      const anonymous = await resolver.resolve({ identifiers: [phone('415 555 0134')] }, prov('sms', 'no-name'));
      expect([john.profileId, mary.profileId]).not.toContain(anonymous.profileId);
      const why = await resolver.explain({ record: { source: 'sms', recordId: 'from-mary' } }, { identifier: email('mary@smith.family') });
      expect(why.sameProfile && why.chain[0]?.edge.kind).toBe('household');
    });

    it('links a record with no shared identifier by the model, and records possible matches', async () => {
      const traits = { firstName: 'Katherine', lastName: 'Oyelaran', birthDate: '1984-03-17', postcode: '94110', city: 'San Francisco' };
      const a = await resolver.resolve({ identifiers: [email('k.oyelaran@acme.io')], traits }, prov('crm', 'k1'));
      const b = await resolver.resolve(
        { identifiers: [email('kathy.o@home.net')], traits: { ...traits, firstName: 'Kathrine' } },
        prov('zendesk', 'k2'),
      );
      expect(b.profileId).toBe(a.profileId);
      expect(b.onlineLink).toEqual(expect.objectContaining({ kind: 'probabilistic', with: 'rec:crm:k1' }));
      const why = await resolver.explain({ record: { source: 'zendesk', recordId: 'k2' } }, { record: { source: 'crm', recordId: 'k1' } });
      if (!why.sameProfile) throw new Error('expected one profile');
      expect(why.chain[0]?.edge.detail?.fields.find((f) => f.field === 'birthDate')?.weight).toBeGreaterThan(5);
      const c = await resolver.resolve(
        { identifiers: [phone('+1 212 555 0188')], traits: { firstName: 'Katherine', lastName: 'Oyelaran', city: 'San Francisco' } },
        prov('form', 'k3'),
      );
      expect(c.profileId).not.toBe(a.profileId);
      expect(c.reviews.map((r) => [r.kind, r.b])).toEqual([['possible-match', expect.stringMatching(/^rec:(crm:k1|zendesk:k2)$/)]]);
      expect(c.reviews[0]?.detail?.probability).toBeGreaterThanOrEqual(0.5);
      const d = await resolver.resolve(
        {
          identifiers: [email('someone@else.org')],
          traits: { firstName: 'Katherine', lastName: 'Oyelaran', birthDate: '1991-07-02', postcode: '10001' },
        },
        prov('form', 'k4'),
      );
      expect(d.profileId).not.toBe(a.profileId);
    });

    it('CRM merge joins across a limit; removing a bridge or deleting a record splits again', async () => {
      const a = await resolver.resolve({ identifiers: [hubspot('1')] }, prov('hubspot', '1'));
      const b = await resolver.resolve({ identifiers: [hubspot('2')] }, prov('hubspot', '2'));
      const merged = await resolver.merge({ identifier: hubspot('1') }, { identifier: hubspot('2') }, prov('hubspot', 'merge-1'));
      expect(merged).toEqual({ profileId: a.profileId, merged: [b.profileId] });

      const x = await resolver.resolve({ identifiers: [email('a@acme.io')] }, prov('form', 'x1'));
      await resolver.resolve({ identifiers: [phone('+14155550177')] }, prov('sms', 'x2'));
      await resolver.resolve({ identifiers: [email('a@acme.io'), phone('+14155550177')] }, prov('crm', 'x3'));
      const change = await resolver.removeIdentifier({ source: 'crm', recordId: 'x3' }, phone('+14155550177'), at());
      expect(change.profiles).toHaveLength(2);
      expect((await resolver.profileOf({ record: { source: 'form', recordId: 'x1' } }))?.profileId).toBe(x.profileId);
      const gone = await resolver.deleteRecord({ source: 'sms', recordId: 'x2' }, at());
      expect(gone.removed).toHaveLength(1);
      await expect(resolver.profileOf({ identifier: phone('+14155550177') })).resolves.toBeUndefined();
    });

    it('"not the same person" splits along the evidence and keeps them apart', async () => {
      const a = await resolver.resolve({ identifiers: [hubspot('1'), email('shared@acme.io')] }, prov('hubspot', '1'));
      await resolver.resolve({ identifiers: [email('shared@acme.io'), phone('+14155550134')] }, prov('zendesk', '2'));
      const change = await resolver.notSamePerson(
        { record: { source: 'hubspot', recordId: '1' } },
        { record: { source: 'zendesk', recordId: '2' } },
        prov('rep', 's1'),
      );
      expect(change.profiles).toHaveLength(2);
      const zd = await resolver.profileOf({ record: { source: 'zendesk', recordId: '2' } });
      expect(zd?.profileId).not.toBe(a.profileId);
      const again = await resolver.resolve({ identifiers: [email('shared@acme.io'), phone('+14155550134')] }, prov('zendesk', '2'));
      expect(again.profileId).toBe(zd?.profileId);
    });

    it('explains a link with provenance, and erases a person completely', async () => {
      await resolver.resolve(
        { identifiers: [hubspot('1'), email('a@acme.io')], traits: { firstName: 'Al', lastName: 'Smith', birthDate: '19800101' } },
        prov('hubspot', 'c1'),
      );
      const b = await resolver.resolve({ identifiers: [email('a@acme.io'), phone('+14155550134')] }, prov('zendesk', 'u9'));
      const why = await resolver.explain({ identifier: hubspot('1') }, { identifier: phone('+14155550134') });
      if (!why.sameProfile) throw new Error('expected one profile');
      expect(why.chain.map((s) => s.to)).toEqual(['rec:hubspot:c1', 'email::a@acme.io', 'rec:zendesk:u9', 'phone::+14155550134']);
      expect(why.chain.map((s) => s.edge.provenance.source)).toEqual(['hubspot', 'hubspot', 'zendesk', 'zendesk']);
      await resolver.erase(b.profileId);
      expect(await h.counts()).toEqual({ nodes: 0, edges: 0, profiles: 0 });
    });

    it('records a WhatsApp country-quirk candidate for review, not a link', async () => {
      const crm = await resolver.resolve({ identifiers: [phone('+55 11 92765 4321')] }, prov('hubspot', '1'));
      // Valid as it stands (a São Paulo landline), so the ninth-digit form is only a candidate.
      const wa = await resolver.resolve({ identifiers: [{ type: 'whatsapp', value: '551127654321' }] }, prov('whatsapp', 'm1'));
      expect(wa.profileId).not.toBe(crm.profileId);
      expect(wa.reviews.length).toBeGreaterThan(0);
      expect(wa.reviews.every((r) => r.kind === 'quirk-candidate')).toBe(true);
      expect((await h.store.reviews(crm.profileId)).length).toBeGreaterThan(0);
    });

    it('concurrent events for one person never create two profiles', async () => {
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          resolver.resolve(
            {
              identifiers:
                i % 3 === 0
                  ? [phone(`+1415555${String(1000 + i)}`), email('same@acme.io')]
                  : [email('same@acme.io'), phone(`+1415555${String(1000 + i)}`)],
            },
            prov('api', `e${i}`),
          ),
        ),
      );
      expect(new Set(results.map((r) => r.profileId)).size).toBe(1);
      expect((await h.counts()).profiles).toBe(1);
    });
  });
}
