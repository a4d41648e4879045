import {
  Button,
  Flex,
  Heading,
  StatusTag,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import type { CardActionRequest, CardRun } from '../lib/contract/card-view';
import { formatTime, humanize } from '../lib/format';

type Variant = 'danger' | 'warning' | 'info' | 'success' | 'default';

/** Run and step statuses are open strings in the contract; colour the ones a rep must notice. */
export function statusVariant(status: string): Variant {
  if (['failed', 'parked', 'error', 'cancelled'].includes(status)) return 'danger';
  if (['completed', 'succeeded', 'done', 'skipped'].includes(status)) return status === 'skipped' ? 'default' : 'success';
  if (['waiting', 'paused', 'retrying', 'scheduled', 'undeliverable'].includes(status)) return 'warning';
  if (['running', 'active', 'pending', 'in_progress'].includes(status)) return 'info';
  return 'default';
}

export interface RunsProps {
  readonly profileId: string;
  readonly runs: readonly CardRun[];
  readonly busy: boolean;
  readonly onAct: (request: CardActionRequest) => void;
}

export function Runs({ profileId, runs, busy, onAct }: RunsProps) {
  return (
    <Flex direction="column" gap="xs">
      <Heading>Playbook runs</Heading>
      {runs.length === 0 ? <Text testId="runs-none">No playbook has run for this person yet.</Text> : null}
      {runs.map((run) => (
        <Flex key={run.runId} direction="column" gap="xs" testId={`run-${run.runId}`}>
          <Flex direction="row" gap="xs" align="center" wrap>
            <Text format={{ fontWeight: 'bold' }}>{`${run.playbookName} v${run.playbookVersion}`}</Text>
            <StatusTag variant={statusVariant(run.status)} testId={`run-status-${run.runId}`}>
              {humanize(run.status)}
            </StatusTag>
            <Text variant="microcopy">{`Started ${formatTime(run.startedAt)}, updated ${formatTime(run.updatedAt)}`}</Text>
          </Flex>
          {run.steps.length > 0 ? (
            <Table bordered density="condensed">
              <TableHead>
                <TableRow>
                  <TableHeader>Step</TableHeader>
                  <TableHeader>Status</TableHeader>
                  <TableHeader>Attempts</TableHeader>
                  <TableHeader>Via</TableHeader>
                  <TableHeader>Error</TableHeader>
                </TableRow>
              </TableHead>
              <TableBody>
                {run.steps.map((step) => (
                  <TableRow key={step.stepId}>
                    <TableCell>{`${step.stepId} (${step.kind})`}</TableCell>
                    <TableCell>
                      <StatusTag variant={statusVariant(step.status)} testId={`step-status-${run.runId}-${step.stepId}`}>
                        {humanize(step.status)}
                      </StatusTag>
                    </TableCell>
                    <TableCell>{String(step.attempts)}</TableCell>
                    <TableCell>{step.route !== undefined ? humanize(step.route) : ''}</TableCell>
                    <TableCell>{step.error !== undefined ? `${step.error.code}: ${step.error.message}` : ''}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : null}
          {run.canRetry ? (
            <Button
              variant="secondary"
              size="sm"
              disabled={busy}
              onClick={() => onAct({ type: 'retry_step', profileId, runId: run.runId })}
              testId={`retry-${run.runId}`}
            >
              Retry failed step
            </Button>
          ) : null}
        </Flex>
      ))}
    </Flex>
  );
}
