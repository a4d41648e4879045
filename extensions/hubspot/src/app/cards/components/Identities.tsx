import {
  Button,
  ButtonRow,
  Flex,
  Heading,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import type { CardActionRequest, CardView } from '../lib/contract/card-view';
import { formatPercent, formatTime, humanize } from '../lib/format';

export interface IdentitiesProps {
  readonly profileId: string;
  readonly identities: CardView['identities'];
  readonly possibleMatches: CardView['possibleMatches'];
  readonly busy: boolean;
  readonly onAct: (request: CardActionRequest) => void;
}

export function Identities({ profileId, identities, possibleMatches, busy, onAct }: IdentitiesProps) {
  return (
    <Flex direction="column" gap="xs">
      <Heading>Linked identities</Heading>
      {identities.length === 0 ? (
        <Text>No identifiers linked yet.</Text>
      ) : (
        <Table bordered density="condensed" testId="identities">
          <TableHead>
            <TableRow>
              <TableHeader>Type</TableHeader>
              <TableHeader>Value</TableHeader>
              <TableHeader>Source</TableHeader>
              <TableHeader>Linked</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {identities.flatMap((id) => {
              const key = `${id.type}:${id.scope ?? ''}:${id.value}`;
              const row = (
                <TableRow key={key}>
                  <TableCell>{humanize(id.type)}</TableCell>
                  <TableCell>{id.scope !== undefined ? `${id.value} (${id.scope})` : id.value}</TableCell>
                  <TableCell>{id.source}</TableCell>
                  <TableCell>{formatTime(id.linkedAt)}</TableCell>
                </TableRow>
              );
              // The evidence that linked it, muted, on a full-width line under the identity.
              return id.evidence === undefined
                ? [row]
                : [
                    row,
                    <TableRow key={`${key}#evidence`}>
                      <TableCell colSpan={4}>
                        <Text variant="microcopy" testId={`identity-evidence-${key}`}>
                          {id.evidence}
                        </Text>
                      </TableCell>
                    </TableRow>,
                  ];
            })}
          </TableBody>
        </Table>
      )}
      {possibleMatches.length > 0 ? <Text format={{ fontWeight: 'demibold' }}>Possibly the same person</Text> : null}
      {possibleMatches.map((m) => (
        <Flex key={m.matchId} direction="column" gap="xs" testId={`match-${m.matchId}`}>
          <Text>{`${m.displayName ?? m.otherProfileId}: ${formatPercent(m.probability)} likely the same person`}</Text>
          {m.reasons.length > 0 ? <Text variant="microcopy">{m.reasons.join('; ')}</Text> : null}
          <ButtonRow>
            <Button
              size="sm"
              variant="primary"
              disabled={busy}
              onClick={() => onAct({ type: 'confirm_match', profileId, matchId: m.matchId })}
              testId={`match-confirm-${m.matchId}`}
            >
              Same person
            </Button>
            <Button
              size="sm"
              variant="secondary"
              disabled={busy}
              onClick={() => onAct({ type: 'reject_match', profileId, matchId: m.matchId })}
              testId={`match-reject-${m.matchId}`}
            >
              Not the same
            </Button>
          </ButtonRow>
        </Flex>
      ))}
    </Flex>
  );
}
