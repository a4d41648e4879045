import fc from 'fast-check';
import { advanceRun, deliverEvent, resumeRun, startRun, type EngineDeps, type RunSnapshot } from '../../../app/orchestration';
import { renewalRescueDefinition } from '../../../app/orchestration/samples';
import { CrashPlan, redeliverUntilDone } from './support/crash-injector';
import { TENANT, makeWorld, publish, type World } from './support/harness';

const PROFILE = 'profile_42';
const context = { profile: { firstName: 'Grace', email: 'grace@example.com', timeZone: 'America/New_York' }, renewal: { arr: 60000 } };
const SIDE_EFFECT_STEPS = ['flag-at-risk', 'owner-task', 'outreach', 'log-reply'];

function crashingDeps(world: World, plan: CrashPlan): EngineDeps {
  return {
    ...world.deps,
    runs: plan.wrap('runs', world.runs),
    playbooks: plan.wrap('playbooks', world.playbooks),
    scheduler: plan.wrap('scheduler', world.scheduler),
    actions: plan.wrap('actions', world.actions),
    decider: plan.wrap('decider', world.decider),
  };
}

const waitingForReply = (snapshot: RunSnapshot) =>
  snapshot.run.cursor === 'await-reply' && snapshot.steps.some((s) => s.stepId === 'await-reply' && s.status === 'waiting');

/**
 * Drives the renewal-rescue sample to its end like the real system would: the dispatcher delivers
 * wake-ups (redelivering an invocation that crashed), the customer replies once the outreach is
 * sent, and an operator resumes the run if crashes ever exhaust a step's attempts.
 */
async function drive(world: World, deps: EngineDeps): Promise<string> {
  const started = await redeliverUntilDone(() =>
    startRun(deps, { tenantId: TENANT, playbookId: 'renewal-rescue', profileId: PROFILE, context }),
  );
  if (!started.ok) throw new Error(started.error.message);
  const runId = started.snapshot.run.id;
  let replied = false;
  for (let guard = 0; guard < 1_000; guard += 1) {
    const snapshot = await world.runs.load(TENANT, runId);
    if (snapshot === null) throw new Error('run vanished');
    if (['completed', 'exited', 'cancelled'].includes(snapshot.run.status)) return runId;
    if (snapshot.run.status === 'failed') {
      await redeliverUntilDone(() => resumeRun(deps, TENANT, runId));
      continue;
    }
    if (!replied && waitingForReply(snapshot)) {
      replied = true;
      const reply = { id: 'evt_reply', type: 'email_replied', occurredAt: world.clock.now(), profileId: PROFILE };
      await redeliverUntilDone(() => deliverEvent(deps, TENANT, reply));
      continue;
    }
    const due = world.scheduler.takeDue(world.clock.now());
    if (due.length > 0) {
      for (const wake of due) await redeliverUntilDone(() => advanceRun(deps, wake.tenantId, wake.runId));
      continue;
    }
    const next = world.scheduler.nextAt();
    if (next === null) throw new Error(`run ${runId} is stuck: ${snapshot.run.status} at ${snapshot.run.cursor} with nothing scheduled`);
    world.clock.set(Math.max(world.clock.now(), next));
  }
  throw new Error('the run never ended');
}

async function scenario(crashAt: ReadonlySet<number>, when: 'before' | 'after') {
  const world = makeWorld();
  await publish(world, renewalRescueDefinition);
  const plan = new CrashPlan(crashAt, when);
  const runId = await drive(world, crashingDeps(world, plan));
  const snapshot = await world.runs.load(TENANT, runId);
  return { world, plan, runId, snapshot };
}

function expectExactlyOnce({ world, runId, snapshot }: Awaited<ReturnType<typeof scenario>>): void {
  expect(snapshot?.run).toMatchObject({ status: 'completed', end: { kind: 'exit_step', detail: 'customer engaged' } });
  for (const stepId of SIDE_EFFECT_STEPS) expect(world.actions.effectsFor(runId, stepId)).toHaveLength(1);
  expect(world.actions.effects()).toHaveLength(SIDE_EFFECT_STEPS.length);
  expect(world.actions.maxApplicationsPerKey()).toBe(1);
  expect(world.decider.decisionsMade).toBe(1);
}

describe('crash at every port call', () => {
  let cleanCalls = 0;

  beforeAll(async () => {
    const clean = await scenario(new Set(), 'before');
    expectExactlyOnce(clean);
    cleanCalls = clean.plan.calls;
    // Wake-ups travel inside runs.create / runs.commit (a crash "after" those means written with its wake-up).
    expect(clean.plan.log).toEqual(expect.arrayContaining(['actions.execute', 'decider.decide', 'runs.commit', 'runs.create']));
  });

  it('the clean run makes a known number of port calls', () => {
    expect(cleanCalls).toBeGreaterThan(20);
  });

  it.each(['before', 'after'] as const)('every effect happens exactly once when the process dies %s any single call', async (when) => {
    for (let call = 1; call <= cleanCalls; call += 1) {
      const result = await scenario(new Set([call]), when);
      expect(result.plan.crashes).toBe(1);
      try {
        expectExactlyOnce(result);
      } catch (error) {
        throw new Error(`crash ${when} call #${call} (${result.plan.log[call - 1] ?? '?'}): ${String(error)}`, { cause: error });
      }
    }
  });

  it('every effect happens exactly once under several crashes anywhere (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: cleanCalls * 2 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('before' as const, 'after' as const),
        async (calls, when) => {
          expectExactlyOnce(await scenario(new Set(calls), when));
        },
      ),
      { numRuns: 60 },
    );
  });
});
