import type { SalesforceSandboxState, SObject } from './state';

export interface RestResult {
  readonly status: number;
  readonly body: unknown;
}

const err = (status: number, errorCode: string, message: string, fields?: string[]): RestResult => ({
  status,
  body: [fields === undefined ? { message, errorCode } : { message, errorCode, fields }],
});

const KNOWN_TYPES = new Set([
  'Account',
  'Contact',
  'Lead',
  'Opportunity',
  'Case',
  'Task',
  'User',
  'ContentNote',
  'ContentDocumentLink',
  'ActionCadence',
  'ActionCadenceTracker',
  'ApexClass',
  'Individual',
  'ContactPointTypeConsent',
]);
/** Objects that exist only with Data Protection and Privacy enabled. */
const PRIVACY_TYPES = new Set(['Individual', 'ContactPointTypeConsent']);
/** Objects the API can read but not create (cadences are built in Cadence Builder; trackers by the assign action; Apex by deploys). */
const READ_ONLY_TYPES = new Set(['ActionCadence', 'ActionCadenceTracker', 'ApexClass']);
const sameId = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.length >= 15 && b.length >= 15 && a.slice(0, 15) === b.slice(0, 15);
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  Contact: ['LastName'],
  Lead: ['LastName', 'Company'],
  Account: ['Name'],
  Opportunity: ['Name', 'StageName', 'CloseDate'],
  Individual: ['LastName'],
  ContactPointTypeConsent: ['Name', 'PartyId'],
};
/** Restricted picklists of ContactPointTypeConsent (Object Reference). */
const CONSENT_PICKLISTS: Readonly<Record<string, ReadonlySet<string>>> = {
  ContactPointType: new Set(['Email', 'MailingAddress', 'Phone', 'Social', 'Web']),
  CaptureContactPointType: new Set(['Email', 'MailingAddress', 'Phone', 'Social', 'Web']),
  PrivacyConsentStatus: new Set(['OptIn', 'OptOut', 'NotSeen', 'Seen']),
};

/** ContactPointTypeConsent: its restricted picklists and a PartyId that is an Individual of the org. */
function validateConsent(state: SalesforceSandboxState, fields: Record<string, unknown>): RestResult | undefined {
  for (const [f, allowed] of Object.entries(CONSENT_PICKLISTS)) {
    const v = fields[f];
    if (v !== undefined && v !== null && !allowed.has(String(v)))
      return err(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f}: bad value for restricted picklist field: ${String(v)}`, [f]);
  }
  const party = fields['PartyId'];
  if (party !== undefined && (typeof party !== 'string' || state.find(party)?.type !== 'Individual'))
    return err(400, 'FIELD_INTEGRITY_EXCEPTION', `Individual ID: id value of incorrect type: ${String(party)}`, ['PartyId']);
  return undefined;
}
const TASK_PRIORITIES = new Set(['High', 'Normal', 'Low']);

function missing(type: string, fields: Record<string, unknown>): RestResult | undefined {
  const absent = (REQUIRED[type] ?? []).filter((f) => fields[f] === undefined || fields[f] === null || fields[f] === '');
  return absent.length === 0
    ? undefined
    : err(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${absent.join(', ')}]`, absent);
}

