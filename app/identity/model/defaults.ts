/** The default comparisons and blocking rules for whichever person fields a data set has. */
import {
  codeComparison,
  dateComparison,
  emailComparison,
  exactComparison,
  nameComparison,
  textComparison,
  type Comparison,
} from '../compare/comparisons';
import { blockOn, type BlockingRule } from './blocking';
import type { MatcherConfig } from './matcher';

/** Columns the matcher knows how to compare (traits plus the identifiers that help as evidence). */
export const MATCH_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'streetNumber',
  'street',
  'addressLine2',
  'city',
  'postcode',
  'region',
  'country',
  'birthDate',
  'nationalId',
  'email',
  'phone',
] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

function comparisonFor(field: MatchField, has: (f: string) => boolean): Comparison {
  switch (field) {
    case 'firstName':
      return nameComparison('firstName', has('lastName') ? 'lastName' : undefined);
    case 'lastName':
      return nameComparison('lastName', has('firstName') ? 'firstName' : undefined);
    case 'company':
      return textComparison('company', true);
    case 'street':
    case 'addressLine2':
      return textComparison(field);
    case 'city':
      return textComparison('city', true);
    case 'streetNumber':
    case 'postcode':
    case 'nationalId':
      return codeComparison(field);
    case 'birthDate':
      return dateComparison('birthDate');
    case 'region':
    case 'country':
    case 'phone':
      return exactComparison(field);
    case 'email':
      return emailComparison('email');
  }
}

const BLOCKING: readonly BlockingRule[] = [
  blockOn('nationalId'),
  blockOn('birthDate'),
  blockOn('email'),
  blockOn('phone'),
  blockOn('firstName', 'lastName'),
  blockOn('lastName', 'postcode'),
  blockOn('firstName', 'postcode'),
  blockOn(['firstName', 3], ['lastName', 3], 'city'),
  blockOn('street', 'streetNumber'),
  blockOn('lastName', 'company'),
  blockOn('firstName', 'company'),
];

export function defaultMatcherConfig(fields: Iterable<string>, overrides: Partial<MatcherConfig> = {}): MatcherConfig {
  const present = new Set(fields);
  const has = (f: string): boolean => present.has(f);
  const comparisons = MATCH_FIELDS.filter(has).map((f) => comparisonFor(f, has));
  const blocking = BLOCKING.filter((rule) => rule.fields.every(has));
  return {
    comparisons,
    blocking,
    maxBlockSize: 200,
    uSamples: 20_000,
    em: { maxIterations: 40, tolerance: 1e-5, initialLambda: 0.05 },
    linkThreshold: 0.99,
    reviewThreshold: 0.5,
    tfMaxBits: 4,
    ...overrides,
  };
}
