/**
 * Link evidence for people: why a record joined a profile, as one short sentence a rep can read on
 * the record card ("same phone +1 303 555 0142, name Joe ≈ Joseph · HubSpot contact ↔ WhatsApp
 * sender", "model 0.998: same birth date, postcode, name Oluwasean ≈ Oluwaseun · HubSpot contact ↔
 * Zendesk user").
 *
 * Pure: it reads the rows of one profile (its member nodes and the edges touching them) as stored
 * and changes nothing; resolution decides, this only describes what it decided.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { jaroWinkler } from '../compare/jaro-winkler';
import type { FieldWeight } from '../model/matcher';
import { areNicknames } from '../normalize/names';
import type { EdgeRow, MatchVector, NodeRow } from './model';
import { compatibleNames } from './policy';

/** One side of a link: a record node (NodeRow fits). */
export interface LinkEnd {
  /** `rec:<source>:<recordId>`. */
  readonly key: string;
  /** Normalized match fields (firstName, lastName, …). */
  readonly match?: MatchVector;
  /** Given names seen on the record (normalized). */
  readonly firstNames?: readonly string[];
}

export type RecordLinkKind = 'identifier' | 'probabilistic' | 'household' | 'crm-merge' | 'manual-merge';

/** How a record (`to`) came to be in the profile of another (`from`, already there). */
export interface RecordLink {
  readonly kind: RecordLinkKind;
  readonly from: LinkEnd;
  readonly to: LinkEnd;
  /** Identifier node keys (`<type>:<scope>:<value>`) both records carry. */
  readonly identifiers: readonly string[];
  /** Model links: the match probability and per-field weights. */
  readonly probability?: number;
  readonly fields?: readonly FieldWeight[];
  /** The system that reported a merge (`crm-merge`). */
  readonly source?: string;
}

/** The card keeps evidence lines at most this long. */
export const MAX_EVIDENCE_LENGTH = 200;

const SOURCE_LABELS: Readonly<Record<string, string>> = {
  hubspot: 'HubSpot',
  salesforce: 'Salesforce',
  zendesk: 'Zendesk',
  whatsapp: 'WhatsApp',
  twilio: 'Twilio',
  sms: 'SMS',
  email: 'Email',
  api: 'API',
  csv: 'CSV',
  form: 'Form',
  intercom: 'Intercom',
  shopify: 'Shopify',
};

function sourceLabel(source: string): string {
  return SOURCE_LABELS[source] ?? (source.length === 0 ? 'Unknown' : source.charAt(0).toUpperCase() + source.slice(1));
}

/** "HubSpot contact", "WhatsApp sender", "Salesforce lead", "Zendesk user", "CSV record". */
export function describeRecord(recordKey: string): string {
  const rest = recordKey.startsWith('rec:') ? recordKey.slice(4) : recordKey;
  const i = rest.indexOf(':');
  const source = i < 0 ? rest : rest.slice(0, i);
  const id = i < 0 ? '' : rest.slice(i + 1);
  const label = sourceLabel(source);
  if (id.startsWith('hubspotContactId:')) return 'HubSpot contact';
  if (id.startsWith('zendeskUserId:')) return 'Zendesk user';
  if (id.startsWith('salesforceId:')) {
    const value = id.slice(id.lastIndexOf(':') + 1);
    return value.startsWith('00Q') ? 'Salesforce lead' : value.startsWith('003') ? 'Salesforce contact' : 'Salesforce record';
  }
  if (id.startsWith('sender:')) return `${label} sender`;
  if (id.startsWith('event:')) return `${label} event`;
  return `${label} record`;
}

/** E.164 in international grouping: "+13035550142" → "+1 303 555 0142". */
export function displayPhone(e164: string): string {
  const withPlus = e164.startsWith('+') ? e164 : `+${e164}`;
  const parsed = parsePhoneNumberFromString(withPlus);
  return parsed === undefined ? withPlus : parsed.formatInternational();
}

/** An address shortened for display: "joseph.sample@acme.io" → "j…@acme.io". */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  const local = address.slice(0, at);
  return `${local.length <= 1 ? local : `${local.charAt(0)}…`}${address.slice(at)}`;
}

function splitKey(key: string): { type: string; value: string } {
  const i = key.indexOf(':');
  const j = key.indexOf(':', i + 1);
  return { type: key.slice(0, i), value: key.slice(j + 1) };
}