function validateTask(state: SalesforceSandboxState, fields: Record<string, unknown>): RestResult | undefined {
  for (const f of ['WhoId', 'WhatId'] as const) {
    const v = fields[f];
    if (typeof v === 'string' && state.find(v) === undefined)
      return err(400, 'FIELD_INTEGRITY_EXCEPTION', `${f}: id value of incorrect type: ${v}`, [f]);
  }
  const p = fields['Priority'];
  if (p !== undefined && (typeof p !== 'string' || !TASK_PRIORITIES.has(p)))
    return err(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `Priority: bad value for restricted picklist field: ${String(p)}`, [
      'Priority',
    ]);
  const d = fields['ActivityDate'];
  if (d !== undefined && d !== null && (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d)))
    return err(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of date from VALUE_STRING value ${String(d)}`);
  return undefined;
}

const NOTE_TAGS = /<\/?(?:p|br|b|i|u|s|strong|em|ul|ol|li)\s*\/?>/gi;
const NOTE_ENTITY = /&(?:amp|lt|gt|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g;

/**
 * ContentNote: Title required (not blank, at most 255), Content base64 of UTF-8 HTML in which plain-text
 * special characters are escaped. Salesforce refuses bare `&`, `<`, `>` and `&apos;` with the message of
 * its knowledge article 000232870 (the error code there is not documented; this one is permanent like it).
 */
function validateNote(fields: Record<string, unknown>): RestResult | undefined {
  const title = fields['Title'];
  if (typeof title !== 'string' || title.trim() === '')
    return err(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Title]', ['Title']);
  if (title.length > 255)
    return err(400, 'STRING_TOO_LONG', `Title: data value too large: ${title.slice(0, 40)}... (max length=255)`, ['Title']);
  const content = fields['Content'];
  if (content === undefined || content === null) return undefined;
  if (typeof content !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0)
    return err(
      400,
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of base64 from VALUE_STRING value: not valid base64 at [line:1, column:1]',
    );
  const html = Buffer.from(content, 'base64').toString('utf8');
  const text = html.replace(NOTE_TAGS, '').replace(NOTE_ENTITY, '');
  if (/[<>&]/.test(text) || html.includes('&apos;') || html.includes('\uFFFD')) {
    return err(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      "Note can't be saved because it contains HTML tags or unescaped characters that are not allowed in a Note.",
      ['Content'],
    );
  }
  return undefined;
}

const SHARE_TYPES = new Set(['V', 'C', 'I']);
const VISIBILITIES = new Set(['AllUsers', 'InternalUsers', 'SharedUsers']);

/** ContentDocumentLink: an existing document and a record the user can see, ShareType V/C/I, one link per pair. */
function validateLink(state: SalesforceSandboxState, fields: Record<string, unknown>): RestResult | undefined {
  const doc = fields['ContentDocumentId'];
  const entity = fields['LinkedEntityId'];
  const missingFields = (['ContentDocumentId', 'LinkedEntityId', 'ShareType'] as const).filter(
    (f) => typeof fields[f] !== 'string' || fields[f] === '',
  );
  if (missingFields.length > 0)
    return err(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missingFields.join(', ')}]`, [...missingFields]);
  if (typeof doc !== 'string' || !/^069[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(doc))
    return err(400, 'FIELD_INTEGRITY_EXCEPTION', `Document ID: id value of incorrect type: ${String(doc)}`, ['ContentDocumentId']);
  if (![...state.table('ContentNote').keys()].some((id) => sameId(id, doc)))
    return err(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['ContentDocumentId']);
  if (typeof entity !== 'string' || state.find(entity) === undefined)
    return err(400, 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', 'insufficient access rights on cross-reference id', [
      'LinkedEntityId',
    ]);
  if (!SHARE_TYPES.has(String(fields['ShareType'])))
    return err(
      400,
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      `Share Type: bad value for restricted picklist field: ${String(fields['ShareType'])}`,
      ['ShareType'],
    );
  const visibility = fields['Visibility'];
  if (visibility !== undefined && visibility !== null && !VISIBILITIES.has(String(visibility)))
    return err(
      400,
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      `Visibility: bad value for restricted picklist field: ${String(visibility)}`,
      ['Visibility'],
    );
  if (
    [...state.table('ContentDocumentLink').values()].some((l) => sameId(l['ContentDocumentId'], doc) && sameId(l['LinkedEntityId'], entity))
  ) {
    return err(400, 'DUPLICATE_VALUE', `Document with ID: ${doc} is already linked with the entity with ID: ${entity}`);
  }
  return undefined;
}

