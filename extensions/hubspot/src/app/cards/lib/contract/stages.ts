// GENERATED: copy of app/journey/stages.ts (scripts/generate-hubspot-project.ts). Edit the original.
/** Lifecycle stages of a profile's journey, in their usual order. */
export const STAGES = ['lead', 'engaged', 'qualified', 'opportunity', 'onboarding', 'active', 'at_risk', 'churned'] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** Stages of a paying customer. */
export const CUSTOMER_STAGES: readonly Stage[] = ['onboarding', 'active', 'at_risk'];
export const PRE_CUSTOMER_STAGES: readonly Stage[] = ['lead', 'engaged', 'qualified', 'opportunity'];
