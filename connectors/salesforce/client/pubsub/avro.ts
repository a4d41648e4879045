/**
 * Avro side of the Pub/Sub API: event schemas parsed with avsc, change event payloads decoded, and the
 * ChangeEventHeader bitmap fields (`changedFields`, `nulledFields`, `diffFields`) turned back into field
 * names against the schema's field order.
 *
 * Bitmap format (Salesforce, "Event Deserialization Considerations"): each entry is a string; `0x…` is a
 * hex number whose bit i (least significant = 0) stands for the schema's top-level field i; `"<p>-0x…"`
 * is the same for the fields of the compound field at top-level position p (a record inside a nullable
 * union), named `Parent.Child`. Entries that are already field names (CometD style) pass through.
 */
import { Type, types } from 'avsc';

/** The avsc record type of one event schema, with the field list in schema order. */
export interface EventSchema {
  readonly id: string;
  readonly type: types.RecordType;
}

/**
 * Avro `long` as a JS number when it is exact, as a decimal string otherwise (`commitNumber` can pass
 * 2^53). avsc hands `fromBuffer` the value as 8 bytes, little-endian two's complement.
 */
const exactLong = types.LongType.__with({
  fromBuffer: (buf: Buffer): number | string => {
    const v = buf.readBigInt64LE();
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  },
  toBuffer: (v: number | string | bigint): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(v));
    return buf;
  },
  fromJSON: (v: unknown): number | string => (typeof v === 'number' ? v : String(v)),
  toJSON: (v: number | string): number | string => v,
  isValid: (v: unknown): boolean =>
    (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v)),
  compare: (a: number | string, b: number | string): number => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  },
});

/** Parses an event schema as GetSchema returns it (`schema_json`). Throws on a schema that is not a record. */
export function parseEventSchema(id: string, schemaJson: string): EventSchema {
  const type = Type.forSchema(JSON.parse(schemaJson) as never, { registry: { long: exactLong }, wrapUnions: 'auto' });
  if (!(type instanceof types.RecordType)) throw new Error(`event schema ${id} is not an Avro record (${type.typeName})`);
  return { id, type };
}

/** The record type inside a field's type: the record itself, or the record branch of a nullable union. */
function recordOf(t: Type): types.RecordType | undefined {
  if (t instanceof types.RecordType) return t;
  if (t instanceof types.UnwrappedUnionType || t instanceof types.WrappedUnionType) {
    for (const branch of t.types) if (branch instanceof types.RecordType) return branch;
  }
  return undefined;
}

/** Field names whose bits are set in `hex` (`0x…`), in schema order. A bit past the last field means the wrong schema: throws. */
export function fieldsOfBitmap(hex: string, fields: readonly { name: string }[]): string[] {
  if (!/^0x[0-9a-f]+$/i.test(hex)) throw new Error(`not a field bitmap: ${JSON.stringify(hex)}`);
  let bits = BigInt(hex);
  const out: string[] = [];
  for (let i = 0; bits > 0n; i += 1, bits >>= 1n) {
    if ((bits & 1n) === 0n) continue;
    const field = fields[i];
    if (field === undefined) throw new Error(`field bitmap ${hex} names position ${i}, but the schema has ${fields.length} fields`);
    out.push(field.name);
  }
  return out;
}

/** Decodes a header bitmap field (a list of bitmap strings) into field names against the event schema. */
export function decodeFieldBitmaps(entries: readonly string[] | null | undefined, schema: types.RecordType): string[] {
  const out: string[] = [];
  for (const entry of entries ?? []) {
    if (entry.startsWith('0x')) {
      out.push(...fieldsOfBitmap(entry, schema.fields));
      continue;
    }
    const nested = /^(\d+)-(0x[0-9a-f]+)$/i.exec(entry);
    if (nested === null) {
      out.push(entry); // already a field name
      continue;
    }
    const parent = schema.fields[Number(nested[1])];
    const child = parent === undefined ? undefined : recordOf(parent.type);
    if (parent === undefined || child === undefined)
      throw new Error(`field bitmap ${entry} names position ${nested[1] ?? '?'}, which is not a compound field of the schema`);
    out.push(...fieldsOfBitmap(nested[2] ?? '', child.fields).map((name) => `${parent.name}.${name}`));
  }
  return out;
}

