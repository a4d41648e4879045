import { permanentError, type ActionKind, type ActionPort, type ActionRequest, type ActionResult } from '../../app/orchestration';

export interface ActionRegistryOptions {
  /** Connector ports by action kind (CRM update, task, email… as connectors land). */
  readonly routes?: Partial<Record<ActionKind, ActionPort>>;
  /** The port for kinds without a route; undefined makes such actions fail permanently. */
  readonly fallback?: ActionPort;
}

/**
 * The ActionPort the engine sees: routes each request by its kind to the connector port registered
 * for it. Each routed port keeps the at-most-once-per-key contract itself; the registry adds no
 * retries and no state. A kind nobody handles is a permanent, visible error, not a silent success.
 */
export class ActionRegistry implements ActionPort {
  private readonly routes = new Map<ActionKind, ActionPort>();
  private readonly fallback: ActionPort | undefined;

  constructor(options: ActionRegistryOptions = {}) {
    for (const [kind, port] of Object.entries(options.routes ?? {})) {
      if (port !== undefined) this.routes.set(kind as ActionKind, port);
    }
    this.fallback = options.fallback;
  }

  /** Routes `kind` to `port` from now on (a connector registering itself). */
  register(kind: ActionKind, port: ActionPort): void {
    this.routes.set(kind, port);
  }

  execute(request: ActionRequest): Promise<ActionResult> {
    const port = this.routes.get(request.kind) ?? this.fallback;
    if (port === undefined) {
      return Promise.resolve({
        ok: false,
        error: permanentError('action_kind_not_connected', `no connector handles "${request.kind}" actions; connect one or change the playbook step "${request.stepId}"`),
      });
    }
    return port.execute(request);
  }
}
