import {
  undeliverableError,
  undeliverablePolicy,
  type ActionKind,
  type ActionPort,
  type ActionRequest,
  type ActionResult,
  type Playbook,
} from '../../app/orchestration';

/**
 * Whether a port serves this request, typically "does this tenant have an active connection of mine
 * and does the person have a record there?" (HubSpot and Salesforce both handle `crm_update`; the CRM
 * that holds the person acts).
 */
export type ActionGuard = (request: ActionRequest) => Promise<boolean>;

/** Whether the tenant has connected the system behind a port at all (publish-time check). */
export type AvailabilityCheck = (tenantId: string) => Promise<boolean>;

export interface RouteOptions {
  readonly handles?: ActionGuard;
  /** Defaults to "always" (a port without a connection to check, e.g. a test recorder). */
  readonly available?: AvailabilityCheck;
  /** Shown in reasons and logs ("HubSpot", "Salesforce", "Zendesk"…). */
  readonly name?: string;
}

interface Route {
  readonly port: ActionPort;
  readonly handles: ActionGuard | undefined;
  readonly available: AvailabilityCheck | undefined;
  readonly name: string;
}

/** A step of a playbook that the tenant's connected systems cannot carry out. */
export interface UnsupportedStep {
  readonly stepId: string;
  readonly kind: ActionKind;
  readonly reason: string;
}

const KIND_LABEL: Readonly<Record<ActionKind, string>> = {
  crm_update: 'a CRM update',
  task: 'a task',
  note: 'a note',
  email: 'an email',
  message: 'a message',
  ticket: 'a ticket',
  workflow_enrollment: 'a workflow enrollment',
  sequence_enrollment: 'a sequence/cadence enrollment',
  callback_completion: 'a workflow callback completion',
  reply_in_thread: 'an inbox reply',
  book_meeting: 'a meeting booking',
};

const list = (names: readonly string[]): string =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1] ?? ''}`;

/**
 * The ActionPort the engine sees: routes each request by its kind to the first registered port whose
 * guard accepts it. Each routed port keeps the at-most-once-per-key contract itself; the registry adds
 * no retries and no state. When no port can take the request, nothing is sent and the answer is
 * `undeliverable` with a reason a person can act on (which systems were asked and why none could);
 * the step's `onUndeliverable` then decides whether the run skips it, fails or falls back. There is no
 * catch-all port: an action is either carried out by a real system or visibly not delivered.
 */
export class ActionRegistry implements ActionPort {
  private readonly routes = new Map<ActionKind, Route[]>();
  private readonly catchAll: ActionPort | undefined;

  /**
   * `catchAll`: tests and the bench only — a port tried after every registered one, for every kind
   * (e.g. one recording effects in a table). The service never configures one.
   */
  constructor(options: { readonly catchAll?: ActionPort } = {}) {
    this.catchAll = options.catchAll;
  }

  /**
   * Routes `kind` to `port` for requests its guard accepts (all requests without a guard). Ports are
   * tried in registration order.
   */
  register(kind: ActionKind, port: ActionPort, options: RouteOptions = {}): void {
    const routes = this.routes.get(kind) ?? [];
    routes.push({ port, handles: options.handles, available: options.available, name: options.name ?? `port#${routes.length + 1}` });
    this.routes.set(kind, routes);
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    const routes = this.routes.get(request.kind) ?? [];
    const connected: string[] = [];
    for (const route of routes) {
      if (route.handles === undefined || (await route.handles(request))) return route.port.execute(request);
      if (route.available === undefined || (await route.available(request.tenantId))) connected.push(route.name);
    }
    if (this.catchAll !== undefined) return this.catchAll.execute(request);
    const what = KIND_LABEL[request.kind];
    if (connected.length === 0) {
      const could = routes.map((r) => r.name);
      return {
        ok: false,
        error: undeliverableError(
          'no_connected_system',
          could.length === 0
            ? `nothing was sent: no system Baton connects to can deliver ${what} (step "${request.stepId}"); change the step or give it a fallback`
            : `nothing was sent: ${what} needs ${list(could)}, and this tenant has not connected ${could.length === 1 ? 'it' : 'any of them'}; connect one, or give step "${request.stepId}" a fallback`,
        ),
      };
    }
    return {
      ok: false,
      error: undeliverableError(
        'no_record_for_person',
        `nothing was sent: ${list(connected)} ${connected.length === 1 ? 'has' : 'have'} no record of this person to deliver ${what} to (step "${request.stepId}"); sync the person to the CRM, or give the step a fallback`,
      ),
    };
  }

  /** Systems this tenant has connected that can carry out `kind` (empty: none). */
  async connectedFor(tenantId: string, kind: ActionKind): Promise<string[]> {
    const names: string[] = this.catchAll === undefined ? [] : ['test catch-all'];
    for (const route of this.routes.get(kind) ?? []) {
      if (route.available === undefined || (await route.available(tenantId))) names.push(route.name);
    }
    return names;
  }

  /**
   * The action steps of `playbook` that no system this tenant has connected can carry out and that
   * name no fallback step (a fallback is itself a step of the playbook, checked the same way).
   * Publishing such a playbook is refused: every run would end these steps undeliverable.
   */
  async unsupportedSteps(tenantId: string, playbook: Playbook): Promise<UnsupportedStep[]> {
    const problems: UnsupportedStep[] = [];
    for (const step of playbook.steps) {
      if (step.kind !== 'action') continue;
      if (typeof undeliverablePolicy(playbook, step) === 'object') continue;
      const kind = step.action.type;
      if ((await this.connectedFor(tenantId, kind)).length > 0) continue;
      const could = (this.routes.get(kind) ?? []).map((r) => r.name);
      problems.push({
        stepId: step.id,
        kind,
        reason:
          could.length === 0
            ? `step "${step.id}": no system Baton connects to can deliver ${KIND_LABEL[kind]}; remove the step or give it onUndeliverable: { fallback: "<step id>" }`
            : `step "${step.id}": ${KIND_LABEL[kind]} needs ${list(could)}, which this tenant has not connected; connect ${could.length === 1 ? 'it' : 'one'} or give the step onUndeliverable: { fallback: "<step id>" }`,
      });
    }
    return problems;
  }
}
