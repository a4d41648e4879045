/**
 * Turns raw identifiers into typed, scoped, normalized ones. One raw identifier may yield more than
 * one identifier (a WhatsApp id also yields its E.164 phone) and review-only candidates (quirks).
 */
import {
  type Identifier,
  type IdentifierType,
  type RawIdentifier,
  type RejectReason,
  type RejectedIdentifier,
  isIdentifierType,
  makeIdentifier,
} from '../types';
import { isJunkEmail, isJunkPhone, isJunkValue } from './blocked';
import { normalizeNumericId, normalizeSalesforceId } from './crm-ids';
import { parseEmail } from './email';
import { PhoneNormalizer, regionOfCountry, regionOfE164, type Region } from './phone';

export interface NormalizerConfig {
  /** Region for numbers written in national format (ISO 3166-1 alpha-2, e.g. "US"). */
  readonly defaultRegion?: Region;
  /** The tenant's own numbers and addresses (raw; normalized here): never link people. */
  readonly ownValues?: readonly RawIdentifier[];
  /** Further blocked raw values (compared after normalization to the same type). */
  readonly blockedValues?: readonly RawIdentifier[];
  /** Scope used when a scoped identifier arrives without one (single-portal tenants, CSV files). */
  readonly defaultScope?: string;
}

export interface NormalizedIdentifiers {
  readonly identifiers: Identifier[];
  /** Possibly the same person (country quirks); recorded for review, never linked. */
  readonly candidates: Identifier[];
  readonly rejected: RejectedIdentifier[];
}

type One = { ok: true; ids: Identifier[]; candidates: Identifier[] } | { ok: false; reason: RejectReason };

const NO_SCOPE = '';
const SCOPED: ReadonlySet<IdentifierType> = new Set(['hubspotContactId', 'salesforceId', 'zendeskUserId', 'externalId']);
const TYPE_ALIASES: Readonly<Record<string, IdentifierType>> = {
  wa_id: 'whatsapp',
  waId: 'whatsapp',
  whatsappId: 'whatsapp',
  hubspot: 'hubspotContactId',
  salesforce: 'salesforceId',
  zendesk: 'zendeskUserId',
  twilio: 'twilioAddress',
  national_id: 'nationalId',
  external_id: 'externalId',
  mobile: 'phone',
  tel: 'phone',
};

export class IdentifierNormalizer {
  private readonly phones: PhoneNormalizer;
  private readonly blocked = new Set<string>();
  private readonly defaultScope: string;

  constructor(config: NormalizerConfig = {}) {
    this.phones = new PhoneNormalizer(config.defaultRegion);
    this.defaultScope = config.defaultScope ?? 'default';
    for (const raw of [...(config.ownValues ?? []), ...(config.blockedValues ?? [])]) {
      const one = this.normalizeOne(raw);
      if (one.ok) for (const id of one.ids) this.blocked.add(id.key);
    }
  }

  /**
   * `context.country` (the record's country trait) is the region for numbers written in national
   * format when the tenant has no default region; failing that, the country of another number on the
   * same record (a WhatsApp id carries its country code).
   */
  normalize(raws: readonly RawIdentifier[], context: { readonly country?: string | undefined } = {}): NormalizedIdentifiers {
    const identifiers: Identifier[] = [];
    const candidates: Identifier[] = [];
    const rejected: RejectedIdentifier[] = [];
    const seen = new Set<string>();
    const region = this.phones.hasDefaultRegion ? undefined : this.contextRegion(raws, context.country);
    for (const raw of raws) {
      const one = this.normalizeOne(raw, region);
      if (!one.ok) {
        rejected.push({ raw, reason: one.reason });
        continue;
      }
      for (const id of one.ids) {
        if (this.blocked.has(id.key)) {
          rejected.push({ raw, reason: 'own' });
          continue;
        }
        if (!seen.has(id.key)) identifiers.push(id);
        seen.add(id.key);
      }
      candidates.push(...one.candidates);
    }
    // Zendesk keys end users by address: the requester of a shared role mailbox (info@, support@) is
    // the mailbox, whoever writes from it. Its user id never links, like the address itself.
    if (rejected.some((r) => r.reason === 'role') && identifiers.some((i) => i.type === 'zendeskUserId')) {
      const kept: Identifier[] = [];
      for (const id of identifiers) {
        if (id.type === 'zendeskUserId') rejected.push({ raw: { type: id.type, value: id.value, scope: id.scope }, reason: 'role' });
        else kept.push(id);
      }
      return { identifiers: kept, candidates: candidates.filter((c) => !seen.has(c.key)), rejected };
    }
    return { identifiers, candidates: candidates.filter((c) => !seen.has(c.key)), rejected };
  }