/** Standard fields a describe lists (enough for the backend; the real list is much longer). */
const STANDARD_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Contact: [
    'Id',
    'FirstName',
    'LastName',
    'Email',
    'Phone',
    'MobilePhone',
    'Title',
    'AccountId',
    'Description',
    'HasOptedOutOfEmail',
    'DoNotCall',
    'MailingStreet',
    'MailingCity',
    'MailingState',
    'MailingPostalCode',
    'MailingCountry',
  ],
  Lead: [
    'Id',
    'FirstName',
    'LastName',
    'Company',
    'Email',
    'Phone',
    'MobilePhone',
    'Title',
    'Status',
    'LeadSource',
    'Rating',
    'Description',
    'HasOptedOutOfEmail',
    'DoNotCall',
    'Street',
    'City',
    'State',
    'PostalCode',
    'Country',
  ],
  Individual: ['Id', 'FirstName', 'LastName', 'HasOptedOutTracking', 'HasOptedOutProcessing'],
  ContactPointTypeConsent: [
    'Id',
    'Name',
    'PartyId',
    'ContactPointType',
    'PrivacyConsentStatus',
    'EffectiveFrom',
    'EffectiveTo',
    'CaptureDate',
    'CaptureSource',
    'CaptureContactPointType',
    'DataUsePurposeId',
  ],
  Task: ['Id', 'Subject', 'Status', 'Priority', 'WhoId', 'WhatId', 'ActivityDate', 'Description'],
};
const PACKAGE_LIKE = /(?:^|__)Baton_[A-Za-z0-9_]*__c$/;

/** `GET /sobjects/{T}/describe`: the fields the connected user can see, with their edit rights (field-level security). */
function describe(state: SalesforceSandboxState, type: string): RestResult {
  if (!KNOWN_TYPES.has(type) || (PRIVACY_TYPES.has(type) && !state.privacyEnabled))
    return err(404, 'NOT_FOUND', `The requested resource does not exist`);
  const edit = state.batonFieldAccess === 'edit';
  const fields = [
    ...(STANDARD_FIELDS[type] ?? ['Id', 'Name']).map((name) => ({
      name,
      custom: false,
      updateable: name !== 'Id',
      createable: name !== 'Id',
    })),
    ...((type === 'Contact' || type === 'Lead') && state.privacyEnabled
      ? [{ name: 'IndividualId', custom: false, updateable: true, createable: true }]
      : []),
    ...(state.customFields.get(type) ?? []).map((name) => ({ name, custom: true, updateable: true, createable: true })),
    ...state
      .visiblePackageFields(type)
      .map((name) => ({ name, custom: true, updateable: edit, createable: edit, externalId: name.endsWith('Baton_Key__c') })),
  ];
  return {
    status: 200,
    body: { name: type, custom: false, createable: !READ_ONLY_TYPES.has(type), updateable: !READ_ONLY_TYPES.has(type), fields },
  };
}

