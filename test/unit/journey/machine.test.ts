import {
  applyJourneyEvent,
  initialJourney,
  replayJourney,
  timeInStage,
  timePerStage,
  type JourneyState,
} from '../../../app/journey/machine';
import { DEFAULT_TRANSITIONS, transitionTableSchema } from '../../../app/journey/transitions';
import { type JourneyEvent } from '../../../app/journey/events';
import { STAGES, type Stage } from '../../../app/journey/stages';

const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const at = (days: number) => T0 + days * DAY;
const state = (stage: Stage): JourneyState => initialJourney(T0, stage);

describe('journey state machine (default transitions)', () => {
  it.each<[Stage, JourneyEvent, Stage | null]>([
    ['lead', { kind: 'engagement', at: at(1), type: 'email_reply' }, 'engaged'],
    ['lead', { kind: 'engagement', at: at(1), type: 'meeting_booked' }, 'qualified'],
    ['engaged', { kind: 'intent', at: at(1), intent: 'demo_request', sentiment: 0.2, urgency: 'low' }, 'qualified'],
    ['lead', { kind: 'intent', at: at(1), intent: 'support_request', sentiment: 0, urgency: 'low' }, 'engaged'],
    ['lead', { kind: 'intent', at: at(1), intent: 'unsubscribe', sentiment: -0.3, urgency: 'low' }, null],
    ['lead', { kind: 'crm_lifecycle', at: at(1), value: 'marketingqualifiedlead' }, 'engaged'],
    ['engaged', { kind: 'crm_lifecycle', at: at(1), value: 'salesqualifiedlead' }, 'qualified'],
    ['qualified', { kind: 'deal_stage', at: at(1), stage: 'appointmentscheduled', isClosed: false }, 'opportunity'],
    ['opportunity', { kind: 'deal_stage', at: at(1), stage: 'closedwon', isClosed: true, isWon: true }, 'onboarding'],
    ['opportunity', { kind: 'deal_stage', at: at(1), stage: 'closedlost', isClosed: true, isWon: false }, 'engaged'],
    ['qualified', { kind: 'crm_lifecycle', at: at(1), value: 'customer' }, 'onboarding'],
    ['active', { kind: 'crm_lifecycle', at: at(1), value: 'customer' }, null],
    ['onboarding', { kind: 'lifecycle_milestone', at: at(1), milestone: 'onboarding_completed' }, 'active'],
    ['active', { kind: 'intent', at: at(1), intent: 'cancellation', sentiment: -0.2, urgency: 'medium' }, 'at_risk'],
    ['active', { kind: 'intent', at: at(1), intent: 'complaint', sentiment: -0.7, urgency: 'high' }, 'at_risk'],
    ['active', { kind: 'intent', at: at(1), intent: 'complaint', sentiment: -0.1, urgency: 'low' }, null],
    ['active', { kind: 'ticket', at: at(1), status: 'opened', priority: 'urgent' }, 'at_risk'],
    ['active', { kind: 'ticket', at: at(1), status: 'opened', priority: 'normal' }, null],
    ['at_risk', { kind: 'ticket', at: at(1), status: 'solved', satisfaction: 'good' }, 'active'],
    ['at_risk', { kind: 'intent', at: at(1), intent: 'positive_feedback', sentiment: 0.8, urgency: 'low' }, 'active'],
    ['at_risk', { kind: 'lifecycle_milestone', at: at(1), milestone: 'subscription_cancelled' }, 'churned'],
    ['at_risk', { kind: 'lifecycle_milestone', at: at(1), milestone: 'subscription_renewed' }, 'active'],
    ['churned', { kind: 'deal_stage', at: at(1), stage: 'closedwon', isClosed: true, isWon: true }, 'onboarding'],
    ['lead', { kind: 'lifecycle_milestone', at: at(1), milestone: 'subscription_cancelled' }, null],
  ])('%s + %j → %s', (from, event, to) => {
    const step = applyJourneyEvent(state(from), event);
    if (to === null) {
      expect(step.changed).toBe(false);
      expect(step.state.stage).toBe(from);
    } else {
      expect(step.changed).toBe(true);
      expect(step.state.stage).toBe(to);
      if (step.changed) expect(step.transition).toMatchObject({ from, to, at: event.at, eventKind: event.kind });
    }
  });

  it('records history and time in stage', () => {
    let s = state('lead');
    s = applyJourneyEvent(s, { kind: 'engagement', at: at(2), type: 'form_submission' }).state;
    s = applyJourneyEvent(s, { kind: 'intent', at: at(5), intent: 'purchase_intent', sentiment: 0.5, urgency: 'medium' }).state;
    expect(s.stage).toBe('qualified');
    expect(s.history.map((t) => `${t.from}>${t.to}:${t.ruleId}`)).toEqual(['lead>engaged:engaged', 'engaged>qualified:intent-buying']);
    expect(timeInStage(s, at(7))).toBe(2 * DAY);
    expect(timeInStage(s, at(4))).toBe(0);
    expect(timePerStage(s, T0, at(7))).toEqual({ lead: 2 * DAY, engaged: 3 * DAY, qualified: 2 * DAY });
  });

  it('ignores an event older than the current stage (out-of-order delivery)', () => {
    const s = applyJourneyEvent(state('lead'), { kind: 'crm_lifecycle', at: at(5), value: 'customer' }).state;
    const late = applyJourneyEvent(s, { kind: 'ticket', at: at(3), status: 'opened', priority: 'urgent' });
    expect(late).toMatchObject({ changed: false, reason: 'stale' });
    expect(late.state.stage).toBe('onboarding');
  });

  it('replays events in time order regardless of arrival order', () => {
    const events: JourneyEvent[] = [
      { kind: 'deal_stage', at: at(10), stage: 'closedwon', isClosed: true, isWon: true },
      { kind: 'engagement', at: at(1), type: 'email_reply' },
      { kind: 'lifecycle_milestone', at: at(20), milestone: 'onboarding_completed' },
      { kind: 'intent', at: at(3), intent: 'demo_request', sentiment: 0.1, urgency: 'low' },
    ];
    const replayed = replayJourney(events, state('lead'));
    expect(replayed.stage).toBe('active');
    expect(replayed.history.map((t) => t.to)).toEqual(['engaged', 'qualified', 'onboarding', 'active']);
  });

  it('declares transitions as valid data between known stages', () => {
    expect(transitionTableSchema.safeParse(DEFAULT_TRANSITIONS).success).toBe(true);
    for (const rule of DEFAULT_TRANSITIONS) expect(STAGES).toContain(rule.to);
    expect(new Set(DEFAULT_TRANSITIONS.map((r) => r.id)).size).toBe(DEFAULT_TRANSITIONS.length);
    expect(transitionTableSchema.safeParse([{ id: 'x', from: ['lead'], on: 'intent', to: 'nowhere', description: 'bad' }]).success).toBe(
      false,
    );
  });

  it('accepts a tenant-specific table', () => {
    const rules = [
      {
        id: 'vip',
        from: 'any' as const,
        on: 'engagement' as const,
        when: { '==': [{ var: 'type' }, 'vip_signup'] },
        to: 'active' as const,
        description: 'VIP',
      },
    ];
    expect(applyJourneyEvent(state('lead'), { kind: 'engagement', at: at(1), type: 'vip_signup' }, rules).state.stage).toBe('active');
    expect(applyJourneyEvent(state('lead'), { kind: 'engagement', at: at(1), type: 'email_reply' }, rules).changed).toBe(false);
  });
});