/** "same phone +1 303 555 0142", "same email j…@acme.io", "same HubSpot contact 123". */
export function describeIdentifier(key: string): string {
  const { type, value } = splitKey(key);
  switch (type) {
    case 'phone':
      return `phone ${displayPhone(value)}`;
    case 'whatsapp':
      return `WhatsApp number ${displayPhone(value)}`;
    case 'email':
      return `email ${maskEmail(value)}`;
    case 'hubspotContactId':
      return `HubSpot contact ${value}`;
    case 'salesforceId':
      return `Salesforce id ${value}`;
    case 'zendeskUserId':
      return `Zendesk user ${value}`;
    case 'nationalId':
      return `national id …${value.slice(-3)}`;
    case 'externalId':
      return `external id ${value}`;
    case 'twilioAddress':
      return `Twilio address ${value}`;
    default:
      return `${type} ${value}`;
  }
}

const IDENTIFIER_ORDER = [
  'phone',
  'email',
  'whatsapp',
  'nationalId',
  'hubspotContactId',
  'salesforceId',
  'zendeskUserId',
  'externalId',
  'twilioAddress',
];

/** The shared identifiers worth naming: a WhatsApp id that is the shared phone is said once; at most two. */
function sharedIdentifiers(keys: readonly string[]): string[] {
  const phones = new Set(keys.filter((k) => k.startsWith('phone:')).map((k) => splitKey(k).value.replace(/^\+/, '')));
  const kept = [...new Set(keys)].filter((k) => !(k.startsWith('whatsapp:') && phones.has(splitKey(k).value)));
  const rank = (k: string): number => {
    const r = IDENTIFIER_ORDER.indexOf(splitKey(k).type);
    return r < 0 ? IDENTIFIER_ORDER.length : r;
  };
  return kept.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)).slice(0, 2);
}