  private contextRegion(raws: readonly RawIdentifier[], country: string | undefined): Region | undefined {
    const fromTrait = regionOfCountry(country);
    if (fromTrait !== undefined) return fromTrait;
    for (const raw of raws) {
      const type = resolveType(raw.type);
      if (type !== 'whatsapp' && type !== 'phone' && type !== 'twilioAddress') continue;
      const value = typeof raw.value === 'string' ? raw.value.trim() : '';
      const e164 =
        type === 'whatsapp' || /^whatsapp:/i.test(value)
          ? this.phones.whatsapp(value).e164
          : value.startsWith('+') || value.startsWith('00')
            ? this.phones.phone(value).e164
            : undefined;
      const region = e164 === undefined ? undefined : regionOfE164(e164);
      if (region !== undefined) return region;
    }
    return undefined;
  }

  private normalizeOne(raw: RawIdentifier, region?: Region): One {
    const type = resolveType(raw.type);
    if (type === undefined) return { ok: false, reason: 'unsupported' };
    const value = typeof raw.value === 'string' ? raw.value.trim() : '';
    if (value.length === 0) return { ok: false, reason: 'empty' };
    if (isJunkValue(value)) return { ok: false, reason: 'junk' };
    const scope = SCOPED.has(type) ? (raw.scope?.trim() || this.defaultScope).toLowerCase() : NO_SCOPE;
    switch (type) {
      case 'email':
        return this.email(value);
      case 'phone':
        return this.phone(value, region);
      case 'whatsapp':
        return this.whatsapp(value);
      case 'twilioAddress':
        return this.twilio(value);
      case 'salesforceId': {
        const id = normalizeSalesforceId(value);
        // The org id is itself a Salesforce id: compare orgs by their 15-character case-sensitive form.
        const org = raw.scope?.trim() ? raw.scope.trim().slice(0, 15) : this.defaultScope;
        return id === undefined ? { ok: false, reason: 'invalid' } : single(makeIdentifier(type, org, id));
      }
      case 'hubspotContactId':
      case 'zendeskUserId': {
        const id = normalizeNumericId(value);
        return id === undefined ? { ok: false, reason: 'invalid' } : single(makeIdentifier(type, scope, id));
      }
      case 'nationalId': {
        const id = value.toUpperCase().replace(/[\s\-./]/g, '');
        return isJunkValue(id) ? { ok: false, reason: 'junk' } : single(makeIdentifier(type, NO_SCOPE, id));
      }
      case 'externalId':
        return single(makeIdentifier(type, scope, value));
    }
  }

  private email(value: string): One {
    const parsed = parseEmail(value);
    if (parsed === undefined) return { ok: false, reason: 'invalid' };
    if (parsed.role) return { ok: false, reason: 'role' };
    if (isJunkEmail(parsed.key)) return { ok: false, reason: 'junk' };
    return single(makeIdentifier('email', NO_SCOPE, parsed.key));
  }

  private phone(value: string, region?: Region): One {
    const parsed = this.phones.phone(value, region);
    if (parsed.e164 === undefined) return { ok: false, reason: 'invalid' };
    if (isJunkPhone(parsed.e164)) return { ok: false, reason: 'junk' };
    return {
      ok: true,
      ids: [makeIdentifier('phone', NO_SCOPE, parsed.e164)],
      candidates: parsed.candidates.map((c) => makeIdentifier('phone', NO_SCOPE, c)),
    };
  }

  private whatsapp(value: string): One {
    const parsed = this.phones.whatsapp(value);
    if (parsed.waId === undefined) return { ok: false, reason: 'invalid' };
    const ids = [makeIdentifier('whatsapp', NO_SCOPE, parsed.waId)];
    if (parsed.e164 !== undefined) {
      if (isJunkPhone(parsed.e164)) return { ok: false, reason: 'junk' };
      ids.push(makeIdentifier('phone', NO_SCOPE, parsed.e164));
    }
    return { ok: true, ids, candidates: parsed.candidates.map((c) => makeIdentifier('phone', NO_SCOPE, c)) };
  }

  /** Twilio `From`/`To`: `whatsapp:+E164`, `+E164` (SMS/voice) or another channel address. */
  private twilio(value: string): One {
    if (/^whatsapp:/i.test(value)) return this.whatsapp(value);
    if (/^\+?[\d\s().-]+$/.test(value)) return this.phone(value);
    return single(makeIdentifier('twilioAddress', NO_SCOPE, value.toLowerCase()));
  }
}

function single(id: Identifier): One {
  return { ok: true, ids: [id], candidates: [] };
}

function resolveType(type: string): IdentifierType | undefined {
  if (isIdentifierType(type)) return type;
  return TYPE_ALIASES[type];
}
