/**
 * Baton fields on Salesforce records: after decisioning has run for an event (this stage is last in
 * the pipeline), the profile's stage, hotness and next best action are compared with the values last
 * written to each of its Contacts and Leads; when they differ, a durable `salesforce.writeback` job
 * writes them (one sObject Collections call for all of the profile's records) and remembers them.
 * The write carries `client=Baton`, so its change event is recognised as an echo and skipped.
 */
import { ApiBudgetError, batonFieldValues, classifyCode, describeError, type BatonValues } from './client';
import {
  type CardService,
  type Database,
  type EventStage,
  type JobHandler,
  type Logger,
  RateLimitedError,
  RetryLaterError,
  type WorkQueue,
} from '../../server/platform';
import type { SalesforceInstallations } from './installations';
import { linkRecord, markWritten, recordsOfProfile, unlinkRecord } from './records.repository';

export const WRITEBACK_JOB = 'salesforce.writeback';
const PERSON_OBJECTS = new Set(['Contact', 'Lead']);

export function valuesOf(card: Awaited<ReturnType<CardService['view']>>): BatonValues {
  return {
    stage: card.journey?.stage ?? null,
    nextAction: card.nextBestAction?.action.label ?? null,
    hotness: card.hotness === null ? null : Math.round(card.hotness.score),
    reason: card.nextBestAction?.reasons[0]?.text ?? null,
  };
}

const same = (a: BatonValues | null, b: BatonValues): boolean =>
  a !== null && a.stage === b.stage && a.nextAction === b.nextAction && a.hotness === b.hotness && a.reason === b.reason;

interface Deps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  /** The record card, when the cards module is loaded (nothing is written back without it). */
  readonly cards: CardService | undefined;
  readonly installations: SalesforceInstallations;
}

/** Links Salesforce records to profiles and schedules a write-back when Baton's values changed. */
export function writebackStage(deps: Deps): EventStage {
  return {
    name: 'salesforce.writeback',
    async run({ tenantId, event, profileId }) {
      const props = event.properties;
      if (event.source === 'salesforce' && typeof props['recordId'] === 'string' && typeof props['orgId'] === 'string') {
        if (event.type.endsWith('.deleted')) await unlinkRecord(deps.db, tenantId, props['orgId'], props['recordId']);
        else await linkRecord(deps.db, tenantId, props['orgId'], props['recordId'], String(props['objectType'] ?? ''), profileId);
      }
      if (profileId === null) return {};
      const install = await deps.installations.activeCached(tenantId);
      const { cards } = deps;
      if (install === undefined || cards === undefined) return {};
      const records = (await recordsOfProfile(deps.db, tenantId, install.orgId, profileId)).filter((r) => PERSON_OBJECTS.has(r.objectType));
      if (records.length === 0) return {};
      const values = valuesOf(await cards.view(tenantId, profileId));
      if (records.every((r) => same(r.written, values))) return {};
      await deps.work.enqueue({ tenantId, kind: WRITEBACK_JOB, payload: { profileId }, dedupeKey: `salesforce-writeback:${event.id}` });
      return {};
    },
  };
}

/** Writes the profile's current Baton values to those of its Contacts/Leads that differ. */
export function writebackHandler(deps: Deps & { rateLimitRetryMs: number }): JobHandler {
  return async (job) => {
    const profileId = job.payload['profileId'];
    if (typeof profileId !== 'string') throw new Error('salesforce.writeback job without a profileId');
    const install = await deps.installations.active(job.tenantId);
    const { cards } = deps;
    if (install === undefined || cards === undefined) return;
    const values = valuesOf(await cards.view(job.tenantId, profileId));
    const stale = (await recordsOfProfile(deps.db, job.tenantId, install.orgId, profileId)).filter(
      (r) => PERSON_OBJECTS.has(r.objectType) && !same(r.written, values),
    );
    if (stale.length === 0) return;
    const client = await deps.installations.client(install);
    let results;
    try {
      // The org's package decides the field names (namespaced or not); without usable fields there is
      // nothing to write, and the connection status tells the admin what to fix.
      const pkg = await deps.installations.packageOf(install);
      if (!pkg.fieldsReady || pkg.namespace === null) {
        deps.logger.warn(
          { tenantId: job.tenantId, orgId: install.orgId, problem: pkg.problem },
          'Salesforce write-back skipped: the Baton fields are not usable in this org',
        );
        return;
      }
      results = await client.updateRecords(
        stale.map((r) => ({ type: r.objectType, id: r.recordId, fields: batonFieldValues(values, pkg.namespace ?? '') })),
      );
    } catch (err) {
      if (err instanceof ApiBudgetError) throw new RateLimitedError(err.message, err.retryAfterMs);
      const d = describeError(err);
      if (d.cls === 'rate_limited') throw new RateLimitedError(`Salesforce API limit: ${d.message}`, deps.rateLimitRetryMs);
      if (d.cls === 'auth') {
        deps.logger.warn(
          { tenantId: job.tenantId, orgId: install.orgId, code: d.code },
          'Salesforce write-back skipped: the connection is not authorised',
        );
        return;
      }
      throw err;
    }
    let retry: string | undefined;
    for (const [i, r] of results.entries()) {
      const record = stale[i];
      if (record === undefined) continue;
      if (r.success) {
        await markWritten(deps.db, job.tenantId, install.orgId, record.recordId, values);
        continue;
      }
      const code = r.errors[0]?.statusCode ?? r.errors[0]?.errorCode ?? 'UNKNOWN';
      if (code === 'ENTITY_IS_DELETED' || code === 'INVALID_CROSS_REFERENCE_KEY' || code === 'NOT_FOUND')
        await unlinkRecord(deps.db, job.tenantId, install.orgId, record.recordId);
      else if (classifyCode(code) !== 'permanent') retry = code;
      else
        deps.logger.warn(
          { tenantId: job.tenantId, recordId: record.recordId, code, message: r.errors[0]?.message },
          'Salesforce refused a Baton field write-back',
        );
    }
    // Records locked or briefly unavailable: the job runs again (the written ones are skipped as unchanged).
    if (retry !== undefined) throw new RetryLaterError(`Salesforce could not update every record yet (${retry})`, 5_000);
  };
}
