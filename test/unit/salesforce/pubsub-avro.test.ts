/**
 * Pub/Sub change event decoding: Avro payloads against a CDC-shaped schema, the ChangeEventHeader bitmap
 * fields (hex, bit i = schema field i, `p-0x…` for a compound field's parts) and replay id text.
 */
import { Type } from 'avsc';
import {
  decodeChangeEvent,
  decodeFieldBitmaps,
  fieldsOfBitmap,
  parseEventSchema,
  replayIdText,
} from '../../../connectors/salesforce/client/pubsub';

const header = {
  type: 'record',
  name: 'ChangeEventHeader',
  namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    {
      name: 'changeType',
      type: {
        type: 'enum',
        name: 'ChangeType',
        symbols: ['CREATE', 'DELETE', 'UNDELETE', 'UPDATE', 'GAP_CREATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_UPDATE', 'GAP_OVERFLOW'],
      },
    },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
};
const nullable = (t: unknown): { type: unknown; default: null } => ({ type: ['null', t], default: null });
// Positions: 0 header, 1 Name (compound), 2 Email, 3 Phone, 4 Title, 5 MailingAddress (compound), 6 LastModifiedDate, 7 baton__Baton_Stage__c
const schema = {
  type: 'record',
  name: 'ContactChangeEvent',
  namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'ChangeEventHeader', type: header },
    {
      name: 'Name',
      ...nullable({
        type: 'record',
        name: 'Switchable_PersonName',
        fields: ['Salutation', 'FirstName', 'LastName'].map((n) => ({ name: n, ...nullable('string') })),
      }),
    },
    { name: 'Email', ...nullable('string') },
    { name: 'Phone', ...nullable('string') },
    { name: 'Title', ...nullable('string') },
    {
      name: 'MailingAddress',
      ...nullable({
        type: 'record',
        name: 'Address',
        fields: ['Street', 'City', 'State', 'Country'].map((n) => ({ name: n, ...nullable('string') })),
      }),
    },
    { name: 'LastModifiedDate', ...nullable('long') },
    { name: 'baton__Baton_Stage__c', ...nullable('string') },
  ],
};
const json = JSON.stringify(schema);
const parsed = parseEventSchema('s1', json);

const encode = (value: Record<string, unknown>): Buffer => Type.forSchema(schema as never).toBuffer(value);
const baseHeader = {
  entityName: 'Contact',
  recordIds: ['0035e00000AbCdEAAF'],
  changeType: 'UPDATE',
  changeOrigin: 'com/salesforce/api/rest/66.0;client=Someone',
  transactionKey: 'tx-1',
  sequenceNumber: 1,
  commitTimestamp: 1767225600000,
  commitNumber: 11657372702432,
  commitUser: '0055g00000XyZabAAB',
  nulledFields: [] as string[],
  diffFields: [] as string[],
  changedFields: [] as string[],
};
const empty = {
  Name: null,
  Email: null,
  Phone: null,
  Title: null,
  MailingAddress: null,
  LastModifiedDate: null,
  baton__Baton_Stage__c: null,
};

describe('Pub/Sub change event bitmaps', () => {
  it('reads bit i as the schema field at position i, least significant bit first', () => {
    const fields = parsed.type.fields;
    // 0x94 = 1001 0100: bits 2, 4, 7
    expect(fieldsOfBitmap('0x94', fields)).toEqual(['Email', 'Title', 'baton__Baton_Stage__c']);
    expect(fieldsOfBitmap('0x01', fields)).toEqual(['ChangeEventHeader']);
    expect(fieldsOfBitmap('0x0', fields)).toEqual([]);
  });

  it('refuses a bitmap naming a position the schema does not have (the wrong schema), and a non-hex entry', () => {
    expect(() => fieldsOfBitmap('0x100', parsed.type.fields)).toThrow(/position 8.*8 fields/);
    expect(() => fieldsOfBitmap('0xZZ', parsed.type.fields)).toThrow(/not a field bitmap/);
  });

  it('decodes compound parts from "parent-0x…" entries as Parent.Child, and passes field names through', () => {
    // 0x02 → Name (1); 1-0x06 → Name's FirstName (1) and LastName (2); 5-0x04 → MailingAddress.State
    expect(decodeFieldBitmaps(['0x22', '1-0x06', '5-0x04'], parsed.type)).toEqual([
      'Name',
      'MailingAddress',
      'Name.FirstName',
      'Name.LastName',
      'MailingAddress.State',
    ]);
    expect(decodeFieldBitmaps(['Title', 'LastModifiedDate'], parsed.type)).toEqual(['Title', 'LastModifiedDate']);
    expect(() => decodeFieldBitmaps(['2-0x01'], parsed.type)).toThrow(/not a compound field/);
    expect(decodeFieldBitmaps(null, parsed.type)).toEqual([]);
  });
});

