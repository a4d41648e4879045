import { permanentError, type ActionKind, type ActionPort, type ActionRequest, type ActionResult } from '../../app/orchestration';

export interface ActionRegistryOptions {
  /** Connector ports by action kind (CRM update, task, email… as connectors land). */
  readonly routes?: Partial<Record<ActionKind, ActionPort>>;
  /** The port for kinds without a route; undefined makes such actions fail permanently. */
  readonly fallback?: ActionPort;
}

/**
 * Whether a port serves this request, typically "does this tenant have an active connection of mine?"
 * (HubSpot and Salesforce both handle `crm_update`; a tenant's installation decides which one acts).
 */
export type ActionGuard = (request: ActionRequest) => Promise<boolean>;

interface Route {
  readonly port: ActionPort;
  readonly handles: ActionGuard | undefined;
  readonly name: string;
}

/**
 * The ActionPort the engine sees: routes each request by its kind to the first registered port whose
 * guard accepts it. Each routed port keeps the at-most-once-per-key contract itself; the registry adds
 * no retries and no state. A kind nobody handles for this tenant is a permanent, visible error, not a
 * silent success (unless a fallback port is configured).
 */
export class ActionRegistry implements ActionPort {
  private readonly routes = new Map<ActionKind, Route[]>();
  private readonly fallback: ActionPort | undefined;

  constructor(options: ActionRegistryOptions = {}) {
    for (const [kind, port] of Object.entries(options.routes ?? {})) {
      if (port !== undefined) this.register(kind as ActionKind, port);
    }
    this.fallback = options.fallback;
  }

  /**
   * Routes `kind` to `port` for requests its guard accepts (all requests without a guard). Ports are
   * tried in registration order; `name` shows up in errors and logs.
   */
  register(kind: ActionKind, port: ActionPort, options: { handles?: ActionGuard; name?: string } = {}): void {
    const list = this.routes.get(kind) ?? [];
    list.push({ port, handles: options.handles, name: options.name ?? `port#${list.length + 1}` });
    this.routes.set(kind, list);
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    for (const route of this.routes.get(request.kind) ?? []) {
      if (route.handles === undefined || (await route.handles(request))) return route.port.execute(request);
    }
    if (this.fallback !== undefined) return this.fallback.execute(request);
    return {
      ok: false,
      error: permanentError('action_kind_not_connected', `no connector handles "${request.kind}" actions for this tenant; connect one or change the playbook step "${request.stepId}"`),
    };
  }
}
