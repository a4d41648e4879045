import { permanentError, type ActionPort, type ActionRequest, type ActionResult } from '../../app/orchestration';
import { scanOutboundParams, type OutboundPiiViolation } from '../../app/privacy';

export const OUTBOUND_PII_BLOCKED = 'outbound_pii_blocked';

export interface PiiGuardOptions {
  /**
   * Values that may go out even though they look sensitive (compared without spaces, dashes and
   * case), e.g. the business's own IBAN on payment reminders. Per request, so a tenant setting can feed it.
   */
  readonly allow?: (request: ActionRequest) => readonly string[];
  /** Told about every blocked request (logs, metrics); must not throw. */
  readonly onBlocked?: (request: ActionRequest, violations: readonly OutboundPiiViolation[]) => void;
}

/** How many violations the error message lists before it summarises the rest. */
const MAX_LISTED = 5;

/**
 * ActionPort decorator: nothing Baton sends (email, SMS/WhatsApp, tickets, notes, tasks, CRM fields)
 * may carry a payment card number, a national id or an IBAN. Such a request is refused as a permanent,
 * visible step error naming each field, and the inner port is never called, so no effect happens
 * and no idempotency key is used. Everything else is passed through unchanged.
 */
export class PiiGuardPort implements ActionPort {
  constructor(
    private readonly inner: ActionPort,
    private readonly options: PiiGuardOptions = {},
  ) {}

  async execute(request: ActionRequest): Promise<ActionResult> {
    const allow = this.options.allow?.(request);
    const violations = scanOutboundParams(request.params, allow === undefined ? {} : { allow });
    if (violations.length === 0) return this.inner.execute(request);
    this.options.onBlocked?.(request, violations);
    const listed = violations.slice(0, MAX_LISTED).map((v) => v.reason);
    if (violations.length > MAX_LISTED) listed.push(`and ${violations.length - MAX_LISTED} more`);
    return { ok: false, error: permanentError(OUTBOUND_PII_BLOCKED, `blocked before sending: ${listed.join(' | ')}`) };
  }
}