describe('Pub/Sub change event decoding', () => {
  it('decodes an UPDATE: header fields, changed/nulled field names, Name flattened, address kept nested', () => {
    const payload = encode({
      ...empty,
      ChangeEventHeader: { ...baseHeader, changedFields: ['0xD2', '1-0x02', '5-0x04'], nulledFields: ['0x08'] },
      Name: { Salutation: null, FirstName: 'Ada', LastName: null },
      Phone: null,
      MailingAddress: { Street: null, City: null, State: 'CA', Country: null },
      LastModifiedDate: 1767225600000,
      baton__Baton_Stage__c: 'Nurture',
    });
    const e = decodeChangeEvent(parsed, payload);
    expect(e.header).toMatchObject({
      entityName: 'Contact',
      recordIds: ['0035e00000AbCdEAAF'],
      changeType: 'UPDATE',
      commitTimestamp: 1767225600000,
      commitNumber: 11657372702432,
      commitUser: '0055g00000XyZabAAB',
      transactionKey: 'tx-1',
      sequenceNumber: 1,
    });
    // 0xD2 = 1101 0010: Name (1), Title (4), LastModifiedDate (6), baton__Baton_Stage__c (7); Name's part FirstName
    expect(e.header.changedFields).toEqual(['Title', 'LastModifiedDate', 'baton__Baton_Stage__c', 'FirstName', 'MailingAddress.State']);
    expect(e.header.nulledFields).toEqual(['Phone']);
    expect(e.header.diffFields).toEqual([]);
    expect(e.fields).toMatchObject({
      FirstName: 'Ada',
      LastName: null,
      Title: null,
      Phone: null,
      LastModifiedDate: 1767225600000,
      baton__Baton_Stage__c: 'Nurture',
      MailingAddress: { State: 'CA' },
    });
    expect(e.fields).not.toHaveProperty('Name');
    expect(e.fields).not.toHaveProperty('ChangeEventHeader');
  });

  it('keeps a commitNumber past 2^53 exact (as text)', () => {
    // Encoded through the exact-long type (2^53 + 1 does not fit a JS number, so avsc's default long refuses it).
    expect(() => encode({ ...empty, ChangeEventHeader: { ...baseHeader, commitNumber: '9007199254740993' } })).toThrow(/invalid "long"/);
    const big = parsed.type.toBuffer({
      ...empty,
      ChangeEventHeader: { ...baseHeader, commitNumber: '9007199254740993', changeType: 'CREATE' },
    });
    const e = decodeChangeEvent(parsed, big);
    expect(e.header.commitNumber).toBe('9007199254740993');
    expect(e.header.changeType).toBe('CREATE');
  });

  it('refuses a payload of another schema and a schema that is not a change event', () => {
    expect(() => decodeChangeEvent(parsed, Buffer.from([1, 2, 3]))).toThrow();
    const platformEvent = parseEventSchema(
      'pe',
      JSON.stringify({ type: 'record', name: 'Signal__e', fields: [{ name: 'CreatedDate', type: 'long' }] }),
    );
    expect(() =>
      decodeChangeEvent(
        platformEvent,
        Type.forSchema({ type: 'record', name: 'Signal__e', fields: [{ name: 'CreatedDate', type: 'long' }] } as never).toBuffer({
          CreatedDate: 1,
        }),
      ),
    ).toThrow(/no ChangeEventHeader/);
    expect(() => parseEventSchema('x', '"string"')).toThrow(/not an Avro record/);
  });

  it('shows 8-byte replay ids as their decimal value (what CometD showed) and other lengths as hex', () => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(18098167n);
    expect(replayIdText(b)).toBe('18098167');
    expect(replayIdText(Buffer.from([0xab, 0x01]))).toBe('xab01');
  });
});
