/**
 * A catalog combined with the tenant's settings, resolved once and cached per (catalog, config)
 * object pair: each action's engagement checks, promotional flag, levers and net value. Decisions
 * then do no per-action string work beyond evaluating rules.
 */
import { CUSTOMER_CONTACT_CHANNELS } from '../shared/channels';
import { type Action, type ActionCatalog, type Channel } from './catalog';
import { type DecisioningConfig, type EngagementKind } from './config';
import { type JsonLogicRule } from './expressions';

export interface EngagementCheck {
  readonly kind: EngagementKind;
  /** "action eligibility" or the tenant policy's id. */
  readonly label: string;
  readonly description?: string;
  readonly rule: JsonLogicRule;
  /** Index into the shared (action-independent) result cache, or -1 when the rule reads `action`. */
  readonly sharedSlot: number;
  /**
   * For a rule that reads only plain `action.<field>` variables: those fields and a cache slot, so
   * the rule is evaluated once per distinct combination of their values in a decision (JSON-logic is
   * pure: same inputs, same result). Null when the rule must be evaluated for every action.
   */
  readonly keyed: { readonly slot: number; readonly fields: readonly string[] } | null;
}

export interface PreparedAction {
  readonly action: Action;
  readonly promotional: boolean;
  /** Levers L = max(0, 1 + (action lever % + channel lever %) / 100). */
  readonly levers: number;
  /** Value V = max(0, value − cost). */
  readonly netValue: number;
  /** Engagement checks in funnel order: eligibility, applicability, suitability. */
  readonly checks: readonly EngagementCheck[];
  /** Indexes of context weights that apply to this action. */
  readonly contextWeightSlots: readonly number[];
}

export interface PreparedCatalog {
  readonly actions: readonly PreparedAction[];
  /** Number of distinct action-independent engagement rules (size of the per-decision cache). */
  readonly sharedSlots: number;
  /** Number of keyed caches (rules that read a few action fields). */
  readonly keyedSlots: number;
}

const PROMOTIONAL_BY_DEFAULT: ReadonlySet<Channel> = new Set<Channel>(CUSTOMER_CONTACT_CHANNELS);
const KIND_ORDER: Record<EngagementKind, number> = { eligibility: 0, applicability: 1, suitability: 2 };

function readsAction(rule: JsonLogicRule): boolean {
  return typeof rule !== 'boolean' && JSON.stringify(rule).includes('action');
}

const SCOPE_CHANGING = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some', 'missing', 'missing_some']);

/** The `action.<field>` variables a rule reads, or null when that cannot be known statically. */
export function actionFieldsRead(rule: JsonLogicRule): string[] | null {
  const fields = new Set<string>();
  let known = true;
  const walk = (node: unknown): void => {
    if (!known) return;
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const keys = Object.keys(node);
    const op = keys[0];
    if (keys.length !== 1 || op === undefined) {
      Object.values(node).forEach(walk);
      return;
    }
    const args = (node as Record<string, unknown>)[op];
    if (SCOPE_CHANGING.has(op)) {
      known = false;
      return;
    }
    if (op === 'var') {
      const name = Array.isArray(args) ? args[0] : args;
      if (typeof name !== 'string') {
        known = false;
        return;
      }
      if (name === 'action' || name === '') known = false;
      else if (name.startsWith('action.')) fields.add(name.slice('action.'.length));
      if (Array.isArray(args)) args.slice(1).forEach(walk);
      return;
    }
    walk(args);
  };
  walk(rule);
  return known ? [...fields].sort() : null;
}

function appliesTo(scope: { actions?: readonly string[] | undefined; channels?: readonly Channel[] | undefined }, action: Action): boolean {
  if (scope.actions !== undefined && !scope.actions.includes(action.id)) return false;
  if (scope.channels !== undefined && !scope.channels.includes(action.channel)) return false;
  return true;
}

export function buildPreparedCatalog(actions: readonly Action[], config: DecisioningConfig): PreparedCatalog {
  const policies = [...config.engagementPolicies].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  const sharedSlotOf = new Map<number, number>();
  let sharedSlots = 0;
  const keyedOf = new Map<JsonLogicRule, { slot: number; fields: readonly string[] }>();
  let keyedSlots = 0;
  const keyedFor = (rule: JsonLogicRule): { slot: number; fields: readonly string[] } | null => {
    const known = keyedOf.get(rule);
    if (known !== undefined) return known;
    const fields = actionFieldsRead(rule);
    if (fields === null) return null;
    const keyed = { slot: keyedSlots++, fields };
    keyedOf.set(rule, keyed);
    return keyed;
  };
  policies.forEach((policy, index) => {
    if (!readsAction(policy.rule)) sharedSlotOf.set(index, sharedSlots++);
  });

  const prepared = actions.map((action): PreparedAction => {
    const settings = config.actionSettings[action.id];
    const checks: EngagementCheck[] = [];
    if (action.eligibility !== undefined) {
      checks.push({ kind: 'eligibility', label: 'action eligibility', rule: action.eligibility, sharedSlot: -1, keyed: null });
    }
    if (action.channel === 'crm_update' && action.params?.properties === undefined) {
      // Nothing to write: never chosen, and the explanation says what to add.
      checks.push({
        kind: 'eligibility',
        label: 'action setup',
        description: 'a crm_update action needs params.properties to write',
        rule: false,
        sharedSlot: -1,
        keyed: null,
      });
    }
    policies.forEach((policy, index) => {
      if (!appliesTo(policy, action)) return;
      checks.push({
        kind: policy.kind,
        label: policy.id,
        ...(policy.description !== undefined ? { description: policy.description } : {}),
        rule: policy.rule,
        sharedSlot: sharedSlotOf.get(index) ?? -1,
        keyed: sharedSlotOf.has(index) ? null : keyedFor(policy.rule),
      });
    });
    checks.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
    const leverPct = (settings?.leverPct ?? 0) + (config.levers.channels[action.channel] ?? 0);
    const contextWeightSlots: number[] = [];
    config.contextWeights.forEach((weight, index) => {
      if (appliesTo(weight, action)) contextWeightSlots.push(index);
    });
    return {
      action,
      promotional: settings?.promotional ?? PROMOTIONAL_BY_DEFAULT.has(action.channel),
      levers: Math.max(0, 1 + leverPct / 100),
      netValue: Math.max(0, action.value - (action.cost ?? 0)),
      checks,
      contextWeightSlots,
    };
  });
  return { actions: prepared, sharedSlots, keyedSlots };
}

const cache = new WeakMap<object, WeakMap<DecisioningConfig, PreparedCatalog>>();

/** Prepared form of a catalog, memoised on the identity of the actions array and the config object. */
export function prepareCatalog(catalog: ActionCatalog | readonly Action[], config: DecisioningConfig): PreparedCatalog {
  const actions: readonly Action[] = Array.isArray(catalog) ? catalog : (catalog as ActionCatalog).actions;
  let byConfig = cache.get(actions);
  if (byConfig === undefined) {
    byConfig = new WeakMap();
    cache.set(actions, byConfig);
  }
  let prepared = byConfig.get(config);
  if (prepared === undefined) {
    prepared = buildPreparedCatalog(actions, config);
    byConfig.set(config, prepared);
  }
  return prepared;
}
