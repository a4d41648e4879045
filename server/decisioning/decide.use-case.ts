/**
 * Deciding for a live profile: reads the tenant's settings, the person's snapshot and their persistent
 * holdout assignment, runs the pure core (app/decisioning) over the SQL ports and logs the decision
 * with its explanation, once per idempotency key.
 */
import { DecisioningService, type Action, type ActionCatalog, type DecisionContext, type DecisionRecord } from '../../app/decisioning';
import type { Clock } from '../../app/shared/clock';
import type { Random } from '../../app/shared/random';
import type { Database } from '../db/database';
import { profileAliases } from '../identity/profiles.repository';
import { newId } from '../security/ids';
import type { DecisionRepository, StoredDecision } from './decision.repository';
import type { HoldoutAssignments } from './holdout.repository';
import { loadSnapshot } from './profile-state.repository';
import type { SettingsCache } from './settings-cache';
import {
  contactRecord,
  initialStatus,
  PreloadedContactHistory,
  PreloadedPosteriorStore,
  propensityTable,
  SqlContactHistory,
  SqlDecisionStore,
  SqlPosteriorStore,
  type DecisionOrigin,
} from './stores.repository';

/** The core looks at a person's contacts of the last week (app/decisioning/service.ts); read ahead with the snapshot. */
const CONTACTS_WINDOW_MS = 7 * 24 * 3_600_000;

export interface DecideOptions {
  readonly origin: DecisionOrigin;
  /** Asking again with the same key returns the logged decision instead of deciding anew. */
  readonly idempotencyKey?: string;
  /** The caller knows no decision was logged under the key yet (skips the look-up; a race still resolves to the first). */
  readonly fresh?: boolean;
  /** The profile's aliases (live id first), when the caller has them already. */
  readonly aliases?: readonly string[];
}

export interface DecideDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: SettingsCache;
  readonly holdout: HoldoutAssignments;
  readonly decisions: DecisionRepository;
}

export class DecideUseCase {
  constructor(private readonly deps: DecideDeps) {}

  /** Decides for a live profile id and logs the decision with its explanation. */
  async decide(tenantId: string, profileId: string, context: DecisionContext, options: DecideOptions): Promise<StoredDecision> {
    const { db, decisions } = this.deps;
    if (options.idempotencyKey !== undefined && options.fresh !== true) {
      const logged = await decisions.findByKey(db, tenantId, options.idempotencyKey);
      if (logged !== undefined) return logged;
    }
    const now = this.deps.clock.now();
    const aliases = options.aliases ?? (await profileAliases(db, tenantId, profileId));
    const { catalog, config } = await this.deps.settings.settings(tenantId);
    // The posteriors of the catalog's actions and the person's contacts of the last week (what the core
    // reads next) come with the snapshot, in its statement.
    const actionIds = (Array.isArray(catalog) ? (catalog as readonly Action[]) : (catalog as ActionCatalog).actions).map((a) => a.id);
    const contactsSince = now - CONTACTS_WINDOW_MS;
    // A person's first decision draws their holdout assignment in the snapshot's statement.
    const knownHoldout = this.deps.holdout.known(tenantId, profileId);
    const { snapshot, posteriors, contacts, inHoldout } = await loadSnapshot(db, tenantId, aliases, now, {
      actionIds,
      contactsSince,
      ...(knownHoldout === undefined ? { holdout: { profileId, ...this.deps.holdout.draw(profileId, config) } } : {}),
    });
    if (inHoldout !== undefined && inHoldout !== null) this.deps.holdout.remember(tenantId, profileId, inHoldout);
    const holdoutAssignment =
      knownHoldout ?? (inHoldout === undefined || inHoldout === null ? await this.deps.holdout.of(tenantId, profileId, config) : inHoldout);
    const store = new SqlDecisionStore(db, tenantId, {
      origin: options.origin,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
    let saved: DecisionRecord | undefined;
    const service = new DecisioningService({
      clock: { now: () => now },
      random: this.deps.random,
      ids: { newId },
      posteriors: new PreloadedPosteriorStore(actionIds, propensityTable(posteriors ?? []), new SqlPosteriorStore(db, tenantId)),
      contacts: new PreloadedContactHistory(
        profileId,
        contactsSince,
        (contacts ?? []).map(contactRecord),
        new SqlContactHistory(db, tenantId, aliases),
      ),
      decisions: {
        get: (id) => store.get(id),
        settle: (s) => store.settle(s),
        openFor: (p, at) => store.openFor(p, at),
        expired: (n, l) => store.expired(n, l),
        liftRows: () => store.liftRows(),
        save: (record) => {
          saved = record;
          return store.save(record);
        },
      },
    });
    // The person's language rides on the decision so the chosen action goes out in it (actionParams).
    const decisionContext =
      snapshot.language !== undefined && context['language'] === undefined ? { ...context, language: snapshot.language } : context;
    await service.decide({ profile: snapshot, context: decisionContext, catalog, config, holdoutAssignment });
    if (saved !== undefined && store.lastSaveInserted) {
      const { status, until } = initialStatus(saved);
      return {
        record: saved,
        settlement: null,
        origin: options.origin,
        status,
        until,
        statusAt: saved.decidedAt,
        draft: null,
        runId: null,
      };
    }
    // Under a race on the idempotency key the first decision wins: read it back.
    const stored = options.idempotencyKey !== undefined ? await decisions.findByKey(db, tenantId, options.idempotencyKey) : undefined;
    if (stored === undefined) throw new Error('a decision was not stored');
    return stored;
  }
}