/** A field that looks like a Baton package field must be one this org has, visible and editable. */
function packageFieldsValid(state: SalesforceSandboxState, type: string, fields: Record<string, unknown>): RestResult | undefined {
  const visible = new Set(state.visiblePackageFields(type));
  for (const k of Object.keys(fields)) {
    if (!PACKAGE_LIKE.test(k)) continue;
    if (!visible.has(k)) return err(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${type}`);
    if (state.batonFieldAccess !== 'edit')
      return err(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${k}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [k],
      );
  }
  return undefined;
}

function validate(state: SalesforceSandboxState, type: string, fields: Record<string, unknown>): RestResult | undefined {
  const pkg = packageFieldsValid(state, type, fields);
  if (pkg !== undefined) return pkg;
  if (type === 'Task') return validateTask(state, fields);
  if (type === 'ContentNote') return validateNote(fields);
  if (type === 'ContentDocumentLink') return validateLink(state, fields);
  if (type === 'ContactPointTypeConsent') return validateConsent(state, fields);
  return undefined;
}

/** What Salesforce derives when a note is saved (read-only fields). */
function noteDerived(fields: Record<string, unknown>): Record<string, unknown> {
  const html = typeof fields['Content'] === 'string' ? Buffer.from(fields['Content'], 'base64').toString('utf8') : '';
  const text = html
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
  return { FileType: 'SNOTE', FileExtension: 'snote', ContentSize: Buffer.byteLength(html), TextPreview: text.slice(0, 200) };
}

function cleanFields(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {};
  const { attributes: _a, Id: _id, ...rest } = body as Record<string, unknown>;
  return rest;
}

function createOne(state: SalesforceSandboxState, type: string, body: unknown, origin: string | null): RestResult {
  if (!KNOWN_TYPES.has(type) || (PRIVACY_TYPES.has(type) && !state.privacyEnabled))
    return err(404, 'NOT_FOUND', 'The requested resource does not exist');
  if (READ_ONLY_TYPES.has(type)) return err(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${type} does not support insert`);
  const fields = cleanFields(body);
  const invalid = missing(type, fields) ?? validate(state, type, fields);
  if (invalid !== undefined) return invalid;
  const record = state.create(type, type === 'ContentNote' ? { ...fields, ...noteDerived(fields) } : fields, origin);
  return { status: 201, body: { id: record.Id, success: true, errors: [] } };
}

function updateOne(state: SalesforceSandboxState, type: string, id: string, body: unknown, origin: string | null): RestResult {
  const fields = cleanFields(body);
  if (READ_ONLY_TYPES.has(type) || type === 'ContentDocumentLink')
    return err(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${type} does not support update`);
  const pkg = packageFieldsValid(state, type, fields);
  if (pkg !== undefined) return pkg;
  if (type === 'Task' || type === 'ContentNote') {
    const invalid =
      type === 'Task' ? validateTask(state, fields) : validateNote({ Title: state.table(type).get(id)?.['Title'], ...fields });
    if (invalid !== undefined) return invalid;
  }
  const updated = state.update(type, id, fields, origin);
  return updated === undefined ? err(404, 'NOT_FOUND', 'The requested resource does not exist') : { status: 204, body: null };
}

function upsertOne(
  state: SalesforceSandboxState,
  type: string,
  field: string,
  value: string,
  body: unknown,
  origin: string | null,
): RestResult {
  if (!KNOWN_TYPES.has(type)) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
  if (PACKAGE_LIKE.test(field) && !state.visiblePackageFields(type).includes(field))
    return err(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${field}`);
  const matches = [...state.table(type).values()].filter((r) => r[field] === value);
  if (matches.length > 1) return { status: 300, body: matches.map((m) => `/services/data/v66.0/sobjects/${type}/${m.Id}`) };
  const existing = matches[0];
  if (existing !== undefined) {
    const r = updateOne(state, type, existing.Id, body, origin);
    return r.status === 204 ? { status: 200, body: { id: existing.Id, success: true, errors: [], created: false } } : r;
  }
  const r = createOne(state, type, { ...cleanFields(body), [field]: value }, origin);
  return r.status === 201 ? { status: 201, body: { ...(r.body as object), created: true } } : r;
}

function project(type: string, record: SObject, fields: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type, url: `/services/data/v66.0/sobjects/${type}/${record.Id}` } };
  for (const f of fields ?? Object.keys(record)) out[f] = record[f] ?? null;
  return out;
}

