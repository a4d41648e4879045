import { Flex, Heading, LineChart, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import type { CardConversation } from '../lib/contract/card-view';
import { formatSentiment, formatTime, humanize } from '../lib/format';

const SENTIMENT_VARIANT = { positive: 'success', neutral: 'default', negative: 'error' } as const;
const DIRECTION_VARIANT = { rising: 'success', steady: 'default', falling: 'warning' } as const;
const SPEAKER = { customer: 'Customer', rep: 'Rep', bot: 'Baton', unknown: 'Unknown sender' } as const;
const CHANNEL: Readonly<Record<string, string>> = {
  email: 'E-mail',
  crm_note: 'CRM note',
  crm_case: 'Case',
  hubspot_inbox: 'HubSpot inbox',
  zendesk: 'Zendesk',
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  chat: 'Chat',
  api: 'API',
};

/** The latest messages across channels with their signals, and the customer's sentiment trend. */
export function Conversation({ conversation }: { readonly conversation: CardConversation | undefined }) {
  if (conversation === undefined) return null;
  const { latest, trend } = conversation;
  const fall = trend.falls[trend.falls.length - 1];
  return (
    <Flex direction="column" gap="xs">
      <Heading>Conversation</Heading>
      {trend.latest === null ? (
        <Text testId="trend-none">No sentiment yet: the person has not written to you in words.</Text>
      ) : (
        <Flex direction="row" gap="xs" align="center">
          <Text testId="trend-latest">{`Sentiment trend ${formatSentiment(trend.latest)}`}</Text>
          <Tag variant={DIRECTION_VARIANT[trend.direction]} testId="trend-direction">
            {humanize(trend.direction)}
          </Tag>
          {fall === undefined ? null : (
            <Tag
              variant="error"
              testId="trend-fall"
            >{`Sharp fall ${formatSentiment(fall.from)} → ${formatSentiment(fall.to)} (${formatTime(fall.at)})`}</Tag>
          )}
        </Flex>
      )}
      {trend.points.length >= 2 ? (
        <LineChart
          testId="trend-chart"
          data={trend.points.map((p, i) => ({ message: `#${i + 1} ${formatTime(p.at)}`, trend: p.trend, sentiment: p.sentiment }))}
          axes={{
            x: { field: 'message', fieldType: 'category', label: 'Customer message' },
            y: { field: 'trend', fieldType: 'linear', label: 'Sentiment trend (−1 to +1)' },
          }}
          options={{ showTooltips: true }}
        />
      ) : null}
      {latest.length === 0 ? (
        <Text testId="conversation-none">No messages with this person yet.</Text>
      ) : (
        <Table bordered density="condensed" testId="conversation">
          <TableHead>
            <TableRow>
              <TableHeader>When</TableHeader>
              <TableHeader>Channel · who</TableHeader>
              <TableHeader>Intent</TableHeader>
              <TableHeader>Sentiment</TableHeader>
              <TableHeader>Language</TableHeader>
              <TableHeader>Message</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {latest.map((m) => (
              <TableRow key={m.messageId}>
                <TableCell>{formatTime(m.occurredAt)}</TableCell>
                <TableCell>{`${CHANNEL[m.channel] ?? humanize(m.channel)} · ${SPEAKER[m.speaker]}`}</TableCell>
                <TableCell>
                  {m.intent === null ? '—' : humanize(m.intent)}
                  {m.urgency === 'high' ? <Tag variant="error">Urgent</Tag> : null}
                </TableCell>
                <TableCell>
                  {m.sentimentLabel === null ? (
                    '—'
                  ) : (
                    <Tag
                      variant={SENTIMENT_VARIANT[m.sentimentLabel]}
                    >{`${humanize(m.sentimentLabel)}${m.sentiment !== null ? ` ${formatSentiment(m.sentiment)}` : ''}`}</Tag>
                  )}
                </TableCell>
                <TableCell>{m.language ?? '—'}</TableCell>
                <TableCell>{m.excerpt ?? ''}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
