import { Button, ButtonRow, Flex, Heading, Input, List, Select, Tag, Text, TextArea } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { CardActionRequest, CardNextAction } from '../lib/contract/card-view';
import { formatPercent, formatTime, humanize } from '../lib/format';

export const SNOOZE_OPTIONS = [
  { label: '4 hours', value: 4 },
  { label: '1 day', value: 24 },
  { label: '3 days', value: 72 },
  { label: '1 week', value: 168 },
];

const STATUS_VARIANT = { proposed: 'info', accepted: 'success', snoozed: 'warning', dismissed: 'default', deferred: 'warning' } as const;

export interface NextBestActionProps {
  readonly profileId: string;
  readonly nba: CardNextAction | null;
  readonly busy: boolean;
  readonly onAct: (request: CardActionRequest) => void;
}

export function NextBestAction({ profileId, nba, busy, onAct }: NextBestActionProps) {
  const [snoozeHours, setSnoozeHours] = useState(24);
  const [subject, setSubject] = useState(nba?.draft?.subject ?? '');
  const [body, setBody] = useState(nba?.draft?.body ?? '');
  const [draftError, setDraftError] = useState<string | null>(null);

  if (nba === null) {
    return (
      <Flex direction="column" gap="xs">
        <Heading>Next best action</Heading>
        <Text testId="nba-none">No action right now: Baton is waiting for the next signal.</Text>
      </Flex>
    );
  }
  const { decisionId } = nba;
  const open = nba.status === 'proposed';

  const approveDraft = () => {
    const trimmed = body.trim();
    if (trimmed === '') {
      setDraftError('The message is empty.');
      return;
    }
    setDraftError(null);
    const draft = subject.trim() === '' ? { body: trimmed } : { subject: subject.trim(), body: trimmed };
    onAct({ type: 'approve_draft', profileId, decisionId, draft });
  };

  return (
    <Flex direction="column" gap="xs">
      <Heading>Next best action</Heading>
      <Flex direction="row" gap="xs" align="center" wrap>
        <Text format={{ fontWeight: 'bold' }} testId="nba-label">
          {nba.action.label}
        </Text>
        <Tag variant="default">{humanize(nba.action.channel)}</Tag>
        <Tag variant={STATUS_VARIANT[nba.status]} testId="nba-status">
          {humanize(nba.status)}
        </Tag>
        <Text variant="microcopy">{`Likelihood ${formatPercent(nba.propensity)}`}</Text>
      </Flex>
      {nba.until !== undefined ? <Text variant="microcopy" testId="nba-until">{`Until ${formatTime(nba.until)}`}</Text> : null}
      {nba.reasons.length > 0 ? (
        <List variant="unordered-styled" testId="nba-reasons">
          {nba.reasons.map((r) => (
            <Text key={`${r.code}:${r.text}`}>{r.text}</Text>
          ))}
        </List>
      ) : null}
      {open && nba.draft !== undefined ? (
        <Flex direction="column" gap="xs">
          <Input label="Subject" name="draftSubject" value={subject} onChange={setSubject} testId="draft-subject" />
          <TextArea
            label="Drafted message"
            name="draftBody"
            value={body}
            onChange={(v) => {
              setBody(v);
              if (draftError !== null && v.trim() !== '') setDraftError(null);
            }}
            rows={6}
            maxLength={5000}
            error={draftError !== null}
            validationMessage={draftError ?? ''}
            testId="draft-body"
          />
        </Flex>
      ) : null}
      {open ? (
        <Flex direction="row" gap="sm" align="end" wrap>
          <ButtonRow>
            {nba.draft !== undefined ? (
              <Button variant="primary" disabled={busy} onClick={approveDraft} testId="draft-approve">
                Approve and send
              </Button>
            ) : (
              <Button
                variant="primary"
                disabled={busy}
                onClick={() => onAct({ type: 'accept', profileId, decisionId })}
                testId="nba-accept"
              >
                {nba.requiresApproval ? 'Approve' : 'Do it'}
              </Button>
            )}
            <Button
              variant="secondary"
              disabled={busy}
              onClick={() => onAct({ type: 'snooze', profileId, decisionId, hours: snoozeHours })}
              testId="nba-snooze"
            >
              Snooze
            </Button>
            <Button
              variant="destructive"
              disabled={busy}
              onClick={() => onAct({ type: 'dismiss', profileId, decisionId })}
              testId="nba-dismiss"
            >
              Dismiss
            </Button>
          </ButtonRow>
          <Select
            label="Snooze for"
            name="snoozeHours"
            value={snoozeHours}
            options={SNOOZE_OPTIONS}
            onChange={(v) => setSnoozeHours(Number(v))}
            testId="snooze-hours"
          />
        </Flex>
      ) : null}
    </Flex>
  );
}
