import { createHash, randomBytes } from 'node:crypto';
import { newSalesforceId, to18 } from './ids';

/** Objects whose changes the sandbox publishes as Change Data Capture events. */
export const CDC_OBJECTS = ['Contact', 'Lead', 'Account', 'Opportunity', 'Case'] as const;

export type SObject = Record<string, unknown> & { Id: string };

export interface ChangeEventMessage {
  readonly channel: string;
  readonly replayId: number;
  readonly data: { schema: string; payload: Record<string, unknown>; event: { replayId: number } };
}

/** A response the next matching request gets instead of the real one (429-style storms, 5xx, limits). */
export interface Fault {
  readonly method?: string;
  /** Matched against the path after /services/data/vXX.X (e.g. /sobjects/Task). */
  readonly path: RegExp;
  readonly status: number;
  readonly body: unknown;
  /** Apply the request first, then answer with the fault (an ambiguous outcome: the effect landed). */
  readonly afterApply?: boolean;
  remaining: number;
}

interface RefreshFamily {
  readonly id: string;
  current: string;
  revoked: boolean;
  rotations: number;
}

/** The Baton package's custom fields per object (Task's key is an Activity field) and its Apex classes. */
export const PACKAGE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Contact: ['Baton_Stage__c', 'Baton_Next_Action__c', 'Baton_Hotness__c', 'Baton_Reason__c'],
  Lead: ['Baton_Stage__c', 'Baton_Next_Action__c', 'Baton_Hotness__c', 'Baton_Reason__c'],
  Task: ['Baton_Key__c'],
};
/**
 * Boolean fields Salesforce fills on insert when the request leaves them out (checkboxes are never
 * null): the person's email opt-out and Do Not Call flags.
 */
const INSERT_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  Contact: { HasOptedOutOfEmail: false, DoNotCall: false },
  Lead: { HasOptedOutOfEmail: false, DoNotCall: false },
};

/** Key prefixes of the privacy objects (Individual is 0PK; the consent prefix only has to be stable here, Baton never reads it). */
const PRIVACY_PREFIX: Readonly<Record<string, string>> = { Individual: '0PK', ContactPointTypeConsent: '0ZY' };

export const PACKAGE_CLASSES = [
  'BatonCardController',
  'BatonClient',
  'BatonFlow',
  'BatonNextBestAction',
  'BatonRecordOutcome',
  'BatonSecretRest',
  'BatonSigner',
  'BatonStartPlaybook',
] as const;

export interface SandboxOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly orgId: string;
  readonly userId: string;
  readonly dailyApiLimit: number;
  /** How long /meta/connect holds a long poll without events (real Salesforce: 110 s). */
  readonly connectHoldMs: number;
  /**
   * How the Baton package is installed: 'baton' = the managed package (fields `baton__Baton_Stage__c`,
   * Apex REST `/services/apexrest/baton/secret/v1`), '' = deployed from source without a namespace
   * (`Baton_Stage__c`, `/services/apexrest/secret/v1`), null = not installed.
   */
  readonly packageNamespace: string | null;
}

/**
 * Everything the sandbox org knows: records, OAuth codes and token families, API usage, CDC
 * events with replay ids, faults to inject and what Apex endpoints received. Tests read and drive it.
 */
export class SalesforceSandboxState {
  readonly records = new Map<string, Map<string, SObject>>();
  readonly codes = new Map<string, { challenge: string; redirectUri: string; used: boolean }>();
  readonly accessTokens = new Map<string, { family: string; valid: boolean }>();
  readonly families = new Map<string, RefreshFamily>();
  readonly refreshIndex = new Map<string, string>();
  readonly faults: Fault[] = [];
  /** Every REST request: method, path (after the version prefix) and the Sforce-Call-Options client. */
  readonly requests: { method: string; path: string; client: string | null; body: unknown }[] = [];
  readonly actions: { name: string; inputs: Record<string, unknown>[] }[] = [];
  readonly apexRest: { path: string; body: unknown }[] = [];
  readonly events: ChangeEventMessage[] = [];
  apiUsed = 0;
  apiLimit: number;
  /** Events with a replay id at or below this were purged (72 h retention). */
  purgedThrough = 0;
  /** The `instance_url` token responses name (default: the sandbox itself); an unreachable one simulates an org whose instance is down. */
  instanceUrl: string | undefined;
  /** While set, /services/oauth2/revoke answers 503 (Salesforce unavailable). */
  revokeUnavailable = false;
  private nextReplay = 1000;
  private readonly listeners = new Set<() => void>();

