/**
 * Per-tenant training of the online matcher: the same unsupervised estimation as a batch run
 * (u from random pairs, m by EM per blocking rule, the prior as a fixed point), on the match vectors
 * of the tenant's own records. The result replaces the built-in priors of model/online.ts.
 */
import { z } from 'zod';
import type { Columns } from '../compare/comparisons';
import type { MatchVector } from '../graph/model';
import type { Random } from '../util/prng';
import { defaultMatcherConfig, MATCH_FIELDS } from './defaults';
import { trainMatcher } from './matcher';
import type { ModelParameters } from './parameters';

export interface TenantModel {
  /** The fields the parameters are for, in defaultMatcherConfig order (OnlineMatcher's `fields`). */
  readonly fields: readonly string[];
  readonly params: ModelParameters;
  /** Records trained on and blocked candidate pairs EM saw. */
  readonly records: number;
  readonly pairs: number;
}

export interface TenantTrainingOptions {
  /** Fewer records than this: no model (the built-in priors are better than EM on a handful). */
  readonly minRecords: number;
  /** A field filled on fewer records than this share is left out. */
  readonly minFill: number;
}

export const DEFAULT_TENANT_TRAINING: TenantTrainingOptions = { minRecords: 200, minFill: 0.05 };

export type TenantTrainingResult = { readonly model: TenantModel } | { readonly model: undefined; readonly reason: string };

export function trainTenantModel(
  vectors: readonly MatchVector[],
  random: Random,
  options: TenantTrainingOptions = DEFAULT_TENANT_TRAINING,
): TenantTrainingResult {
  const n = vectors.length;
  if (n < options.minRecords)
    return { model: undefined, reason: `${n} records with match fields; at least ${options.minRecords} are needed` };
  const columns: Record<string, string[]> = {};
  const fields: string[] = [];
  for (const f of MATCH_FIELDS) {
    const col = vectors.map((v) => v[f] ?? '');
    if (col.filter((x) => x.length > 0).length >= options.minFill * n) {
      columns[f] = col;
      fields.push(f);
    }
  }
  const config = defaultMatcherConfig(fields, { uSamples: Math.min(20_000, Math.max(5_000, n)) });
  if (config.comparisons.length < 2 || config.blocking.length === 0)
    return { model: undefined, reason: `too few filled match fields (${fields.join(', ') || 'none'})` };
  const { model, pairs } = trainMatcher(config, columns as Columns, n, random);
  if (pairs.count === 0) return { model: undefined, reason: 'no candidate pairs: nothing for EM to learn from' };
  return { model: { fields: config.comparisons.map((c) => c.field), params: model.params, records: n, pairs: pairs.count } };
}

const probabilities = z.array(z.array(z.number().min(0).max(1)));

/** A stored model, validated before it is used (parameters must fit the fields' comparisons). */
export const tenantModelSchema = z
  .object({
    fields: z.array(z.enum(MATCH_FIELDS)).min(1),
    params: z.object({ lambda: z.number().gt(0).lt(1), m: probabilities, u: probabilities }),
  })
  .refine((v) => {
    const comparisons = defaultMatcherConfig(v.fields).comparisons;
    return (
      comparisons.length === v.fields.length &&
      [v.params.m, v.params.u].every(
        (rows) => rows.length === comparisons.length && rows.every((row, c) => row.length === comparisons[c]?.levels.length),
      )
    );
  }, 'parameters do not fit the fields');
