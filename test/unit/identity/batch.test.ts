import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { pairwiseScores } from '../../../app/identity/batch/evaluate';
import { MappingError, parseMapping } from '../../../app/identity/batch/mapping';
import { resolveBatch, type BatchRecord } from '../../../app/identity/batch/resolve-batch';
import { generateCrmPopulation } from '../../../app/identity/synthetic/crm-population';
import { seededRandom } from '../../../app/identity/util/prng';
import { requireOrSkip } from '../../support/require-or-skip';

const AT = '2026-01-01T00:00:00.000Z';

describe('pairwise scores', () => {
  it('counts pairs inside clusters', () => {
    const s = pairwiseScores(['a', 'a', 'a', 'b'], ['x', 'x', 'y', 'y']);
    expect(s).toMatchObject({ predictedPairs: 3, truePairs: 2, correctPairs: 1 });
    expect(s.precision).toBeCloseTo(1 / 3);
    expect(s.recall).toBeCloseTo(0.5);
  });
});

describe('mapping', () => {
  it('accepts known fields and rejects unknown ones with the list of known fields', () => {
    expect(parseMapping({ id: 'rec_id', fields: { email: 'Email' } })).toEqual({ id: 'rec_id', fields: { email: 'Email' } });
    expect(() => parseMapping({ id: 'rec_id', fields: { shoe: 'x' } })).toThrow(/unknown field "shoe".*known fields: email/);
    expect(() => parseMapping({ fields: {} })).toThrow(MappingError);
  });
});

describe('batch resolution', () => {
  it('links records by identifiers and by the probabilistic model, never across HubSpot ids', async () => {
    const records: BatchRecord[] = [
      {
        source: 'a.csv',
        recordId: '1',
        values: {
          hubspotContactId: '1',
          email: 'ann.lee@acme.io',
          firstName: 'Ann',
          lastName: 'Lee',
          birthDate: '19800101',
          city: 'Springfield',
        },
      },
      { source: 'b.csv', recordId: '1', values: { email: 'ANN.LEE@acme.io', firstName: 'Ann', lastName: 'Lee' } },
      {
        source: 'b.csv',
        recordId: '2',
        values: {
          hubspotContactId: '2',
          email: 'bo@zeta.io',
          firstName: 'Bo',
          lastName: 'Zhang',
          birthDate: '19700505',
          city: 'Shelbyville',
        },
      },
    ];
    const result = await resolveBatch(records, { random: seededRandom(1), at: AT });
    expect(result.profileIds[0]).toBe(result.profileIds[1]);
    expect(result.profileIds[2]).not.toBe(result.profileIds[0]);
  });

  it('reaches high precision and recall on the synthetic CRM population', async () => {
    const records = generateCrmPopulation(seededRandom(3), 400);
    const result = await resolveBatch(records, { random: seededRandom(4), at: AT, normalizer: { defaultRegion: 'US' } });
    const scores = pairwiseScores(
      result.profileIds,
      records.map((r) => String(r.person)),
    );
    expect(scores.precision).toBeGreaterThanOrEqual(0.99);
    expect(scores.recall).toBeGreaterThanOrEqual(0.9);
  });

  it('is deterministic for a given seed', async () => {
    const records = generateCrmPopulation(seededRandom(5), 100);
    const a = await resolveBatch(records, { random: seededRandom(6), at: AT, normalizer: { defaultRegion: 'US' } });
    const b = await resolveBatch(records, { random: seededRandom(6), at: AT, normalizer: { defaultRegion: 'US' } });
    expect(b.profileIds).toEqual(a.profileIds);
  });

  const febrl1 = path.resolve(__dirname, '../../../../shared/datasets/febrl/dataset1.csv');
  // In ../shared, absent from a fresh clone: skipped there, a failure under CI=true.
  requireOrSkip(existsSync(febrl1), 'the FEBRL1 dataset (../shared/datasets/febrl/dataset1.csv)').it(
    'FEBRL1: F1 at least 0.99',
    async () => {
      const rows = parse(readFileSync(febrl1, 'utf8'), { columns: true, trim: true }) as Record<string, string>[];
      const map: Record<string, string> = {
        given_name: 'firstName',
        surname: 'lastName',
        street_number: 'streetNumber',
        address_1: 'street',
        address_2: 'addressLine2',
        suburb: 'city',
        postcode: 'postcode',
        state: 'region',
        date_of_birth: 'birthDate',
        soc_sec_id: 'nationalId',
      };
      const records: BatchRecord[] = rows.map((row) => {
        const values: Record<string, string> = {};
        for (const [col, field] of Object.entries(map)) if (row[col]) values[field] = row[col];
        return { source: 'dataset1.csv', recordId: row['rec_id'] ?? '', values };
      });
      const result = await resolveBatch(records, { random: seededRandom(1), at: AT });
      const truth = rows.map((row) => (row['rec_id'] ?? '').split('-')[1] ?? '');
      expect(pairwiseScores(result.profileIds, truth).f1).toBeGreaterThanOrEqual(0.99);
    },
  );
});
