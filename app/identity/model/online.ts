/**
 * Online probabilistic matching: scores one incoming record against the candidates a blocking-key
 * lookup found, with the same comparisons as the batch matcher. Parameters are either the built-in
 * priors below (typical m / u per comparison level, in the spirit of Splink's defaults) or the
 * parameters a batch training run estimated for the tenant's data.
 */
import type { Columns, Comparison } from '../compare/comparisons';
import type { MatchVector } from '../graph/model';
import { compatibleNames } from '../graph/policy';
import type { Identifier, Traits } from '../types';
import type { BlockingRule } from './blocking';
import { defaultMatcherConfig, MATCH_FIELDS, type MatchField } from './defaults';
import type { FieldWeight } from './matcher';
import { levelWeights, priorWeight, probabilityFromWeight, type ModelParameters } from './parameters';

export interface OnlineMatchOptions {
  /** Auto-link at or above this match probability. */
  readonly linkThreshold: number;
  /** Possible match (review) at or above this, below linkThreshold. */
  readonly reviewThreshold: number;
  /** Blocks (one blocking key) held by more records than this are skipped. */
  readonly maxBlockSize: number;
  /** Candidates scored per record at most. */
  readonly maxCandidates: number;
}

export const DEFAULT_ONLINE_OPTIONS: OnlineMatchOptions = {
  linkThreshold: 0.99,
  reviewThreshold: 0.5,
  maxBlockSize: 200,
  maxCandidates: 50,
};

/** m and u per level (level 1 first) for each field's default comparison. */
const PRIORS: Readonly<Record<MatchField, { m: readonly number[]; u: readonly number[] }>> = {
  firstName: { m: [0.8, 0.05, 0.07, 0.03, 0.01, 0.02, 0.02], u: [0.01, 0.002, 0.004, 0.01, 0.001, 0.05, 0.923] },
  lastName: { m: [0.85, 0.005, 0.08, 0.03, 0.01, 0.015, 0.01], u: [0.003, 0.0005, 0.002, 0.008, 0.001, 0.05, 0.9355] },
  company: { m: [0.7, 0.05, 0.1, 0.05, 0.1], u: [0.01, 0.001, 0.005, 0.02, 0.964] },
  streetNumber: { m: [0.9, 0.05, 0.01, 0.04], u: [0.02, 0.05, 0.05, 0.88] },
  street: { m: [0.85, 0.03, 0.07, 0.02, 0.03], u: [0.0005, 0.0001, 0.001, 0.01, 0.9884] },
  addressLine2: { m: [0.7, 0.05, 0.1, 0.05, 0.1], u: [0.001, 0.0005, 0.002, 0.02, 0.9765] },
  city: { m: [0.9, 0.01, 0.04, 0.02, 0.03], u: [0.02, 0.001, 0.005, 0.03, 0.944] },
  postcode: { m: [0.92, 0.04, 0.01, 0.03], u: [0.002, 0.02, 0.05, 0.928] },
  region: { m: [0.97, 0.03], u: [0.2, 0.8] },
  country: { m: [0.98, 0.02], u: [0.5, 0.5] },
  birthDate: { m: [0.92, 0.04, 0.01, 0.01, 0.02], u: [0.0001, 0.001, 0.00001, 0.005, 0.99389] },
  nationalId: { m: [0.95, 0.03, 0.005, 0.015], u: [0.000001, 0.00001, 0.0001, 0.999889] },
  email: { m: [0.6, 0.05, 0.05, 0.3], u: [0.00001, 0.0005, 0.001, 0.99849] },
  phone: { m: [0.6, 0.4], u: [0.0001, 0.9999] },
};

/** Prior odds of a blocked candidate pair being a match: 1 : 2^18. */
const PRIOR_LAMBDA = 1 / (1 + 2 ** 18);