  /** The connected user's access to the package's fields (field-level security): edit, read only, or none (invisible). */
  batonFieldAccess: 'edit' | 'read' | 'none' = 'edit';
  /**
   * Setup's "Data Protection and Privacy": on, Contact and Lead have IndividualId and the Individual and
   * ContactPointTypeConsent objects exist; off, querying them fails as it does in such an org.
   */
  privacyEnabled = true;
  /** The org's own custom fields per object (an admin's `Time_Zone__c`), listed by describe. */
  readonly customFields = new Map<string, string[]>();

  addCustomField(type: string, name: string): void {
    this.customFields.set(type, [...(this.customFields.get(type) ?? []), name]);
  }
  private pkgNamespace: string | null = null;

  constructor(readonly options: SandboxOptions) {
    this.apiLimit = options.dailyApiLimit;
    this.installPackage(options.packageNamespace);
  }

  // ---- the Baton package ---------------------------------------------------------------------

  /** The installed package's namespace ('' none), or null when it is not installed. */
  get packageNamespace(): string | null {
    return this.pkgNamespace;
  }

  /** Installs (or removes, with null) the Baton package: its fields and Apex classes. */
  installPackage(namespace: string | null): void {
    this.pkgNamespace = namespace;
    const classes = this.table('ApexClass');
    classes.clear();
    if (namespace === null) return;
    for (const name of PACKAGE_CLASSES) {
      const id = newSalesforceId('ApexClass');
      classes.set(id, { Id: id, Name: name, NamespacePrefix: namespace === '' ? null : namespace });
    }
  }

  /** A package field's API name in this org (`baton__Baton_Stage__c` or `Baton_Stage__c`). */
  packageField(field: string): string {
    return this.pkgNamespace === null || this.pkgNamespace === '' ? field : `${this.pkgNamespace}__${field}`;
  }

  /** The package fields of an object that the connected user can see. */
  visiblePackageFields(type: string): string[] {
    if (this.pkgNamespace === null || this.batonFieldAccess === 'none') return [];
    return (PACKAGE_FIELDS[type] ?? []).map((f) => this.packageField(f));
  }

  get orgId(): string {
    return this.options.orgId;
  }

  // ---- records -------------------------------------------------------------------------------

  table(type: string): Map<string, SObject> {
    let t = this.records.get(type);
    if (t === undefined) {
      t = new Map();
      this.records.set(type, t);
    }
    return t;
  }

  find(id: string): { type: string; record: SObject } | undefined {
    for (const [type, t] of this.records) {
      const record = t.get(id) ?? t.get(id.length === 15 ? to18(id) : id);
      if (record !== undefined) return { type, record };
    }
    return undefined;
  }

  create(type: string, fields: Record<string, unknown>, origin: string | null): SObject {
    const now = new Date().toISOString();
    const prefix = PRIVACY_PREFIX[type];
    const id = prefix === undefined ? newSalesforceId(type) : to18(`${prefix}${newSalesforceId(type).slice(3, 15)}`);
    const record: SObject = { ...INSERT_DEFAULTS[type], ...fields, Id: id, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now };
    this.table(type).set(id, record);
    this.publishChange(type, 'CREATE', record, Object.keys(fields), origin);
    return record;
  }

  update(type: string, id: string, fields: Record<string, unknown>, origin: string | null): SObject | undefined {
    const record = this.table(type).get(id);
    if (record === undefined) return undefined;
    const now = new Date().toISOString();
    Object.assign(record, fields, { LastModifiedDate: now, SystemModstamp: now });
    this.publishChange(type, 'UPDATE', record, [...Object.keys(fields), 'LastModifiedDate'], origin);
    return record;
  }

  remove(type: string, id: string, origin: string | null): boolean {
    const record = this.table(type).get(id);
    if (record === undefined) return false;
    this.table(type).delete(id);
    this.publishChange(type, 'DELETE', record, [], origin);
    return true;
  }

  tasks(): SObject[] {
    return [...this.table('Task').values()];
  }

