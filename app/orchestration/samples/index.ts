import { definePlaybook } from '../playbook/playbook.validate';
import type { Playbook } from '../playbook/playbook.schema';
import { newLeadNurtureDefinition } from './new-lead-nurture';
import { renewalRescueDefinition } from './renewal-rescue';

export { newLeadNurtureDefinition, renewalRescueDefinition };

/** The sample playbooks, parsed and validated (throws at import if a sample is invalid). */
export const renewalRescue: Playbook = definePlaybook(renewalRescueDefinition);
export const newLeadNurture: Playbook = definePlaybook(newLeadNurtureDefinition);
export const samplePlaybooks: readonly Playbook[] = [renewalRescue, newLeadNurture];
