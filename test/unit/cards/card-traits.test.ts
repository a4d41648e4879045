import { cardTraits, cardTraitValue, clipText, type StoredTrait } from '../../../app/cards/card-traits';
import { CARD_TRAIT_VALUE_MAX, CARD_TRAITS_MAX, cardTraitSchema } from '../../../app/cards/card-view';

const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const t = (name: string, value: unknown, minutes: number, source = 'api'): StoredTrait => ({
  name,
  value,
  source,
  at: T0 + minutes * 60_000,
});

describe('record card traits', () => {
  it('keeps the newest value per name across merged profiles and lists the most recently changed first', () => {
    const out = cardTraits([
      t('plan', 'pro', 1, 'warehouse:conn_a'),
      t('firstName', 'Ana', 2, 'hubspot'),
      // The same trait on a profile merged into this one, changed later in Salesforce.
      t('plan', 'enterprise', 5, 'salesforce'),
      t('seats', 60, 3, 'warehouse:conn_a'),
    ]);
    expect(out).toEqual([
      { name: 'plan', value: 'enterprise', source: 'salesforce', at: '2026-11-01T00:05:00.000Z' },
      { name: 'seats', value: 60, source: 'warehouse:conn_a', at: '2026-11-01T00:03:00.000Z' },
      { name: 'firstName', value: 'Ana', source: 'hubspot', at: '2026-11-01T00:02:00.000Z' },
    ]);
  });

  it('shows audience_<name> traits as memberships, joined and left', () => {
    const out = cardTraits([
      t('audience_trial', true, 2, 'warehouse:c1'),
      t('audience_churn_risk', false, 1, 'warehouse:c2'),
      t('audience_', true, 0),
    ]);
    expect(out.map((x) => [x.name, x.audience, x.value])).toEqual([
      ['audience_trial', 'trial', true],
      ['audience_churn_risk', 'churn_risk', false],
      ['audience_', undefined, true],
    ]);
  });

  it(`shows at most ${CARD_TRAITS_MAX} traits, ties in time by name, and skips empty values`, () => {
    const many = Array.from({ length: 20 }, (_, i) => t(`t${String(i).padStart(2, '0')}`, i, i % 3 === 0 ? 100 : i));
    many.push(t('empty', '   ', 500), t('nothing', null, 501));
    const out = cardTraits(many);
    expect(out).toHaveLength(CARD_TRAITS_MAX);
    expect(out.map((x) => x.name).slice(0, 8)).toEqual(['t00', 't03', 't06', 't09', 't12', 't15', 't18', 't19']);
    expect(out.map((x) => x.name)).not.toContain('empty');
    expect(cardTraits(many, 2).map((x) => x.name)).toEqual(['t00', 't03']);
  });

  it('renders values safely: strings on one line and clipped, numbers and booleans as they are, other JSON as clipped text', () => {
    expect(cardTraitValue('line one\nline\ttwo\u0007')).toBe('line one line two');
    const long = cardTraitValue('é'.repeat(500));
    expect(typeof long === 'string' && Array.from(long).length).toBe(CARD_TRAIT_VALUE_MAX);
    expect(long).toMatch(/é…$/);
    expect(cardTraitValue(0)).toBe(0);
    expect(cardTraitValue(false)).toBe(false);
    expect(cardTraitValue(Number.NaN)).toBeUndefined();
    expect(cardTraitValue({ tier: 'gold', tags: ['a', 'b'] })).toBe('{"tier":"gold","tags":["a","b"]}');
    expect(cardTraitValue(Array.from({ length: 200 }, (_, i) => i))).toHaveLength(CARD_TRAIT_VALUE_MAX);
    expect(clipText('😀😀😀', 2)).toBe('😀…');
    expect(clipText('abc', 3)).toBe('abc');
    // Whatever comes in, every trait the card shows satisfies the contract.
    for (const trait of cardTraits([t('x'.repeat(300), 'y'.repeat(1000), 1, 's'.repeat(300)), t('obj', { a: '\u0000' }, 2)])) {
      expect(cardTraitSchema.safeParse(trait).success).toBe(true);
    }
  });
});
