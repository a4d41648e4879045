/** The `baton resolve` mapping file: which CSV column holds the record id and each field. */
import { z } from 'zod';

export const MAPPING_FIELDS = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'fullName',
  'company',
  'streetNumber',
  'street',
  'addressLine2',
  'city',
  'postcode',
  'region',
  'country',
  'birthDate',
  'nationalId',
  'hubspotContactId',
  'salesforceId',
  'zendeskUserId',
  'whatsappId',
] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];

export interface Mapping {
  readonly id: string;
  readonly fields: Partial<Record<MappingField, string>>;
}

const fieldSet: ReadonlySet<string> = new Set(MAPPING_FIELDS);

const schema = z
  .object({
    id: z.string().trim().min(1, 'needs "id": the name of the column holding each record\'s id'),
    fields: z.record(z.string(), z.string().trim().min(1, 'column names must not be empty')),
  })
  .strict();

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** Validates a parsed mapping document; throws MappingError with an actionable message. */
export function parseMapping(doc: unknown): Mapping {
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : '';
    throw new MappingError(
      `mapping is not { "id": "<column>", "fields": { "<field>": "<column>" } }${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const unknown = Object.keys(parsed.data.fields).filter((f) => !fieldSet.has(f));
  if (unknown.length > 0) {
    throw new MappingError(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')} in mapping; known fields: ${MAPPING_FIELDS.join(', ')}`,
    );
  }
  return { id: parsed.data.id, fields: parsed.data.fields as Partial<Record<MappingField, string>> };
}
