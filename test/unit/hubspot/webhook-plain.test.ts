/**
 * The webhook acknowledgement's plain batch check (connectors/hubspot/webhooks.routes.ts
 * plainWebhookBatch) against webhookBatchSchema: whenever it answers, the schema accepts the batch and
 * parses it to the same events; it answers for the batches HubSpot sends, and leaves every invalid or
 * unusual batch to the schema (which words the 400).
 */
import { webhookBatchSchema } from '../../../connectors/hubspot/client/webhook';
import { plainWebhookBatch } from '../../../connectors/hubspot/webhooks.routes';

const creation = {
  eventId: 100,
  subscriptionId: 1,
  portalId: 62515,
  appId: 54321,
  occurredAt: 1564113600000,
  subscriptionType: 'contact.creation',
  attemptNumber: 0,
  objectId: 123,
  changeSource: 'CRM',
};
const change = {
  ...creation,
  subscriptionType: 'contact.propertyChange',
  propertyName: 'email',
  propertyValue: 'a@b.io',
  sourceId: 'userId:1',
  changeFlag: 'NEW',
};
const generic = { ...creation, subscriptionType: 'object.creation', objectTypeId: '0-3', objectId: '987654321' };
const merge = {
  ...creation,
  subscriptionType: 'contact.merge',
  primaryObjectId: 7,
  mergedObjectIds: [8, '9'],
  newObjectId: '10',
};
const message = { ...creation, subscriptionType: 'conversation.newMessage', messageId: 'm1', messageType: 'MESSAGE' };

/** Each valid event with one field replaced (or removed, for undefined). */
const mutations: [string, unknown][] = [
  ['eventId', -1],
  ['eventId', 1.5],
  ['eventId', 2 ** 53],
  ['eventId', '12a'],
  ['eventId', '1'.repeat(21)],
  ['eventId', ''],
  ['eventId', null],
  ['eventId', undefined],
  ['eventId', '1'.repeat(20)],
  ['eventId', -0],
  ['portalId', '0062515'],
  ['portalId', Infinity],
  ['subscriptionId', null],
  ['appId', 'x'],
  ['occurredAt', '1564113600000'],
  ['occurredAt', -5],
  ['occurredAt', undefined],
  ['subscriptionType', 'ab'],
  ['subscriptionType', 'a'.repeat(100)],
  ['subscriptionType', 'a'.repeat(101)],
  ['subscriptionType', 42],
  ['attemptNumber', 0.5],
  ['attemptNumber', null],
  ['objectId', undefined],
  ['objectTypeId', 'x'.repeat(20)],
  ['objectTypeId', 'x'.repeat(21)],
  ['propertyName', 'p'.repeat(201)],
  ['propertyValue', null],
  ['propertyValue', { nested: [1, 'two'] }],
  ['propertyValue', 3.25],
  ['changeSource', 'c'.repeat(101)],
  ['sourceId', 7],
  ['changeFlag', 'f'.repeat(51)],
  ['primaryObjectId', 'abc'],
  ['mergedObjectIds', []],
  ['mergedObjectIds', Array.from({ length: 100 }, (_, i) => i)],
  ['mergedObjectIds', Array.from({ length: 101 }, (_, i) => i)],
  ['mergedObjectIds', [1, -2]],
  ['mergedObjectIds', 'not a list'],
  ['newObjectId', 1e21],
  ['messageId', 'i'.repeat(201)],
  ['messageType', null],
  ['somethingNew', 'HubSpot added a field'],
  ['__proto__', { polluted: true }],
];

function mutate(event: Record<string, unknown>, key: string, value: unknown): unknown {
  if (key === '__proto__') return JSON.parse(`{"__proto__":${JSON.stringify(value)},${JSON.stringify(event).slice(1)}`) as unknown;
  const copy: Record<string, unknown> = { ...event };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** The plain check never disagrees with the schema, and answers exactly when `expectPlain`. */
function agrees(batch: unknown, expectPlain: boolean): void {
  const plain = plainWebhookBatch(batch);
  const schema = webhookBatchSchema.safeParse(batch);
  if (plain !== undefined) {
    expect(schema.success).toBe(true);
    expect(plain).toEqual(schema.data);
  }
  expect(plain !== undefined).toBe(expectPlain);
}

describe('plain HubSpot webhook batch check', () => {
  it('parses the batches HubSpot sends to what the schema parses them to', () => {
    const batch = [creation, change, generic, merge, message];
    agrees(batch, true);
    expect(plainWebhookBatch(batch)?.[3]).toMatchObject({
      eventId: '100',
      primaryObjectId: '7',
      mergedObjectIds: ['8', '9'],
      newObjectId: '10',
    });
    agrees(
      Array.from({ length: 100 }, (_, i) => ({ ...creation, eventId: i })),
      true,
    );
  });

  it('agrees with the schema on every single-field change, and leaves what the schema refuses to it', () => {
    for (const event of [creation, change, generic, merge, message])
      for (const [key, value] of mutations) {
        const batch = [creation, mutate(event, key, value)];
        const schemaAccepts = webhookBatchSchema.safeParse(batch).success;
        // Whatever the schema refuses reaches it (for its 400), so does an unknown field; the rest is answered plainly.
        agrees(batch, schemaAccepts && key !== 'somethingNew' && key !== '__proto__');
      }
  });

  it('leaves batches that are not lists of 1 to 100 events to the schema', () => {
    for (const batch of [[], Array.from({ length: 101 }, () => creation), { ...creation }, 'events', null, [null], [[creation]], [1]])
      agrees(batch, false);
  });
});