/** The decoded header of a change event (bitmaps already turned into field names). */
export interface DecodedChangeEventHeader {
  readonly entityName: string;
  readonly recordIds: readonly string[];
  readonly changeType: string;
  readonly changeOrigin?: string;
  readonly transactionKey?: string;
  readonly sequenceNumber?: number;
  readonly commitTimestamp: number;
  readonly commitNumber?: number | string;
  readonly commitUser?: string;
  readonly changedFields: readonly string[];
  readonly nulledFields: readonly string[];
  readonly diffFields: readonly string[];
}

export interface DecodedChangeEvent {
  readonly header: DecodedChangeEventHeader;
  /** The record's fields, `Name` compound flattened to `FirstName`, `LastName`…; header excluded. Nulls kept. */
  readonly fields: Record<string, unknown>;
}

/**
 * Compound fields whose parts are the record's own field names (Contact/Lead `Name` → `FirstName`,
 * `LastName`, `Salutation`…), so they are lifted to the top level like the REST API shows them. Address
 * compounds keep their nesting (their parts, `City`, `Street`, are not field names of the record).
 */
const FLATTENED_COMPOUNDS = new Set(['Name']);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function flattenNames(names: readonly string[], flattened: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const n of names) {
    const dot = n.indexOf('.');
    if (dot > 0 && flattened.has(n.slice(0, dot))) out.push(n.slice(dot + 1));
    else if (flattened.has(n) && names.some((m) => m.startsWith(`${n}.`)))
      continue; // its parts are listed
    else out.push(n);
  }
  return [...new Set(out)];
}

/** Decodes one Avro-encoded change event. Throws on a payload that does not match the schema or has no ChangeEventHeader. */
export function decodeChangeEvent(schema: EventSchema, payload: Buffer): DecodedChangeEvent {
  const value = schema.type.fromBuffer(payload) as Record<string, unknown>;
  const raw = value['ChangeEventHeader'];
  if (raw === null || typeof raw !== 'object') throw new Error(`event of schema ${schema.id} has no ChangeEventHeader: not a change event`);
  const h = raw as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  const flattened = new Set<string>();
  for (const [k, v] of Object.entries(value)) {
    if (k === 'ChangeEventHeader') continue;
    if (FLATTENED_COMPOUNDS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      flattened.add(k);
      for (const [part, pv] of Object.entries(v as Record<string, unknown>)) if (!(part in value)) fields[part] = pv;
      continue;
    }
    fields[k] = v;
  }
  for (const f of schema.type.fields) if (FLATTENED_COMPOUNDS.has(f.name) && recordOf(f.type) !== undefined) flattened.add(f.name);
  const names = (k: string): string[] => flattenNames(decodeFieldBitmaps(h[k] as string[] | null | undefined, schema.type), flattened);
  const commitTimestamp = h['commitTimestamp'];
  const changeOrigin = str(h['changeOrigin']);
  const transactionKey = str(h['transactionKey']);
  const commitUser = str(h['commitUser']);
  const header: DecodedChangeEventHeader = {
    entityName: String(h['entityName'] ?? ''),
    recordIds: Array.isArray(h['recordIds']) ? (h['recordIds'] as unknown[]).map(String) : [],
    changeType: String(h['changeType'] ?? ''),
    commitTimestamp: typeof commitTimestamp === 'number' ? commitTimestamp : Number(commitTimestamp ?? 0),
    changedFields: names('changedFields'),
    nulledFields: names('nulledFields'),
    diffFields: names('diffFields'),
    ...(changeOrigin === undefined ? {} : { changeOrigin }),
    ...(transactionKey === undefined ? {} : { transactionKey }),
    ...(typeof h['sequenceNumber'] === 'number' ? { sequenceNumber: h['sequenceNumber'] } : {}),
    ...(typeof h['commitNumber'] === 'number' || typeof h['commitNumber'] === 'string' ? { commitNumber: h['commitNumber'] } : {}),
    ...(commitUser === undefined ? {} : { commitUser }),
  };
  return { header, fields };
}

/**
 * A stable text form of a replay id for event ids and logs: the decimal value when it is 8 bytes (how
 * Salesforce's replay ids look today, and what CometD showed as `replayId`), hex otherwise. Never
 * computed with: replay ids are opaque.
 */
export function replayIdText(replayId: Buffer): string {
  return replayId.length === 8 ? replayId.readBigUInt64BE().toString() : `x${replayId.toString('hex')}`;
}
