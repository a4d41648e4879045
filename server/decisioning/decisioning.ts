/**
 * The decisioning parts the server composes, built once per process by the decisioning module and
 * passed to what needs them (routes, the pipeline stage, the Decider, the automation and card modules
 * through DECISIONING): the decision repository, the settings cache, the holdout assignments and the
 * two use cases, sharing one clock and one random source.
 */
import { createSeededRandom } from '../../app/decisioning';
import { systemClock, type Clock } from '../../app/shared/clock';
import type { Database } from '../db/database';
import { newToken } from '../security/ids';
import { serviceKey } from '../services';
import { DecideUseCase } from './decide.use-case';
import { DecisionRepository } from './decision.repository';
import { HoldoutAssignments } from './holdout.repository';
import { OutcomesUseCase } from './outcomes.use-case';
import { SettingsCache } from './settings-cache';

export interface Decisioning {
  readonly clock: Clock;
  readonly decisions: DecisionRepository;
  readonly settings: SettingsCache;
  readonly holdout: HoldoutAssignments;
  readonly decide: DecideUseCase;
  readonly outcomes: OutcomesUseCase;
}

/** The decisioning parts, for modules that read or move decisions (automation, record cards). */
export const DECISIONING = serviceKey<Decisioning>('decisioning.parts');

export function createDecisioning(db: Database, clock: Clock = systemClock): Decisioning {
  const random = createSeededRandom(newToken(12));
  const decisions = new DecisionRepository(clock);
  const settings = new SettingsCache(db, clock);
  const holdout = new HoldoutAssignments(db);
  return {
    clock,
    decisions,
    settings,
    holdout,
    decide: new DecideUseCase({ db, clock, random, settings, holdout, decisions }),
    outcomes: new OutcomesUseCase({ db, clock, random, decisions }),
  };
}

/** Whether the profile is in the persistent holdout group (assigned now if it never was). */
export async function inHoldout(d: Decisioning, tenantId: string, profileId: string): Promise<boolean> {
  const { config } = await d.settings.settings(tenantId);
  return d.holdout.of(tenantId, profileId, config);
}
