/**
 * Baton's HubSpot settings page API (contract: app/cards/settings-view.ts), signed by HubSpot like the
 * card API, the portal taken from what HubSpot signs:
 * - `GET /hubspot/settings` → SettingsView: the connection (connected, or disconnected with HubSpot's
 *   reason, e.g. invalid_grant), the tenant's policies and its playbooks;
 * - `PUT /hubspot/settings` (SettingsUpdateRequest) → `{ message, settings }`.
 * Policies are the decisioning settings (the rows `PUT /api/v1/policies` writes, with the same
 * validation); only the fields the page edits change (quiet-hour window, the cross-channel daily and
 * weekly caps, holdout and random-control shares), everything else stays. Playbooks on/off use the
 * runs module's playbook store: off archives the published version (runs in flight finish on it), on
 * publishes the newest draft, or republishes the newest archived definition as a new version (the
 * playbook lifecycle never un-archives). Policies and playbooks change in one transaction. Decisions
 * read policies through a 2-second cache, so a save applies everywhere within that.
 */
import { Router } from 'express';
import {
  SETTINGS_BOUNDS,
  settingsUpdateRequestSchema,
  type SettingsPlaybook,
  type SettingsPolicies,
  type SettingsUpdateRequest,
  type SettingsUpdateResult,
  type SettingsView,
} from '../../app/cards/settings-view';
import { parseDecisioningConfig, type DecisioningConfig } from '../../app/decisioning';
import {
  archivePlaybook,
  createPlaybookVersion,
  isValidTimeZone,
  publishPlaybook,
  type PlaybookServiceResult,
  type StoredPlaybook,
} from '../../app/orchestration';
import {
  type Database,
  HttpError,
  loadConfig,
  loadPolicyInput,
  type Queryable,
  type RunsService,
  savePolicies,
  SqlPlaybookStore,
  validationError,
} from '../../server/platform';
import { signedPortal } from './cards.routes';
import type { Installation } from './installations';
import { jsonBody, rawBody, requireSignature } from './signed';
import { systemClock } from '../../app/shared/clock';

export interface SettingsRoutesDeps {
  readonly db: Database;
  readonly publicUrl: string;
  readonly clientSecret: () => string | undefined;
  readonly runs: () => RunsService | undefined;
  readonly now?: () => number;
}

const clamp = (value: number, bounds: { min: number; max: number }): number => Math.min(bounds.max, Math.max(bounds.min, value));

function capOf(config: DecisioningConfig, period: 'day' | 'week'): number | undefined {
  return config.frequencyCaps.find((c) => c.channel === 'all' && c.period === period)?.max;
}

/** The page's view of the effective policies (values outside the page's bounds are shown at the bound). */
export function policiesView(config: DecisioningConfig): SettingsPolicies {
  const perWeek = clamp(capOf(config, 'week') ?? SETTINGS_BOUNDS.perWeek.max, SETTINGS_BOUNDS.perWeek);
  const perDay = Math.min(perWeek, clamp(capOf(config, 'day') ?? SETTINGS_BOUNDS.perDay.max, SETTINGS_BOUNDS.perDay));
  return {
    quietHours: { enabled: config.quietHours.enabled, start: config.quietHours.start, end: config.quietHours.end },
    frequencyCaps: { perDay, perWeek },
    holdoutShare: clamp(config.holdout.share, SETTINGS_BOUNDS.holdoutShare),
    randomControlShare: clamp(config.randomControlShare, SETTINGS_BOUNDS.randomControlShare),
  };
}

const asObject = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The stored policy input with the page's fields applied; other settings (and per-channel caps) kept. */
export function mergePolicies(stored: unknown, effective: DecisioningConfig, page: SettingsPolicies): Record<string, unknown> {
  const input = asObject(stored);
  const caps = effective.frequencyCaps.filter((c) => !(c.channel === 'all' && (c.period === 'day' || c.period === 'week')));
  return {
    ...input,
    quietHours: { ...asObject(input['quietHours']), ...page.quietHours },
    frequencyCaps: [
      { channel: 'all', period: 'day', max: page.frequencyCaps.perDay },
      { channel: 'all', period: 'week', max: page.frequencyCaps.perWeek },
      ...caps,
    ],
    holdout: { ...asObject(input['holdout']), share: page.holdoutShare },
    randomControlShare: page.randomControlShare,
  };
}

