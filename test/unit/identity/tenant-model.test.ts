import { matchVectorOf, OnlineMatcher } from '../../../app/identity/model/online';
import { tenantModelSchema, trainTenantModel } from '../../../app/identity/model/tenant-model';
import { IdentifierNormalizer } from '../../../app/identity/normalize/identifier';
import { normalizeTraits } from '../../../app/identity/normalize/traits';
import { generateCrmPopulation, type SyntheticRecord } from '../../../app/identity/synthetic/crm-population';
import type { RawIdentifier } from '../../../app/identity/types';
import { seededRandom } from '../../../app/identity/util/prng';

const normalizer = new IdentifierNormalizer({ defaultRegion: 'US' });

function vectorOf(r: SyntheticRecord): Record<string, string> {
  const raw: RawIdentifier[] = [];
  if (r.values.email) raw.push({ type: 'email', value: r.values.email });
  if (r.values.phone) raw.push({ type: 'phone', value: r.values.phone });
  return { ...matchVectorOf(normalizer.normalize(raw).identifiers, normalizeTraits(r.values)) };
}

describe('per-tenant match model', () => {
  const records = generateCrmPopulation(seededRandom(31), 600);
  const vectors = records.map(vectorOf);

  it("is estimated by EM from the tenant's own records and separates the same person from others", () => {
    const result = trainTenantModel(vectors, seededRandom(1));
    expect(result.model).toBeDefined();
    const model = result.model;
    if (model === undefined) return;
    expect(model.records).toBe(records.length);
    expect(model.fields).toEqual(expect.arrayContaining(['firstName', 'lastName', 'email']));
    expect(tenantModelSchema.safeParse(model).success).toBe(true);
    // Agreement is likelier among matches than among non-matches, for every field's exact level.
    model.fields.forEach((_, c) =>
      expect((model.params.m[c] as number[])[0]).toBeGreaterThan((model.params.u[c] as number[])[0] as number),
    );

    const matcher = new OnlineMatcher(model);
    const byPerson = new Map<number, number[]>();
    records.forEach((r, i) => byPerson.set(r.person, [...(byPerson.get(r.person) ?? []), i]));
    const same = [...byPerson.values()].filter((l) => l.length > 1).slice(0, 60);
    const sameScores = same.map(([i, j]) => matcher.score(vectors[i as number] ?? {}, vectors[j as number] ?? {}).weight);
    const otherScores = same.map(
      ([i], k) => matcher.score(vectors[i as number] ?? {}, vectors[(same[(k + 7) % same.length] as number[])[0] as number] ?? {}).weight,
    );
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    expect(median(sameScores)).toBeGreaterThan(median(otherScores) + 10);
  });

  it('declines to train on too few records, saying why', () => {
    const result = trainTenantModel(vectors.slice(0, 50), seededRandom(1));
    expect(result.model).toBeUndefined();
    expect(result).toMatchObject({ reason: expect.stringMatching(/50 records .* at least 200/) });
  });

  it('rejects stored parameters that do not fit the fields', () => {
    const model = trainTenantModel(vectors, seededRandom(2)).model;
    if (model === undefined) throw new Error('no model');
    expect(tenantModelSchema.safeParse({ ...model, fields: model.fields.slice(1) }).success).toBe(false);
    expect(tenantModelSchema.safeParse({ ...model, params: { ...model.params, lambda: 2 } }).success).toBe(false);
  });
});