  /** The ContentNotes linked to a record, each with its links, and the note text decoded. */
  notesOf(recordId: string): { note: SObject; html: string; links: SObject[] }[] {
    const same = (a: unknown): boolean => typeof a === 'string' && a.slice(0, 15) === recordId.slice(0, 15);
    const links = [...this.table('ContentDocumentLink').values()];
    return [...this.table('ContentNote').values()]
      .filter((n) => links.some((l) => l['ContentDocumentId'] === n.Id && same(l['LinkedEntityId'])))
      .map((note) => ({
        note,
        html: Buffer.from(String(note['Content'] ?? ''), 'base64').toString('utf8'),
        links: links.filter((l) => l['ContentDocumentId'] === note.Id),
      }));
  }

  /**
   * Consent as an org with Data Protection and Privacy records it: the person's Individual (created and
   * linked through the record's IndividualId when it has none) and a ContactPointTypeConsent for one
   * contact point type (Email, Phone...) with its status and effective period.
   */
  recordConsent(
    recordId: string,
    contactPointType: string,
    status: 'OptIn' | 'OptOut' | 'NotSeen' | 'Seen',
    period: { from?: string; to?: string; captured?: string } = {},
  ): SObject {
    const found = this.find(recordId);
    if (found === undefined) throw new Error(`no record ${recordId}`);
    let individualId = found.record['IndividualId'];
    if (typeof individualId !== 'string') {
      const individual = this.create(
        'Individual',
        { LastName: found.record['LastName'] ?? 'Unknown', FirstName: found.record['FirstName'] ?? null },
        null,
      );
      individualId = individual.Id;
      this.update(found.type, found.record.Id, { IndividualId: individual.Id }, null);
    }
    return this.create(
      'ContactPointTypeConsent',
      {
        Name: `${contactPointType} consent`,
        PartyId: individualId,
        ContactPointType: contactPointType,
        PrivacyConsentStatus: status,
        CaptureDate: period.captured ?? new Date().toISOString(),
        CaptureSource: 'sandbox',
        CaptureContactPointType: 'Web',
        EffectiveFrom: period.from ?? null,
        EffectiveTo: period.to ?? null,
        DataUsePurposeId: null,
      },
      null,
    );
  }

  /** An active Sales Engagement cadence (cadences are built in Cadence Builder, not through the API). */
  addCadence(name: string): SObject {
    const now = new Date().toISOString();
    const record: SObject = {
      Id: newSalesforceId('ActionCadence'),
      Name: name,
      State: 'Active',
      CreatedDate: now,
      LastModifiedDate: now,
      SystemModstamp: now,
    };
    this.table('ActionCadence').set(record.Id, record);
    return record;
  }

  /** A copy of every record and the event count, for rolling back an all-or-none Composite request. */
  snapshot(): { records: Map<string, Map<string, SObject>>; events: number } {
    return {
      records: new Map([...this.records].map(([type, t]) => [type, new Map([...t].map(([id, r]) => [id, { ...r }]))])),
      events: this.events.length,
    };
  }

  /** Undoes everything since `snapshot()`: records and the change events they published (never committed). */
  restore(snap: { records: Map<string, Map<string, SObject>>; events: number }): void {
    this.records.clear();
    for (const [type, t] of snap.records) this.records.set(type, t);
    this.events.splice(snap.events);
  }

  // ---- Change Data Capture -------------------------------------------------------------------

  private publishChange(type: string, changeType: string, record: SObject, changed: string[], origin: string | null): void {
    if (!(CDC_OBJECTS as readonly string[]).includes(type)) return;
    const replayId = this.nextReplay;
    this.nextReplay += 1 + Math.floor(Math.random() * 3); // opaque and non-contiguous, like the real thing
    const header = {
      entityName: type,
      recordIds: [record.Id],
      changeType,
      changeOrigin: origin ?? '',
      transactionKey: randomBytes(16).toString('hex'),
      sequenceNumber: 1,
      commitTimestamp: Date.now(),
      commitNumber: replayId * 1000,
      commitUser: this.options.userId,
      changedFields: changeType === 'UPDATE' ? changed : [],
      diffFields: [],
      nulledFields: [],
    };
    const fields: Record<string, unknown> = {};
    const include = changeType === 'UPDATE' ? changed : changeType === 'DELETE' ? [] : Object.keys(record).filter((k) => k !== 'Id');
    for (const k of include) fields[k] = record[k] ?? null;
    const channel = `/data/${type}ChangeEvent`;
    this.events.push({
      channel,
      replayId,
      data: {
        schema: createHash('md5').update(type).digest('base64url').slice(0, 22),
        payload: { ChangeEventHeader: header, ...fields },
        event: { replayId },
      },
    });
    for (const l of this.listeners) l();
  }