/** Each playbook once: on when a version is published; the version new runs start on (or would). */
export function playbooksView(stored: readonly StoredPlaybook[]): SettingsPlaybook[] {
  const byId = new Map<string, StoredPlaybook[]>();
  for (const s of stored) byId.set(s.playbook.id, [...(byId.get(s.playbook.id) ?? []), s]);
  return [...byId.entries()]
    .map(([playbookId, versions]) => {
      const sorted = [...versions].sort((a, b) => b.playbook.version - a.playbook.version);
      const published = sorted.find((v) => v.playbook.status === 'published');
      const archived = sorted.find((v) => v.playbook.status === 'archived');
      const shown = published ?? sorted[0];
      return {
        playbookId,
        name: shown?.playbook.name ?? playbookId,
        version: (published ?? archived)?.playbook.version ?? null,
        description: shown?.playbook.description ?? null,
        enabled: published !== undefined,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, 200);
}

function connectionView(install: Installation, publicUrl: string): SettingsView['connection'] {
  return {
    status: install.status === 'active' ? 'connected' : install.status,
    portalId: install.portalId,
    reason: install.status === 'active' ? null : install.statusReason,
    connectedAt: install.status === 'active' ? install.installedAt : null,
    scopes: [...install.scopes],
    installUrl: `${publicUrl}/oauth/hubspot/install`,
  };
}

const refusal = (result: Exclude<PlaybookServiceResult, { ok: true }>): HttpError =>
  new HttpError(409, 'playbook_conflict', result.message);

/** Turns one playbook on or off; returns whether anything changed. */
async function setEnabled(
  store: SqlPlaybookStore,
  clock: { now: () => number },
  tenantId: string,
  versions: readonly StoredPlaybook[],
  enabled: boolean,
): Promise<boolean> {
  const sorted = [...versions].sort((a, b) => b.playbook.version - a.playbook.version);
  const published = sorted.find((v) => v.playbook.status === 'published');
  const newest = sorted[0];
  if (newest === undefined || enabled === (published !== undefined)) return false;
  const id = newest.playbook.id;
  if (!enabled && published !== undefined) {
    const r = await archivePlaybook(store, clock, tenantId, id, published.playbook.version);
    if (!r.ok) throw refusal(r);
    return true;
  }
  let version = newest.playbook.version;
  if (newest.playbook.status === 'archived') {
    const { version: _old, status: _status, ...definition } = newest.playbook;
    const created = await createPlaybookVersion(store, clock, tenantId, definition);
    if (!created.ok) throw refusal(created);
    version = created.stored.playbook.version;
  }
  const r = await publishPlaybook(store, clock, tenantId, id, version);
  if (!r.ok) throw refusal(r);
  return true;
}

export function settingsRoutes(deps: SettingsRoutesDeps): Router {
  const router = Router();
  const signed = requireSignature({ publicUrl: deps.publicUrl, clientSecret: deps.clientSecret });
  const clock = { now: deps.now ?? ((): number => systemClock.now()) };

  function runs(): RunsService {
    const r = deps.runs();
    if (r === undefined) throw new HttpError(503, 'runs_unavailable', 'playbooks are not running on this server');
    return r;
  }

  async function view(q: Queryable, install: Installation): Promise<SettingsView> {
    const [config, stored, playbooks] = await Promise.all([
      loadConfig(q, install.tenantId),
      loadPolicyInput(q, install.tenantId),
      new SqlPlaybookStore(q).list(install.tenantId),
    ]);
    return {
      connection: connectionView(install, deps.publicUrl),
      policies: policiesView(config),
      playbooks: playbooksView(playbooks),
      updatedAt: stored?.updatedAt ?? null,
    };
  }

  router.get('/hubspot/settings', signed, async (req, res) => {
    const install = await signedPortal(deps.db, req, { allowInactive: true });
    await runs().ensureSamples(install.tenantId);
    res.json(await view(deps.db, install));
  });

  router.put('/hubspot/settings', rawBody, signed, async (req, res) => {
    const install = await signedPortal(deps.db, req, { allowInactive: true });
    const parsed = settingsUpdateRequestSchema.safeParse(jsonBody(req));
    if (!parsed.success) throw validationError(parsed.error, 'settings');
    const request: SettingsUpdateRequest = parsed.data;
    await runs().ensureSamples(install.tenantId);
    const tenantId = install.tenantId;
    const changed = await deps.db.transaction(async (tx) => {
      const store = new SqlPlaybookStore(tx);
      const all = await store.list(tenantId);
      const unknown = request.playbooks.filter((p) => !all.some((s) => s.playbook.id === p.playbookId)).map((p) => p.playbookId);
      if (unknown.length > 0)
        throw new HttpError(
          404,
          'playbook_not_found',
          `no playbook ${unknown.map((u) => `"${u}"`).join(', ')} in this Baton workspace; reload the settings`,
        );

      const [stored, effective] = await Promise.all([loadPolicyInput(tx, tenantId), loadConfig(tx, tenantId)]);
      const input = mergePolicies(stored?.config, effective, request.policies);
      const checked = parseDecisioningConfig(input);
      if (!checked.ok) {
        const first = checked.issues[0];
        throw new HttpError(
          400,
          'invalid_policies',
          `the stored policies would not be valid: ${first?.path ?? ''} ${first?.message ?? ''}`.trim(),
          checked.issues,
        );
      }
      if (!isValidTimeZone(checked.config.quietHours.defaultTimeZone)) {
        throw new HttpError(
          400,
          'invalid_policies',
          `quietHours.defaultTimeZone "${checked.config.quietHours.defaultTimeZone}" is not an IANA time zone; fix it through PUT /api/v1/policies`,
        );
      }
      await savePolicies(tx, tenantId, input);

      const turned: { on: string[]; off: string[] } = { on: [], off: [] };
      for (const p of request.playbooks) {
        const versions = all.filter((s) => s.playbook.id === p.playbookId);
        if (await setEnabled(store, clock, tenantId, versions, p.enabled))
          turned[p.enabled ? 'on' : 'off'].push(versions[0]?.playbook.name ?? p.playbookId);
      }
      return turned;
    });
    const parts = [
      changed.on.length > 0 ? `turned on ${changed.on.join(', ')}` : '',
      changed.off.length > 0 ? `turned off ${changed.off.join(', ')} (runs in progress finish)` : '',
    ].filter((x) => x !== '');
    res.json({
      message: `Settings saved${parts.length > 0 ? `: ${parts.join('; ')}` : ''}.`,
      settings: await view(deps.db, install),
    } satisfies SettingsUpdateResult);
  });
  return router;
}
