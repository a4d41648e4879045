/**
 * Outbound contacts made by runs, for frequency caps. Wraps the engine's ActionPort: when an email,
 * message or task step succeeds, the contact is recorded through the CONTACT_RECORDER the decisioning
 * module provides (looked up per call; without one nothing is recorded). Every run step counts — a
 * plain playbook email as much as a decided one — keyed by the decision id when a decision chose the
 * action, else by the step's idempotency key, so a retried or replayed step counts once.
 */
import { isUndeliverable, type ActionKind, type ActionPort, type ActionRequest, type ActionResult } from '../../app/orchestration';

export type ContactChannel = 'email' | 'sms' | 'whatsapp' | 'task';

export interface OutboundContact {
  readonly tenantId: string;
  readonly profileId: string;
  /** Unique per contact: `decisionId` of a decided action, else `step:<idempotency key>`. */
  readonly key: string;
  readonly actionId: string;
  readonly channel: ContactChannel;
}

/** Whether the action a decision chose reached the person (recorded when a run step carried it out). */
export interface DecisionDelivery {
  readonly tenantId: string;
  readonly decisionId: string;
  readonly delivered: boolean;
  /** Why not, for an undeliverable action. */
  readonly reason: string | null;
}

export interface ContactRecorder {
  record(contact: OutboundContact): Promise<void>;
  /** Optional: the delivery outcome of a decided action (lift reports the delivery rate per action). */
  delivery?(delivery: DecisionDelivery): Promise<void>;
}

/** The channel a successful step of this kind contacted the person on (null: not a contact). */
export function contactChannelOf(kind: ActionKind, params: ActionRequest['params']): ContactChannel | null {
  switch (kind) {
    case 'email':
      return 'email';
    case 'message':
      return params['channel'] === 'whatsapp' ? 'whatsapp' : 'sms';
    case 'task':
      return 'task';
    default:
      return null;
  }
}

export function outboundContactOf(request: ActionRequest): OutboundContact | null {
  const channel = contactChannelOf(request.kind, request.params);
  if (channel === null) return null;
  const decisionId = request.params['decisionId'];
  const actionId = request.params['actionId'];
  return {
    tenantId: request.tenantId,
    profileId: request.profileId,
    key: typeof decisionId === 'string' && decisionId !== '' ? decisionId : `step:${request.idempotencyKey}`,
    actionId: typeof actionId === 'string' && actionId !== '' ? actionId : `step:${request.stepId}`,
    channel,
  };
}

export class ContactRecordingActionPort implements ActionPort {
  constructor(
    private readonly inner: ActionPort,
    private readonly recorder: ContactRecorder | undefined,
  ) {}

  async execute(request: ActionRequest): Promise<ActionResult> {
    const result = await this.inner.execute(request);
    const recorder = this.recorder;
    const decisionId = request.params['decisionId'];
    if (
      recorder?.delivery !== undefined &&
      typeof decisionId === 'string' &&
      decisionId !== '' &&
      (result.ok || isUndeliverable(result.error))
    ) {
      await recorder.delivery({
        tenantId: request.tenantId,
        decisionId,
        delivered: result.ok,
        reason: result.ok ? null : result.error.message,
      });
    }
    // Only a delivered contact counts toward frequency caps: an undeliverable or failed step sent nothing.
    if (!result.ok) return result;
    const contact = outboundContactOf(request);
    // Recorded after the effect: a crash in between is healed by the step's retry (same key, the
    // port returns its first output, the contact is recorded then).
    if (contact !== null && recorder !== undefined) await recorder.record(contact);
    return result;
  }
}
