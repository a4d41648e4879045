/**
 * Undeliverable outcomes: a run step that no connected system could carry out for the person ends
 * `undeliverable`; a decision whose action a run tried to carry out records whether it was delivered
 * (lift stays intention-to-treat; the delivery rate per action is reported beside it).
 */
export const sql = `
ALTER TABLE run_steps DROP CONSTRAINT run_steps_status_check;
ALTER TABLE run_steps ADD CONSTRAINT run_steps_status_check
  CHECK (status IN ('scheduled', 'running', 'retrying', 'waiting', 'succeeded', 'failed', 'cancelled', 'undeliverable'));
ALTER TABLE decisions ADD COLUMN delivery text CHECK (delivery IN ('delivered', 'undeliverable'));
ALTER TABLE decisions ADD COLUMN delivery_reason text;
ALTER TABLE decisions ADD COLUMN delivery_at timestamptz;
`;