  /** Events on a channel after `replayId` (-1: none of the retained ones, -2: all retained). */
  eventsAfter(channel: string, replayId: number): ChangeEventMessage[] {
    if (replayId === -1) return [];
    return this.events.filter(
      (e) => e.channel === channel && e.replayId > this.purgedThrough && (replayId === -2 || e.replayId > replayId),
    );
  }

  replayValid(replayId: number): boolean {
    return replayId === -1 || replayId === -2 || replayId >= this.purgedThrough;
  }

  /** Simulates the 72-hour retention passing for everything published so far. */
  purgeRetainedEvents(): void {
    this.purgedThrough = this.nextReplay - 1;
  }

  latestReplayId(): number {
    return this.nextReplay - 1;
  }

  onEvent(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- OAuth ---------------------------------------------------------------------------------

  issueCode(challenge: string, redirectUri: string): string {
    const code = `aPrx${randomBytes(18).toString('base64url')}`;
    this.codes.set(code, { challenge, redirectUri, used: false });
    return code;
  }

  newFamily(): { accessToken: string; refreshToken: string } {
    const family = randomBytes(8).toString('hex');
    const refreshToken = `5Aep${randomBytes(24).toString('base64url')}`;
    this.families.set(family, { id: family, current: refreshToken, revoked: false, rotations: 0 });
    this.refreshIndex.set(refreshToken, family);
    return { accessToken: this.newAccessToken(family), refreshToken };
  }

  newAccessToken(family: string): string {
    const token = `${this.options.orgId}!AR${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(token, { family, valid: true });
    return token;
  }

  /**
   * Refresh Token Rotation: the presented token must be the family's current one; a new refresh
   * token replaces it. Reusing an old one revokes the whole family (as Salesforce may).
   */
  rotate(refreshToken: string): { accessToken: string; refreshToken: string } | { error: string } {
    const familyId = this.refreshIndex.get(refreshToken);
    const family = familyId === undefined ? undefined : this.families.get(familyId);
    if (family === undefined || family.revoked) return { error: 'expired access/refresh token' };
    if (family.current !== refreshToken) {
      this.revokeFamily(family.id);
      return { error: 'expired access/refresh token' };
    }
    const next = `5Aep${randomBytes(24).toString('base64url')}`;
    family.current = next;
    family.rotations += 1;
    this.refreshIndex.set(next, family.id);
    return { accessToken: this.newAccessToken(family.id), refreshToken: next };
  }

  revokeFamily(familyId: string): void {
    const family = this.families.get(familyId);
    if (family !== undefined) family.revoked = true;
    for (const t of this.accessTokens.values()) if (t.family === familyId) t.valid = false;
  }

  /** Revokes whatever the token belongs to (as POST /services/oauth2/revoke does). */
  revoke(token: string): boolean {
    const family = this.refreshIndex.get(token) ?? this.accessTokens.get(token)?.family;
    if (family === undefined) return false;
    this.revokeFamily(family);
    return true;
  }

  /** Every installation's access is revoked (an admin removed the app). */
  revokeAll(): void {
    for (const f of this.families.keys()) this.revokeFamily(f);
  }

  /** Access tokens expire (session timeout); refresh tokens stay good. */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.valid = false;
  }

  tokenValid(token: string): boolean {
    return this.accessTokens.get(token)?.valid === true;
  }

  // ---- faults --------------------------------------------------------------------------------

  failNext(fault: Omit<Fault, 'remaining'> & { times?: number }): void {
    const { times, ...rest } = fault;
    this.faults.push({ ...rest, remaining: times ?? 1 });
  }

  takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.remaining > 0 && (f.method === undefined || f.method === method) && f.path.test(path));
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (f === undefined) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f;
  }
}
