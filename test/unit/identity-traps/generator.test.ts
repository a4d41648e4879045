import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { canonicalEventSchema } from '../../../app/events/canonical-event';
import {
  ALL_CATEGORIES,
  BATCH_MAPPING,
  HELD_OUT_PEOPLE,
  HELD_OUT_SEED,
  TRAP_CATEGORIES,
  TUNING_SEEDS,
  clusterByKeys,
  clustersFromCsv,
  generateTrapPopulation,
  mailboxKey,
  pairsByCategory,
  scorePairs,
  summarizePopulation,
  toBatchCsv,
  toCanonicalEvents,
  type TrapIdentifier,
  type TrapRecord,
} from '../../fixtures/identity-traps/generator';

const heldOut = generateTrapPopulation({ seed: HELD_OUT_SEED, people: HELD_OUT_PEOPLE });
const records = heldOut.records;
const pairs = pairsByCategory(records);
const byId = new Map(records.map((r) => [r.recordId, r]));
const rec = (id: string): TrapRecord => byId.get(id) as TrapRecord;

/** E.164 of a phone as written in any system ('00' international prefix read as '+'; national formats are US). */
function e164Of(id: TrapIdentifier): string | undefined {
  if (id.type === 'whatsapp') return `+${id.value}`;
  if (id.type !== 'phone') return undefined;
  const text = id.value.trim().replace(/^00/, '+');
  return parsePhoneNumberFromString(text, 'US')?.number;
}
const emailKey = (id: TrapIdentifier): string | undefined => (id.type === 'email' ? id.value.trim().toLowerCase() : undefined);

/** Naive baselines: union on raw values; on normalised email/phone (no role-address or shared-line awareness). */
const rawUnion = clusterByKeys(records, (r) => r.identifiers.filter((i) => i.type !== 'crm_id').map((i) => i.value));
const emailUnion = clusterByKeys(records, (r) => r.identifiers.flatMap((i) => emailKey(i) ?? []));
const normalisedUnion = clusterByKeys(records, (r) =>
  r.identifiers.flatMap((i) => [emailKey(i), e164Of(i)].filter((k): k is string => k !== undefined)),
);