export function defaultOnlineParameters(): { fields: readonly MatchField[]; params: ModelParameters } {
  return {
    fields: MATCH_FIELDS,
    params: { lambda: PRIOR_LAMBDA, m: MATCH_FIELDS.map((f) => [...PRIORS[f].m]), u: MATCH_FIELDS.map((f) => [...PRIORS[f].u]) },
  };
}

/** The match vector of a record: its normalized traits plus its first email, phone and national id. */
export function matchVectorOf(identifiers: readonly Identifier[], traits: Traits): MatchVector {
  const v: Record<string, string> = {};
  for (const f of MATCH_FIELDS) {
    const t = traits[f as keyof Traits];
    if (t !== undefined && t.length > 0) v[f] = t;
  }
  for (const id of identifiers) {
    if ((id.type === 'email' || id.type === 'phone' || id.type === 'nationalId') && v[id.type] === undefined) v[id.type] = id.value;
  }
  return v;
}

export interface OnlineScore {
  readonly probability: number;
  readonly weight: number;
  readonly fields: readonly FieldWeight[];
}

export class OnlineMatcher {
  readonly options: OnlineMatchOptions;
  private readonly comparisons: readonly Comparison[];
  private readonly blocking: readonly BlockingRule[];
  private readonly weights: Float64Array[];
  private readonly prior: number;
  private readonly pair: Record<string, string[]> = {};
  private readonly compare: ((i: number, j: number) => number)[];

  /** `fields` names the comparisons `params` were estimated for, in defaultMatcherConfig order. */
  constructor(
    model: { fields: readonly string[]; params: ModelParameters } = defaultOnlineParameters(),
    options: Partial<OnlineMatchOptions> = {},
  ) {
    this.options = { ...DEFAULT_ONLINE_OPTIONS, ...options };
    const config = defaultMatcherConfig(model.fields);
    if (config.comparisons.length !== model.params.m.length) throw new Error('online model: parameters do not fit the fields');
    this.comparisons = config.comparisons;
    this.blocking = config.blocking;
    this.weights = levelWeights(model.params);
    this.prior = priorWeight(model.params.lambda);
    for (const f of MATCH_FIELDS) this.pair[f] = ['', ''];
    const columns: Columns = this.pair;
    this.compare = this.comparisons.map((c) => c.prepare(columns));
  }

  /** Blocking keys of a record: one per blocking rule whose fields it has. */
  blockingKeys(v: MatchVector): string[] {
    this.load(v, {});
    const keys: string[] = [];
    for (const rule of this.blocking) {
      const key = rule.key(this.pair, 0);
      if (key !== undefined) keys.push(`${rule.name}=${key}`);
    }
    return keys;
  }

  score(a: MatchVector, b: MatchVector): OnlineScore {
    this.load(a, b);
    let weight = this.prior;
    const fields: FieldWeight[] = [];
    for (let c = 0; c < this.comparisons.length; c++) {
      const comparison = this.comparisons[c] as Comparison;
      const level = (this.compare[c] as (i: number, j: number) => number)(0, 1);
      const w = level === 0 ? 0 : ((this.weights[c] as Float64Array)[level] as number);
      weight += w;
      fields.push({ field: comparison.field, level: level === 0 ? 'missing' : (comparison.levels[level - 1] ?? '?'), weight: w });
    }
    return { probability: probabilityFromWeight(weight), weight, fields };
  }

  /** Given names that cannot be one person's (Mary vs John) rule out an automatic link. */
  namesAllowLink(a: MatchVector, b: MatchVector): boolean {
    const fa = a['firstName']?.split(/[\s-]/)[0];
    const fb = b['firstName']?.split(/[\s-]/)[0];
    return fa === undefined || fb === undefined || fa.length === 0 || fb.length === 0 || compatibleNames(fa, fb);
  }

  private load(a: MatchVector, b: MatchVector): void {
    for (const f of MATCH_FIELDS) {
      const col = this.pair[f] as string[];
      col[0] = a[f] ?? '';
      col[1] = b[f] ?? '';
    }
  }
}
