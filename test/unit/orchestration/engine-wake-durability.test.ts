import {
  advanceRun,
  definePlaybook,
  deliverEvent,
  resumeRun,
  startRun,
  submitApproval,
  transientError,
  type EngineDeps,
  type PlaybookInput,
  type RunSnapshot,
  type Scheduler,
  type WakeRequest,
} from '../../../app/orchestration';
import {
  CountingActionPort,
  ManualClock,
  MemoryPlaybookStore,
  MemoryRunStore,
  MemoryScheduler,
  ScriptedDecider,
  SequentialIds,
} from '../../../app/orchestration/memory';
import { defaultDecision, DAY, T0, TENANT, stepOf } from './support/harness';

/**
 * The most eager dispatcher possible: a wake-up that is due is delivered INSIDE `wakeAt`, before
 * the call returns (later ones are kept for the test to deliver). It also records what the store
 * held at the instant each wake-up was handed over. If the engine ever scheduled a wake-up before
 * the commit that needs it, the inline advance would see the old state, find nothing to do, and the
 * run would be left behind — these tests would then see it stuck.
 */
class EagerScheduler implements Scheduler {
  readonly later = new MemoryScheduler();
  readonly handedOver: { request: WakeRequest; stored: RunSnapshot | null }[] = [];
  deps: EngineDeps | null = null;
  private depth = 0;

  constructor(
    private readonly store: () => MemoryRunStore,
    private readonly clock: ManualClock,
  ) {}

  async wakeAt(request: WakeRequest): Promise<void> {
    this.handedOver.push({ request, stored: await this.store().load(request.tenantId, request.runId) });
    if (request.at > this.clock.now() || this.deps === null || this.depth > 20) {
      await this.later.wakeAt(request);
      return;
    }
    this.depth += 1;
    try {
      await advanceRun(this.deps, request.tenantId, request.runId);
    } finally {
      this.depth -= 1;
    }
  }
}

function eagerWorld() {
  const clock = new ManualClock(T0);
  let runs: MemoryRunStore | null = null;
  const scheduler = new EagerScheduler(() => {
    if (runs === null) throw new Error('store not ready');
    return runs;
  }, clock);
  runs = new MemoryRunStore(scheduler);
  const playbooks = new MemoryPlaybookStore();
  const actions = new CountingActionPort();
  const deps: EngineDeps = {
    runs,
    playbooks,
    scheduler,
    actions,
    decider: new ScriptedDecider(defaultDecision),
    clock,
    ids: new SequentialIds(),
  };
  scheduler.deps = deps;
  return { clock, runs, playbooks, actions, scheduler, deps };
}

const send = (id: string) => ({ id, kind: 'action' as const, action: { type: 'email' as const, params: { templateId: id } } });

async function publishAndStart(world: ReturnType<typeof eagerWorld>, input: PlaybookInput): Promise<string> {
  await world.playbooks.insert(TENANT, definePlaybook({ ...input, status: 'published' }), T0);
  const started = await startRun(world.deps, { tenantId: TENANT, playbookId: input.id, profileId: 'profile_1' });
  if (!started.ok) throw new Error(started.error.message);
  return started.snapshot.run.id;
}

const load = async (world: ReturnType<typeof eagerWorld>, runId: string): Promise<RunSnapshot> => {
  const snapshot = await world.runs.load(TENANT, runId);
  if (snapshot === null) throw new Error(`no run ${runId}`);
  return snapshot;
};

describe('a wake-up is never delivered before the state it wakes for is durable', () => {
  it('the first wake-up of a new run finds the run (it is recorded with the create)', async () => {
    const world = eagerWorld();
    const runId = await publishAndStart(world, { id: 'one', version: 1, name: 'one', steps: [send('hello')] });
    // The inline delivery inside create already ran the whole playbook: nothing was left for later.
    expect((await load(world, runId)).run.status).toBe('completed');
    expect(world.actions.effectsFor(runId, 'hello')).toHaveLength(1);
    expect(world.scheduler.later.nextAt()).toBeNull();
  });

  it('an approval, an event and a resume each wake a run that already holds the change', async () => {
    const world = eagerWorld();
    const runId = await publishAndStart(world, {
      id: 'signals',
      version: 1,
      name: 'signals',
      steps: [
        { id: 'approve', kind: 'wait', wait: { type: 'approval', timeout: '1d' } },
        { id: 'reply', kind: 'wait', wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'email_replied'] }, timeout: '2d' } },
        { ...send('offer'), retry: { maxAttempts: 1 } },
      ],
    });
    expect((await load(world, runId)).run).toMatchObject({ status: 'waiting', waitingFor: 'approval' });

    // The clock does not move: only the wake-ups these calls record can move the run on.
    expect(await submitApproval(world.deps, TENANT, runId, { stepId: 'approve', decision: 'approved' })).toMatchObject({ ok: true });
    expect((await load(world, runId)).run).toMatchObject({ status: 'waiting', waitingFor: 'event', cursor: 'reply' });

    world.actions.failNext('offer', transientError('http_503', 'unavailable'));
    await deliverEvent(world.deps, TENANT, { id: 'evt_1', type: 'email_replied', occurredAt: T0, profileId: 'profile_1' });
    expect((await load(world, runId)).run).toMatchObject({ status: 'failed', cursor: 'offer' });

    expect(await resumeRun(world.deps, TENANT, runId)).toMatchObject({ ok: true });
    const done = await load(world, runId);
    expect(done.run.status).toBe('completed');
    expect(stepOf(done, 'offer').status).toBe('succeeded');
    expect(world.actions.effectsFor(runId, 'offer')).toHaveLength(1);
    // Nothing relied on a timeout: the only wake-ups left for later are the waits' own deadlines.
    expect(world.scheduler.later.nextAt()).toBe(T0 + DAY);
  });

  it('every wake-up handed to the dispatcher finds its reason already stored', async () => {
    const world = eagerWorld();
    const runId = await publishAndStart(world, {
      id: 'timed',
      version: 1,
      name: 'timed',
      steps: [{ id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '1d' } }, send('later')],
    });
    const [start, pause] = world.scheduler.handedOver;
    // "start": the run already exists when its first wake-up is handed over.
    expect(start?.request.reason).toBe('start');
    expect(start?.stored?.run.id).toBe(runId);
    // The wait's deadline: the stored run is already waiting for it.
    expect(pause?.request.at).toBe(T0 + DAY);
    expect(pause?.stored?.run).toMatchObject({ status: 'waiting', wakeAt: T0 + DAY });
    expect(stepOf(pause?.stored as RunSnapshot, 'pause')).toMatchObject({ status: 'waiting', dueAt: T0 + DAY });
  });
});
