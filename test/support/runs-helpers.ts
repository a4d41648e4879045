import { permanentError, type ActionPort, type ActionRequest, type ActionResult } from '../../app/orchestration';
import type { ModuleFactory } from '../../server/module';
import { waitFor } from './services';

/**
 * Test stand-in for the identity module (being built separately): the profile id of an event is the
 * value of its `externalId` identifier, so tests can address runs' profiles through POST /events.
 */
export const externalIdIdentity: ModuleFactory = () => ({
  name: 'test-identity',
  identify: async (_tx, { event }) => event.subject.identifiers.find((i) => i.type === 'externalId')?.value ?? null,
});

/**
 * A connector port that refuses the first call for each key of the kinds it is given (permanent
 * error, so no effect), then delegates: drives a run to `failed` so resume can be tested.
 */
export class RefuseOnceActionPort implements ActionPort {
  private readonly refused = new Set<string>();
  constructor(
    private readonly inner: ActionPort,
    private readonly stepIds: readonly string[],
  ) {}

  async execute(request: ActionRequest): Promise<ActionResult> {
    const first = this.stepIds.includes(request.stepId) && !this.refused.has(request.runId);
    if (first) {
      this.refused.add(request.runId);
      return { ok: false, error: permanentError('vendor_refused', 'the vendor refused the request (test)') };
    }
    return this.inner.execute(request);
  }
}

/** Slows every action call down (before and after the inner call) so a test can kill a process mid-call. */
export function slowActions(beforeMs: number, afterMs: number): (port: ActionPort) => ActionPort {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return (port) => ({
    async execute(request) {
      await sleep(beforeMs);
      const result = await port.execute(request);
      await sleep(afterMs);
      return result;
    },
  });
}

export interface ApiClient {
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export function apiClient(baseUrl: string, apiKey: string): ApiClient {
  return {
    async call<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
    },
  };
}

export interface RunJson {
  id: string;
  status: string;
  currentStep: string | null;
  waitingFor: string | null;
  wakeAt: string | null;
  error: { code: string; message: string } | null;
  end: { kind: string; detail: string | null } | null;
  steps: {
    stepId: string;
    status: string;
    attempt: number;
    input: unknown;
    output: unknown;
    error: unknown;
    startedAt: string | null;
    finishedAt: string | null;
    idempotencyKey: string | null;
    attempts: { attempt: number; outcome: string; error: unknown; idempotencyKey: string | null; startedAt: string; finishedAt: string }[];
  }[];
  [key: string]: unknown;
}

export async function waitForRun(
  api: ApiClient,
  runId: string,
  accept: (run: RunJson) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<RunJson> {
  return waitFor(
    async () => {
      const r = await api.call<RunJson>('GET', `/runs/${runId}`);
      return r.status === 200 && accept(r.body) ? r.body : undefined;
    },
    `${what} (run ${runId})`,
    timeoutMs,
    100,
  );
}

/** An IANA zone where it is a weekday between 09:00 and 16:00 right now, if there is one. */
export function zoneInBusinessHours(now = new Date()): string | undefined {
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(
      now,
    );
    const weekday = parts.find((p) => p.type === 'weekday')?.value ?? '';
    const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? -1);
    if (!['Sat', 'Sun'].includes(weekday) && hour >= 9 && hour <= 15) return zone;
  }
  return undefined;
}
