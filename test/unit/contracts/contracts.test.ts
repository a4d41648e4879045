/**
 * The API contract (app/contracts): the server's bodies fit it (checked by the compiler here, at
 * runtime by test/integration/api-contracts.test.ts), the HubSpot project carries an unchanged copy
 * of each contract file it uses and `npm run hubspot:check` notices a copy that drifted.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeadLetterListBody, LiftReportBody, ProfileSearchBody, RedriveManyBody } from '../../../app/contracts';
import {
  apiErrorSchema,
  cardActionResultSchema,
  cardViewSchema,
  emptyCard,
  runDetailSchema,
  settingsUpdateResultSchema,
} from '../../../app/contracts';
import { CONTRACT_SOURCES } from '../../../connectors/hubspot/project';
import { hubSpotProjectDrift } from '../../../scripts/generate-hubspot-project';
import type { deliveryReport, liftOverTime } from '../../../server/decisioning/lift.repository';
import type { deadLetterPage, redriveDeadLetters } from '../../../server/http/dead-letters.routes';
import type { profileSummaries } from '../../../server/identity/profiles.repository';

/** Compiles only when what the server sends (`Sent`) is a body the contract accepts. */
export type Fits<Sent extends Body, Body> = Sent;
export type DeadLetterPageFits = Fits<Awaited<ReturnType<typeof deadLetterPage>>, DeadLetterListBody>;
export type RedriveManyFits = Fits<Awaited<ReturnType<typeof redriveDeadLetters>>, RedriveManyBody>;
export type ProfileSearchFits = Fits<{ profiles: Awaited<ReturnType<typeof profileSummaries>> }, ProfileSearchBody>;
export type LiftFits = Fits<
  Awaited<ReturnType<typeof liftOverTime>> & { delivery: Awaited<ReturnType<typeof deliveryReport>> },
  LiftReportBody
>;

const ROOT = path.resolve(__dirname, '../../..');

describe('API contract', () => {
  it('reads what the server writes: the card and its action result, a run, the error envelope', () => {
    const card = emptyCard(new Date('2026-12-06T10:00:00Z'));
    expect(cardViewSchema.parse(card)).toEqual(card);
    expect(cardActionResultSchema.parse({ message: 'Dismissed.', card }).message).toBe('Dismissed.');
    expect(settingsUpdateResultSchema.safeParse({ message: 'Saved.', settings: {} }).success).toBe(false);
    const run = {
      id: 'run_1',
      playbookId: 'p',
      playbookVersion: 1,
      profileId: 'prof_1',
      status: 'waiting',
      currentStep: 'a',
      error: null,
      createdAt: '2026-12-06T10:00:00.000Z',
      updatedAt: null,
      steps: [{ stepId: 'a', kind: 'wait', status: 'waiting', input: null, output: null, attempt: 0, error: null }],
    };
    // Defaults apply on the reader's side (no attempts yet: an empty list); extra fields pass.
    expect(runDetailSchema.parse({ ...run, version: 3 }).steps[0]?.attempts).toEqual([]);
    expect(apiErrorSchema.parse({ error: { code: 'not_found', message: 'no route for GET /x' } }).error.code).toBe('not_found');
    expect(apiErrorSchema.safeParse({ message: 'no envelope' }).success).toBe(false);
  });

  it('ships each contract file into the HubSpot project unchanged but for its relative imports', () => {
    expect(CONTRACT_SOURCES.map((s) => s.from)).toEqual(
      expect.arrayContaining(['app/cards/card-view.ts', 'app/cards/settings-view.ts', 'app/contracts/common.ts']),
    );
    for (const { from, to } of CONTRACT_SOURCES) {
      const copy = readFileSync(path.join(ROOT, 'extensions/hubspot', to), 'utf8');
      const original = readFileSync(path.join(ROOT, from), 'utf8');
      expect({ to, body: copy.slice(copy.indexOf('\n') + 1).replace(/from '\.\/(stages|channels)'/g, "from '…'") }).toEqual({
        to,
        body: original.replace(/from '\.\.\/(journey\/stages|shared\/channels)'/g, "from '…'"),
      });
    }
  });

  it('notices a contract edited without regenerating the HubSpot project', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'baton-contract-drift-'));
    try {
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
      cpSync(path.join(ROOT, 'manifest.json'), path.join(root, 'manifest.json'));
      cpSync(path.join(ROOT, 'extensions/hubspot'), path.join(root, 'extensions/hubspot'), {
        recursive: true,
        filter: (src) => !src.includes('node_modules'),
      });
      for (const { from } of CONTRACT_SOURCES) {
        mkdirSync(path.dirname(path.join(root, from)), { recursive: true });
        cpSync(path.join(ROOT, from), path.join(root, from));
      }
      expect(hubSpotProjectDrift(root)).toEqual({ changed: [], stale: [] });
      const common = path.join(root, 'app/contracts/common.ts');
      writeFileSync(common, readFileSync(common, 'utf8').replace('message: z.string(), details', 'message: z.string().min(1), details'));
      expect(hubSpotProjectDrift(root)).toEqual({ changed: ['src/app/cards/lib/contract/common.ts'], stale: [] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