describe('identity-trap generator', () => {
  it('never gives two people one mailbox (Gmail ignores dots and +tags in the local part)', () => {
    expect(mailboxKey('Margaret.Lee+shop@GMail.com')).toBe(mailboxKey('margaretlee@gmail.com'));
    expect(mailboxKey('margaret.lee@acme.example')).not.toBe(mailboxKey('margaretlee@acme.example'));
    for (const seed of [HELD_OUT_SEED, ...TUNING_SEEDS]) {
      const { records } = generateTrapPopulation({ seed, people: 300 });
      const owner = new Map<string, string>();
      const shared = new Set<string>();
      for (const r of records) {
        for (const i of r.identifiers) {
          if (i.type !== 'email') continue;
          const key = mailboxKey(i.value);
          const other = owner.get(key);
          if (other !== undefined && other !== r.truthId) shared.add(key);
          owner.set(key, r.truthId);
        }
      }
      // Only role mailboxes and household family addresses are shared on purpose.
      const unexpected = [...shared].filter(
        (key) =>
          !records.some(
            (r) =>
              r.categories.some((c) => c === 'role_address' || c === 'household') &&
              r.identifiers.some((i) => i.type === 'email' && mailboxKey(i.value) === key),
          ),
      );
      expect(unexpected).toEqual([]);
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    const again = generateTrapPopulation({ seed: HELD_OUT_SEED, people: HELD_OUT_PEOPLE });
    expect(again.records).toEqual(records);
    const other = generateTrapPopulation({ seed: TUNING_SEEDS[0] as number, people: HELD_OUT_PEOPLE });
    expect(other.records).not.toEqual(records);
    expect(TUNING_SEEDS).not.toContain(HELD_OUT_SEED);
  });

  it('gives every record a unique id, a truth id and an ISO time', () => {
    expect(new Set(records.map((r) => r.recordId)).size).toBe(records.length);
    expect(heldOut.truth.size).toBe(records.length);
    for (const r of records) {
      expect(heldOut.truth.get(r.recordId)).toBe(r.truthId);
      expect(r.identifiers.length).toBeGreaterThan(0);
      expect(new Date(r.occurredAt).toISOString()).toBe(r.occurredAt);
    }
    expect(new Set(records.map((r) => r.truthId)).size).toBeGreaterThanOrEqual(HELD_OUT_PEOPLE);
    expect(new Set(records.map((r) => r.system))).toEqual(new Set(['hubspot', 'salesforce', 'zendesk', 'whatsapp', 'sms']));
  });

  it('holds plenty of every category in the held-out draw', () => {
    const minimum = {
      messaging_nickname: 40,
      role_address: 40,
      common_name: 20,
      changed_email: 30,
      household: 15,
      nickname_typo: 30,
      ordinary: 100,
    } as const;
    for (const c of ALL_CATEGORIES) expect(pairs[c].shouldMatch.length + pairs[c].mustNotMatch.length).toBeGreaterThanOrEqual(minimum[c]);
    for (const c of ['role_address', 'common_name', 'household'] as const)
      expect(pairs[c].mustNotMatch.length).toBeGreaterThanOrEqual(minimum[c] / 2);
    for (const c of ['role_address', 'messaging_nickname', 'changed_email', 'nickname_typo'] as const)
      expect(pairs[c].shouldMatch.length).toBeGreaterThanOrEqual(minimum[c] / 2);
    for (const r of records) for (const c of r.categories) expect(ALL_CATEGORIES).toContain(c);
  });

  it('holds every trap in every tuning draw too', () => {
    for (const seed of TUNING_SEEDS) {
      const summary = summarizePopulation(generateTrapPopulation({ seed, people: 300 }).records);
      for (const c of ALL_CATEGORIES) expect([seed, c, summary[c].groups > 3]).toEqual([seed, c, true]);
    }
    const held = summarizePopulation(records);
    expect(held.role_address.mustNotMatch).toBe(pairs.role_address.mustNotMatch.length);
  });

  it('labels pairs by truth: should-match share a person, must-not-match never do', () => {
    for (const c of ALL_CATEGORIES) {
      for (const [a, b] of pairs[c].shouldMatch) expect(rec(a).truthId).toBe(rec(b).truthId);
      for (const [a, b] of pairs[c].mustNotMatch) expect(rec(a).truthId).not.toBe(rec(b).truthId);
    }
    // Common-name pairs share the full name and nothing else.
    for (const [a, b] of pairs.common_name.mustNotMatch) {
      const keys = (r: TrapRecord): string[] =>
        r.identifiers.flatMap((i) => [emailKey(i), e164Of(i)].filter((k): k is string => k !== undefined));
      expect(keys(rec(a)).filter((k) => keys(rec(b)).includes(k))).toEqual([]);
    }
    // Household pairs share a line and a surname but not a first name.
    for (const [a, b] of pairs.household.mustNotMatch) {
      const first = (r: TrapRecord): string => r.traits.firstName ?? (r.traits.name ?? '').split(' ')[0] ?? '';
      expect(first(rec(a))).not.toBe(first(rec(b)));
    }
  });

  it('writes wa_ids as digits with a country code, SMS senders as E.164, and only valid phone numbers', () => {
    for (const r of records) {
      for (const id of r.identifiers) {
        if (id.type === 'whatsapp') expect(id.value).toMatch(/^[1-9]\d{9,14}$/);
        if (r.system === 'sms' && id.type === 'phone') expect(id.value).toMatch(/^\+[1-9]\d{9,14}$/);
        if (id.type === 'phone')
          expect([id.value, parsePhoneNumberFromString(id.value.trim().replace(/^00/, '+'), 'US')?.isValid()]).toEqual([id.value, true]);
      }
    }
    // A messaging sender's number is its CRM contact's phone, except the Brazilian and Mexican wa_id quirks.
    for (const [a, b] of pairs.messaging_nickname.shouldMatch) {
      const phones = (r: TrapRecord): (string | undefined)[] => r.identifiers.map(e164Of).filter((p) => p !== undefined);
      const quirk = [rec(a), rec(b)].some((r) => r.variants.some((v) => v.startsWith('wa_id:')));
      if (!quirk) expect(phones(rec(a)).some((p) => phones(rec(b)).includes(p))).toBe(true);
    }
    const variants = records.flatMap((r) => r.variants);
    for (const v of [
      'phone:00-prefix',
      'phone:us-national',
      'phone:trunk-in-brackets',
      'display:emoji',
      'display:empty',
      'display:first-initial',
      'email:whitespace',
      'email:case',
    ]) {
      expect([v, variants.includes(v)]).toEqual([v, true]);
    }
  });

  it('maps every record to a canonical event that validates', () => {
    const events = toCanonicalEvents(records);
    expect(events).toHaveLength(records.length);
    for (const event of events) {
      const parsed = canonicalEventSchema.safeParse(event);
      if (!parsed.success) throw new Error(`${event.id ?? '?'}: ${parsed.error.message}`);
    }
    const wa = events.find((e) => e.source === 'whatsapp');
    expect(wa?.type).toBe('message.received');
    expect(wa?.subject.identifiers.map((i) => i.type)).toEqual(['whatsappId']);
    const sf = events.find((e) => e.source === 'salesforce');
    expect(sf?.subject.identifiers.some((i) => i.type === 'salesforceId' && (i.scope ?? '').startsWith('00D'))).toBe(true);
  });

  it('writes batch CSVs the baton resolve mapping reads, and reads its output back', () => {
    const { files, mapping } = toBatchCsv(records);
    expect(mapping).toBe(BATCH_MAPPING);
    expect(Object.keys(files).sort()).toEqual(['hubspot.csv', 'salesforce.csv', 'sms.csv', 'whatsapp.csv', 'zendesk.csv']);
    const lines = Object.values(files).reduce((n, text) => n + text.trim().split('\n').length - 1, 0);
    expect(lines).toBe(records.length);
    const header = (files['hubspot.csv'] ?? '').split('\n')[0]?.split(',') ?? [];
    for (const column of [mapping.id, ...Object.values(mapping.fields)]) expect(header).toContain(column);
    const out = ['source,record_id,profile_id', ...records.map((r) => `${r.system}.csv,${r.recordId},${r.truthId}`)].join('\n');
    expect(scorePairs(clustersFromCsv(out), records).f1).toBe(1);
  });

  it('scores the truth perfectly and singletons with zero recall', () => {
    const perfect = scorePairs((id) => rec(id).truthId, records);
    expect([perfect.precision, perfect.recall, perfect.f1]).toEqual([1, 1, 1]);
    for (const c of TRAP_CATEGORIES) expect(perfect.categories[c].falseMergeRate ?? 0).toBe(0);
    const alone = scorePairs((id) => id, records);
    expect(alone.recall).toBe(0);
    expect(alone.categories.household.falseMergeRate).toBe(0);
  });

  it('documents the traps with naive baselines', () => {
    const raw = scorePairs(rawUnion, records);
    const email = scorePairs(emailUnion, records);
    const norm = scorePairs(normalisedUnion, records);
    // Raw values miss messaging senders: a wa_id or an E.164 From is rarely written like the CRM phone.
    expect(raw.categories.messaging_nickname.recall).toBeLessThan(0.2);
    // Case-folded exact email merges everyone who writes from the same role address...
    expect(email.categories.role_address.falseMergeRate).toBeGreaterThan(0.3);
    // ...and household members sharing a family address; it never links a changed address.
    expect(email.categories.household.falseMergeRate).toBeGreaterThan(0);
    expect(email.categories.changed_email.recall).toBe(0);
    // Normalising phones links messaging senders (all but the wa_id quirks) and changed addresses,
    expect(norm.categories.messaging_nickname.recall).toBeGreaterThan(0.85);
    expect(norm.categories.messaging_nickname.recall).toBeLessThan(1);
    expect(norm.categories.changed_email.recall).toBe(1);
    expect(norm.categories.nickname_typo.recall).toBe(1);
    // but then every shared landline merges a household, and role-address colleagues stay merged.
    expect(norm.categories.household.falseMergeRate).toBe(1);
    expect(norm.categories.role_address.falseMergeRate).toBeGreaterThan(0.3);
    expect(norm.precision).toBeLessThan(0.95);
    // Same-name strangers are only merged by a resolver that trusts names.
    expect(norm.categories.common_name.falseMergeRate).toBe(0);
    const byName = clusterByKeys(records, (r) => {
      const name = r.traits.name ?? [r.traits.firstName, r.traits.lastName].filter(Boolean).join(' ');
      return name.length > 0 ? [name.toLowerCase()] : [];
    });
    expect(scorePairs(byName, records).categories.common_name.falseMergeRate).toBe(1);
  });
});
