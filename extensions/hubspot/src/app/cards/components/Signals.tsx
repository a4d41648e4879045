import { Flex, Heading, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import type { CardSignal } from '../lib/contract/card-view';
import { formatPercent, formatSentiment, formatTime, humanize } from '../lib/format';

const SENTIMENT_VARIANT = { positive: 'success', neutral: 'default', negative: 'error' } as const;

export function Signals({ signals }: { readonly signals: readonly CardSignal[] }) {
  return (
    <Flex direction="column" gap="xs">
      <Heading>Latest signals</Heading>
      {signals.length === 0 ? (
        <Text testId="signals-none">No messages or events from this person yet.</Text>
      ) : (
        <Table bordered density="condensed" testId="signals">
          <TableHead>
            <TableRow>
              <TableHeader>When</TableHeader>
              <TableHeader>Source</TableHeader>
              <TableHeader>Intent</TableHeader>
              <TableHeader>Sentiment</TableHeader>
              <TableHeader>Language</TableHeader>
              <TableHeader>Message</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {signals.map((s) => (
              <TableRow key={s.eventId}>
                <TableCell>{formatTime(s.occurredAt)}</TableCell>
                <TableCell>{`${s.source} · ${humanize(s.type)}`}</TableCell>
                <TableCell>
                  {s.intent === null
                    ? '—'
                    : `${humanize(s.intent)}${s.intentConfidence !== null ? ` (${formatPercent(s.intentConfidence)})` : ''}`}
                  {s.urgency === 'high' ? <Tag variant="error">Urgent</Tag> : null}
                </TableCell>
                <TableCell>
                  {s.sentimentLabel === null ? (
                    '—'
                  ) : (
                    <Tag
                      variant={SENTIMENT_VARIANT[s.sentimentLabel]}
                    >{`${humanize(s.sentimentLabel)}${s.sentiment !== null ? ` ${formatSentiment(s.sentiment)}` : ''}`}</Tag>
                  )}
                </TableCell>
                <TableCell>{s.language ?? '—'}</TableCell>
                <TableCell>{s.excerpt ?? ''}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