function titleCase(name: string): string {
  return name.replace(/(^|[\s'-])([a-z])/g, (_, sep: string, ch: string) => sep + ch.toUpperCase());
}

function firstNameOf(end: LinkEnd): string | undefined {
  const first = end.match?.['firstName']?.split(/[\s-]/)[0] ?? end.firstNames?.[end.firstNames.length - 1];
  return first === undefined || first.length === 0 ? undefined : first;
}

function lastNameOf(end: LinkEnd): string | undefined {
  const last = end.match?.['lastName'];
  return last === undefined || last.length === 0 ? undefined : last;
}

type Agreement = 'same' | 'close' | 'different';

function firstAgreement(a: string, b: string): Agreement {
  if (a === b) return 'same';
  return areNicknames(a, b) || compatibleNames(a, b) ? 'close' : 'different';
}

function lastAgreement(a: string, b: string): Agreement {
  if (a === b || a.replace(/[\s'-]/g, '') === b.replace(/[\s'-]/g, '')) return 'same';
  return jaroWinkler(a, b) >= 0.88 ? 'close' : 'different';
}

/**
 * How the names of two records agree: "same name", "name Joe ≈ Joseph" (nickname), "name Robrt ≈
 * Robert" (typo), "name Joe Smyth ≈ Joseph Smith", "name Mary ≠ John"; undefined when a side has
 * no name. The joining record's name comes first.
 */
export function describeNames(joining: LinkEnd, existing: LinkEnd): string | undefined {
  const fa = firstNameOf(joining);
  const fb = firstNameOf(existing);
  const la = lastNameOf(joining);
  const lb = lastNameOf(existing);
  const first = fa !== undefined && fb !== undefined ? firstAgreement(fa, fb) : undefined;
  const last = la !== undefined && lb !== undefined ? lastAgreement(la, lb) : undefined;
  if (first === undefined && last === undefined) return undefined;
  if ((first ?? 'same') === 'same' && (last ?? 'same') === 'same') return first === undefined ? 'same last name' : 'same name';
  const sign = first === 'different' || last === 'different' ? '≠' : '≈';
  if (last === undefined || last === 'same') return `name ${titleCase(fa as string)} ${sign} ${titleCase(fb as string)}`;
  if (first === undefined || first === 'same') return `name ${titleCase(la as string)} ${sign} ${titleCase(lb as string)}`;
  return `name ${titleCase(`${fa as string} ${la as string}`)} ${sign} ${titleCase(`${fb as string} ${lb as string}`)}`;
}

const FIELD_LABELS: Readonly<Record<string, string>> = {
  birthDate: 'birth date',
  nationalId: 'national id',
  email: 'email',
  phone: 'phone',
  postcode: 'postcode',
  street: 'street',
  streetNumber: 'street number',
  addressLine2: 'address line 2',
  city: 'city',
  region: 'region',
  country: 'country',
  company: 'company',
};
const EXACT_LEVELS: ReadonlySet<string> = new Set(['exact', 'exact-no-spaces']);

/** Fields the model found agreeing (names apart): "same birth date, postcode, similar street". */
function describeFields(fields: readonly FieldWeight[]): string | undefined {
  const same: string[] = [];
  const similar: string[] = [];
  for (const f of [...fields].sort((x, y) => y.weight - x.weight)) {
    const label = FIELD_LABELS[f.field];
    if (label === undefined || f.weight <= 0 || f.level === 'missing') continue;
    (EXACT_LEVELS.has(f.level) ? same : similar).push(label);
  }
  const parts = [...(same.length > 0 ? [`same ${same.join(', ')}`] : []), ...(similar.length > 0 ? [`similar ${similar.join(', ')}`] : [])];
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** "0.998": probabilities are cut, never rounded up, so 0.9996 reads 0.999 and never 1.000. */
export function formatProbability(p: number): string {
  const clamped = Math.max(0, Math.min(1, p));
  return (Math.floor(clamped * 1000) / 1000).toFixed(3);
}

function systems(link: RecordLink): string {
  const a = describeRecord(link.from.key);
  const b = describeRecord(link.to.key);
  return a === b ? `two ${a}s` : `${a} ↔ ${b}`;
}

function clip(text: string): string {
  return text.length <= MAX_EVIDENCE_LENGTH ? text : `${text.slice(0, MAX_EVIDENCE_LENGTH - 1)}…`;
}

/** One link as a sentence of evidence, at most MAX_EVIDENCE_LENGTH characters. */
export function describeLink(link: RecordLink): string {
  const names = describeNames(link.to, link.from);
  const shared = sharedIdentifiers(link.identifiers).map((k) => `same ${describeIdentifier(k)}`);
  const parts: string[] = [];
  switch (link.kind) {
    case 'identifier':
      parts.push(...shared);
      break;
    case 'probabilistic': {
      const fields = describeFields(link.fields ?? []);
      parts.push(`model ${formatProbability(link.probability ?? 0)}${fields === undefined ? '' : `: ${fields}`}`);
      break;
    }
    case 'household':
      // The identifier is a family's (shared, or refused by the name guard): the name decided.
      parts.push(shared.length > 0 ? `${shared.join(', ')} (household)` : 'household');
      break;
    case 'crm-merge':
      parts.push(`merged in ${sourceLabel(link.source ?? '')}`);
      break;
    case 'manual-merge':
      parts.push('confirmed by a person');
      break;
  }
  if (names !== undefined) parts.push(names);
  return clip(`${parts.join(', ')} · ${systems(link)}`);
}

const DIRECT_KINDS: readonly RecordLinkKind[] = ['crm-merge', 'manual-merge', 'probabilistic', 'household'];

/**
 * How each record of a profile (but its first) joined it: for every record in seq order, its link to
 * an earlier record (a shared identifier first, then a merge, the model or a household link; the
 * earlier record sharing the most identifiers wins), or, for a record only a later one bridged, its
 * link to that one. `members` are the profile's nodes, `edges` every edge touching them.
 */
export function profileRecordLinks(members: readonly NodeRow[], edges: readonly EdgeRow[]): RecordLink[] {
  const records = members.filter((m) => m.kind === 'record').sort((a, b) => a.seq - b.seq);
  const recordKeys = new Set(records.map((r) => r.key));
  const memberKeys = new Set(members.map((m) => m.key));
  const carried = new Map<string, Set<string>>();
  const carriedAny = new Map<string, Set<string>>();
  const carriers = new Map<string, string[]>();
  for (const e of edges) {
    if (e.kind !== 'carries' || !recordKeys.has(e.a)) continue;
    add(carriedAny, e.a, e.b);
    if (e.status !== 'active' || !memberKeys.has(e.b)) continue;
    add(carried, e.a, e.b);
    const list = carriers.get(e.b);
    if (list === undefined) carriers.set(e.b, [e.a]);
    else list.push(e.a);
  }
  // Record-to-record evidence; a merge naming an identifier stands for the records carrying it.
  const direct = new Map<string, EdgeRow[]>();
  for (const e of edges) {
    if (e.status !== 'active' || !DIRECT_KINDS.includes(e.kind as RecordLinkKind)) continue;
    const as = recordKeys.has(e.a) ? [e.a] : (carriers.get(e.a) ?? []);
    const bs = recordKeys.has(e.b) ? [e.b] : (carriers.get(e.b) ?? []);
    for (const x of as) for (const y of bs) if (x !== y) add2(direct, pairKey(x, y), e);
  }
  const order = new Map(records.map((r, i) => [r.key, i]));
  const links: RecordLink[] = [];
  for (const [i, record] of records.entries()) {
    if (i === 0) continue;
    const mine = carried.get(record.key) ?? new Set<string>();
    const candidates = (pool: readonly NodeRow[]): RecordLink | undefined => {
      let best: { link: RecordLink; rank: number } | undefined;
      for (const other of pool) {
        const shared = [...(carried.get(other.key) ?? [])].filter((k) => mine.has(k));
        const link = linkBetween(other, record, shared, direct.get(pairKey(other.key, record.key)) ?? [], carriedAny);
        if (link === undefined) continue;
        // More shared identifiers first, then the earlier record.
        const rank =
          (link.kind === 'identifier' ? 1000 - link.identifiers.length * 10 : 5000 + DIRECT_KINDS.indexOf(link.kind)) * 10_000 +
          (order.get(other.key) ?? 0);
        if (best === undefined || rank < best.rank) best = { link, rank };
      }
      return best?.link;
    };
    const link = candidates(records.slice(0, i)) ?? candidates(records.slice(i + 1));
    if (link !== undefined) links.push(link);
  }
  return links;
}

function linkBetween(
  from: NodeRow,
  to: NodeRow,
  shared: readonly string[],
  direct: readonly EdgeRow[],
  carriedAny: ReadonlyMap<string, ReadonlySet<string>>,
): RecordLink | undefined {
  if (shared.length > 0) return { kind: 'identifier', from, to, identifiers: shared };
  const edge = [...direct].sort(
    (x, y) => DIRECT_KINDS.indexOf(x.kind as RecordLinkKind) - DIRECT_KINDS.indexOf(y.kind as RecordLinkKind) || x.seq - y.seq,
  )[0];
  if (edge === undefined) return undefined;
  // A household link rests on an identifier both carry that does not link by itself (shared, or refused).
  const a = carriedAny.get(from.key) ?? new Set<string>();
  const common = [...(carriedAny.get(to.key) ?? [])].filter((k) => a.has(k));
  return {
    kind: edge.kind as RecordLinkKind,
    from,
    to,
    identifiers: edge.kind === 'household' ? common : [],
    ...(edge.detail === undefined ? {} : { probability: edge.detail.probability, fields: edge.detail.fields }),
    ...(edge.kind === 'crm-merge' ? { source: edge.provenance.source } : {}),
  };
}

/**
 * Evidence lines for a profile's identifiers: the link of each joining record is shown on the
 * identifiers that record brought; a record that brought none shows it on the identifier it shares.
 * Identifiers of the profile's first record have none (they are where the profile started).
 */
export function identityEvidence(members: readonly NodeRow[], edges: readonly EdgeRow[]): Map<string, string> {
  const memberKeys = new Set(members.map((m) => m.key));
  const firstCarrier = new Map<string, { record: string; seq: number }>();
  for (const e of edges) {
    if (e.kind !== 'carries' || e.status !== 'active' || !memberKeys.has(e.b)) continue;
    const prior = firstCarrier.get(e.b);
    if (prior === undefined || e.seq < prior.seq) firstCarrier.set(e.b, { record: e.a, seq: e.seq });
  }
  const out = new Map<string, string>();
  for (const link of profileRecordLinks(members, edges)) {
    const text = describeLink(link);
    const brought = [...firstCarrier].filter(([, c]) => c.record === link.to.key).map(([k]) => k);
    const targets = brought.length > 0 ? brought : link.identifiers.filter((k) => memberKeys.has(k)).slice(0, 1);
    for (const key of targets) {
      const prior = out.get(key);
      out.set(key, prior === undefined ? text : clip(`${prior}; ${text}`));
    }
  }
  return out;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

function add2(map: Map<string, EdgeRow[]>, key: string, value: EdgeRow): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