/** Splits a WHERE clause on its top-level ANDs (not those inside a semi-join's parentheses). */
function splitAnd(where: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < where.length; i++) {
    const ch = where[i];
    if (ch === "'" && where[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && /^\sAND\s/i.test(where.slice(i, i + 5))) {
      parts.push(where.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(where.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

type Condition = { field: string; op: string; value: string | number | null } | { field: string; op: 'IN'; values: readonly unknown[] };

const literal = (raw: string): string | number | null =>
  raw === 'null' ? null : raw.startsWith("'") ? raw.slice(1, -1).replace(/\\'/g, "'") : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;

/**
 * Enough SOQL for the backend's queries: SELECT f, ... FROM T [WHERE c [AND ...]] [ORDER BY f [ASC|DESC]]
 * [LIMIT n], where a condition is `f op literal`, `f IN ('a', 'b')` or a semi-join `f IN (SELECT g FROM U WHERE ...)`.
 */
function query(state: SalesforceSandboxState, soql: string): RestResult {
  const rows = select(state, soql);
  if ('error' in rows) return rows.error;
  return {
    status: 200,
    body: { totalSize: rows.records.length, done: true, records: rows.records.map((r) => project(rows.type, r, rows.fields)) },
  };
}

function select(
  state: SalesforceSandboxState,
  soql: string,
): { type: string; fields: string[]; records: SObject[] } | { error: RestResult } {
  const m =
    /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(\w+)(?:\s+(ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?\s*$/i.exec(
      soql,
    );
  if (m === null) return { error: err(400, 'MALFORMED_QUERY', `unexpected token in: ${soql.slice(0, 80)}`) };
  const [, fieldList = '', type = '', where, orderBy, dir, limit] = m;
  if (!KNOWN_TYPES.has(type) || (PRIVACY_TYPES.has(type) && !state.privacyEnabled))
    return {
      error: err(
        400,
        'INVALID_TYPE',
        `sObject type '${type}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      ),
    };
  const fields = fieldList.split(',').map((f) => f.trim());
  const conditions: (Condition | null)[] = splitAnd(where ?? '').map((c) => {
    const semi = /^(\w+)\s+IN\s+\(\s*(SELECT\s.+)\)$/is.exec(c);
    if (semi !== null) {
      const inner = select(state, semi[2] ?? '');
      if ('error' in inner) return null;
      const f = inner.fields[0] ?? 'Id';
      return { field: semi[1] ?? '', op: 'IN', values: inner.records.map((r) => r[f]).filter((v) => v !== null && v !== undefined) };
    }
    const list = /^(\w+)\s+IN\s+\((.*)\)$/is.exec(c);
    if (list !== null) return { field: list[1] ?? '', op: 'IN', values: (list[2] ?? '').split(',').map((v) => literal(v.trim())) };
    const cm = /^\s*(\w+)\s*(=|!=|>=|<=|>|<)\s*(.+?)\s*$/.exec(c);
    if (cm === null) return null;
    return { field: cm[1] ?? '', op: cm[2] ?? '=', value: literal(cm[3] ?? '') };
  });
  if (conditions.some((c) => c === null)) return { error: err(400, 'MALFORMED_QUERY', `unsupported condition in: ${where ?? ''}`) };
  // Fields that exist only with Data Protection and Privacy on.
  const named = [...fields, ...conditions.map((c) => c?.field ?? '')];
  if (!state.privacyEnabled && (type === 'Contact' || type === 'Lead') && named.includes('IndividualId')) {
    return {
      error: err(
        400,
        'INVALID_FIELD',
        `\nSELECT ${fieldList}\n       ^\nERROR at Row:1:Column:8\nNo such column 'IndividualId' on entity '${type}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`,
      ),
    };
  }
  if (
    type === 'ContentDocumentLink' &&
    !conditions.some(
      (c) => c !== null && c.op === '=' && (c.field === 'Id' || c.field === 'ContentDocumentId' || c.field === 'LinkedEntityId'),
    )
  ) {
    return {
      error: err(
        400,
        'MALFORMED_QUERY',
        "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
      ),
    };
  }
  const cmp = (a: unknown, b: string | number | null): number => {
    if (typeof b === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(b) && typeof a === 'string') return Date.parse(a) - Date.parse(b);
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a ?? '').localeCompare(String(b ?? ''));
  };
  // Ids compare on their 15-character form, as SOQL does for 15- and 18-character ids.
  const eq = (a: unknown, b: unknown): boolean => a === b || sameId(a, b);
  let records = [...state.table(type).values()].filter((r) =>
    conditions.every((c) => {
      if (c === null) return false;
      const v = r[c.field];
      if ('values' in c) return c.values.some((x) => eq(v, x));
      if (c.op === '=') return c.value === null ? v === undefined || v === null : eq(v, c.value);
      if (c.op === '!=') return c.value === null ? v !== undefined && v !== null : !eq(v, c.value);
      const d = cmp(v, c.value);
      return c.op === '>' ? d > 0 : c.op === '>=' ? d >= 0 : c.op === '<' ? d < 0 : d <= 0;
    }),
  );
  if (orderBy !== undefined)
    records.sort(
      (a, b) => cmp(a[orderBy], (b[orderBy] as string | number | null | undefined) ?? null) * (dir?.toUpperCase() === 'DESC' ? -1 : 1),
    );
  if (limit !== undefined) records = records.slice(0, Number(limit));
  return { type, fields, records };
}

const EMAIL_RECIPIENT_INPUTS = ['emailAddresses', 'emailAddressesArray', 'recipientId', 'recipientAddresses'];

function emailSimple(state: SalesforceSandboxState, body: unknown): RestResult {
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) return err(400, 'JSON_PARSER_ERROR', 'inputs: a non-empty list of inputs is required');
  const results = (inputs as Record<string, unknown>[]).map((input) => {
    const hasRecipient = EMAIL_RECIPIENT_INPUTS.some((k) => input[k] !== undefined && input[k] !== '');
    const hasContent =
      input['emailTemplateId'] !== undefined || (typeof input['emailSubject'] === 'string' && typeof input['emailBody'] === 'string');
    if (!hasRecipient || !hasContent) {
      return {
        actionName: 'emailSimple',
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Missing required input parameter: ' + (hasRecipient ? 'emailBody' : 'emailAddresses'),
            fields: [],
          },
        ],
        isSuccess: false,
        outputValues: null,
      };
    }
    if (typeof input['recipientId'] === 'string' && state.find(input['recipientId']) === undefined) {
      return {
        actionName: 'emailSimple',
        errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }],
        isSuccess: false,
        outputValues: null,
      };
    }
    return { actionName: 'emailSimple', errors: null, isSuccess: true, outputValues: null };
  });
  state.actions.push({
    name: 'emailSimple',
    inputs: (inputs as Record<string, unknown>[]).filter((_i, n) => results[n]?.isSuccess === true),
  });
  return { status: 200, body: results };
}

/** Inputs of the Sales Engagement action (API 45.0+): salesCadenceNameOrId and targetId required, userId optional. */
function assignTargetToSalesCadence(state: SalesforceSandboxState, body: unknown): RestResult {
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) return err(400, 'JSON_PARSER_ERROR', 'inputs: a non-empty list of inputs is required');
  const actionName = 'assignTargetToSalesCadence';
  const fail = (statusCode: string, message: string): Record<string, unknown> => ({
    actionName,
    errors: [{ statusCode, message, fields: [] }],
    isSuccess: false,
    outputValues: null,
  });
  const results = (inputs as Record<string, unknown>[]).map((input) => {
    const nameOrId = input['salesCadenceNameOrId'];
    const targetId = input['targetId'];
    const userId = input['userId'];
    if (typeof nameOrId !== 'string' || nameOrId === '')
      return fail('REQUIRED_FIELD_MISSING', 'Missing required input parameter: salesCadenceNameOrId');
    if (typeof targetId !== 'string' || targetId === '')
      return fail('REQUIRED_FIELD_MISSING', 'Missing required input parameter: targetId');
    // Error codes below are not documented per case; Salesforce answers each with isSuccess false, as here.
    const cadence = [...state.table('ActionCadence').values()].find((c) => sameId(c.Id, nameOrId) || c['Name'] === nameOrId);
    if (cadence === undefined || cadence['State'] !== 'Active')
      return fail('INVALID_INPUT', `We couldn't find an active cadence with the name or ID ${nameOrId}.`);
    const target = state.find(targetId);
    if (target === undefined || (target.type !== 'Contact' && target.type !== 'Lead'))
      return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    if (
      userId !== undefined &&
      userId !== null &&
      !sameId(userId, state.options.userId) &&
      state.table('User').get(String(userId)) === undefined
    )
      return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    const active = [...state.table('ActionCadenceTracker').values()].find(
      (t) => sameId(t['TargetId'], target.record.Id) && t['State'] !== 'Complete' && t['State'] !== 'Error',
    );
    if (active !== undefined)
      return fail(
        'INVALID_OPERATION',
        'This target is already assigned to a cadence. Remove the target from its current cadence before assigning a new one.',
      );
    state.create(
      'ActionCadenceTracker',
      {
        ActionCadenceId: cadence.Id,
        TargetId: target.record.Id,
        State: 'Running',
        OwnerId: typeof userId === 'string' ? userId : state.options.userId,
      },
      null,
    );
    return { actionName, errors: null, isSuccess: true, outputValues: null };
  });
  state.actions.push({
    name: actionName,
    inputs: (inputs as Record<string, unknown>[]).filter((_i, n) => results[n]?.['isSuccess'] === true),
  });
  // When no input succeeded, the whole request answers 400 with the same result array.
  return { status: results.some((r) => r['isSuccess'] === true) ? 200 : 400, body: results };
}

