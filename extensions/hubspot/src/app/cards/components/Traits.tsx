import { Flex, Heading, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Tag, Text } from '@hubspot/ui-extensions';
import type { CardTrait } from '../lib/contract/card-view';
import { formatTime } from '../lib/format';

export interface TraitsProps {
  readonly traits: readonly CardTrait[];
}

/** A trait value as text: yes/no for booleans, numbers and strings as they are (the backend clipped them). */
export function traitValueText(value: CardTrait['value']): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

/** `warehouse:conn_1` → "Warehouse conn_1", `hubspot` → "HubSpot". */
export function traitSourceText(source: string): string {
  const known: Record<string, string> = {
    hubspot: 'HubSpot',
    salesforce: 'Salesforce',
    api: 'API',
    zendesk: 'Zendesk',
    twilio: 'Twilio',
    whatsapp: 'WhatsApp',
    warehouse: 'Warehouse',
  };
  const at = source.indexOf(':');
  const kind = at < 0 ? source : source.slice(0, at);
  const name = known[kind] ?? kind;
  return at < 0 ? name : `${name} ${source.slice(at + 1)}`;
}

/** The person's traits with where and when each value came from; audience traits as memberships. */
export function Traits({ traits }: TraitsProps) {
  const audiences = traits.filter((t) => t.audience !== undefined);
  const plain = traits.filter((t) => t.audience === undefined);
  return (
    <Flex direction="column" gap="xs">
      <Heading>Traits</Heading>
      {traits.length === 0 ? <Text testId="traits-empty">No traits recorded for this person yet.</Text> : null}
      {audiences.length === 0 ? null : (
        <Flex direction="row" gap="xs" wrap="wrap" testId="audiences">
          {audiences.map((t) => (
            <Tag key={t.name} variant={t.value === true ? 'success' : 'default'} testId={`audience-${t.audience ?? ''}`}>
              {`${t.audience ?? t.name}: ${t.value === true ? 'member' : t.value === false ? 'left' : traitValueText(t.value)} · ${traitSourceText(t.source)} · ${formatTime(t.at)}`}
            </Tag>
          ))}
        </Flex>
      )}
      {plain.length === 0 ? null : (
        <Table bordered density="condensed" testId="traits">
          <TableHead>
            <TableRow>
              <TableHeader>Trait</TableHeader>
              <TableHeader>Value</TableHeader>
              <TableHeader>Source</TableHeader>
              <TableHeader>Changed</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {plain.map((t) => (
              <TableRow key={t.name}>
                <TableCell>{t.name}</TableCell>
                <TableCell>{traitValueText(t.value)}</TableCell>
                <TableCell>{traitSourceText(t.source)}</TableCell>
                <TableCell>{formatTime(t.at)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