function flow(state: SalesforceSandboxState, name: string, body: unknown, flows: ReadonlySet<string>): RestResult {
  if (!flows.has(name)) return err(404, 'NOT_FOUND', `The requested resource does not exist: no active autolaunched flow named ${name}`);
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs)) return err(400, 'JSON_PARSER_ERROR', 'inputs: a list of inputs is required');
  state.actions.push({ name: `flow:${name}`, inputs: inputs as Record<string, unknown>[] });
  return {
    status: 200,
    body: inputs.map(() => ({ actionName: name, errors: null, isSuccess: true, outputValues: { Flow__InterviewStatus: 'Finished' } })),
  };
}

function collections(state: SalesforceSandboxState, method: string, body: unknown, origin: string | null): RestResult {
  const b = (body ?? {}) as { allOrNone?: boolean; records?: unknown };
  if (!Array.isArray(b.records)) return err(400, 'JSON_PARSER_ERROR', 'records: a list is required');
  if (b.records.length > 200)
    return err(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
  const results = (b.records as Record<string, unknown>[]).map((rec) => {
    const type = (rec['attributes'] as { type?: string } | undefined)?.type ?? '';
    const r = method === 'POST' ? createOne(state, type, rec, origin) : updateOne(state, type, String(rec['Id'] ?? ''), rec, origin);
    if (r.status < 300) return { id: method === 'POST' ? (r.body as { id: string }).id : String(rec['Id']), success: true, errors: [] };
    const e = (r.body as { errorCode: string; message: string; fields?: string[] }[])[0];
    return {
      id: null,
      success: false,
      errors: [{ statusCode: e?.errorCode ?? 'UNKNOWN_EXCEPTION', message: e?.message ?? '', fields: e?.fields ?? [] }],
    };
  });
  return { status: 200, body: results };
}

/**
 * One REST request against the sandbox org, after authentication and limits: the same core serves
 * plain requests and Composite subrequests. `path` is what follows /services/data/vXX.X.
 */
export function handleRest(
  state: SalesforceSandboxState,
  method: string,
  path: string,
  params: Record<string, string>,
  body: unknown,
  origin: string | null,
  flows: ReadonlySet<string>,
): RestResult {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const [root, a, b, c] = parts;
  if (root === 'limits' && method === 'GET') {
    return { status: 200, body: { DailyApiRequests: { Max: state.apiLimit, Remaining: Math.max(0, state.apiLimit - state.apiUsed) } } };
  }
  if (root === 'query' && method === 'GET') return query(state, params['q'] ?? '');
  if (root === 'sobjects' && a !== undefined) {
    if (parts.length === 2 && method === 'POST') return createOne(state, a, body, origin);
    if (parts.length === 3 && b === 'describe' && method === 'GET') return describe(state, a);
    if (parts.length === 3 && b !== undefined) {
      const found = state.table(a).get(b);
      if (method === 'GET')
        return found === undefined
          ? err(404, 'NOT_FOUND', 'The requested resource does not exist')
          : { status: 200, body: project(a, found, params['fields']?.split(',')) };
      if (method === 'PATCH') return updateOne(state, a, b, body, origin);
      if (method === 'DELETE')
        return state.remove(a, b, origin) ? { status: 204, body: null } : err(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    if (parts.length === 4 && b !== undefined && c !== undefined && method === 'PATCH') return upsertOne(state, a, b, c, body, origin);
  }
  if (root === 'composite' && a === 'sobjects' && (method === 'POST' || method === 'PATCH'))
    return collections(state, method, body, origin);
  if (root === 'actions' && a === 'standard' && b === 'emailSimple' && method === 'POST') return emailSimple(state, body);
  if (root === 'actions' && a === 'standard' && b === 'assignTargetToSalesCadence' && method === 'POST')
    return assignTargetToSalesCadence(state, body);
  if (root === 'actions' && a === 'custom' && b === 'flow' && c !== undefined && method === 'POST') return flow(state, c, body, flows);
  return err(404, 'NOT_FOUND', 'The requested resource does not exist');
}
