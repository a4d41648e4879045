/**
 * Email normalization. The key is trim + lower-case; the only provider rules applied are Gmail's
 * (dots do not matter, `+tag` is delivered to the same mailbox, googlemail.com is gmail.com), because
 * elsewhere dots and `+` may be part of a real, different mailbox.
 */

const ROLE_LOCAL_PARTS = new Set([
  // RFC 2142
  'info',
  'marketing',
  'sales',
  'support',
  'abuse',
  'noc',
  'security',
  'postmaster',
  'hostmaster',
  'usenet',
  'news',
  'webmaster',
  'www',
  'uucp',
  'ftp',
  // common shared mailboxes
  'admin',
  'administrator',
  'office',
  'contact',
  'contactus',
  'hello',
  'hi',
  'team',
  'billing',
  'accounts',
  'accounting',
  'finance',
  'invoices',
  'help',
  'helpdesk',
  'service',
  'customerservice',
  'noreply',
  'no-reply',
  'donotreply',
  'do-not-reply',
  'mailer-daemon',
  'orders',
  'careers',
  'jobs',
  'hr',
  'enquiries',
  'inquiries',
  'feedback',
  'reception',
  'newsletter',
  'notifications',
  'root',
  'enquiry',
  'inquiry',
  'legal',
  'privacy',
  'press',
  'media',
  'pr',
  'partners',
  'partnerships',
  'bookings',
  'booking',
  'reservations',
  'payments',
  'payroll',
  'purchasing',
  'procurement',
  'ops',
  'operations',
  'it',
  'tech',
  'techsupport',
  'customercare',
  'care',
  'mail',
  'post',
  'general',
  'desk',
  'frontdesk',
  'shop',
  'store',
  'bounce',
  'bounces',
  'alerts',
  'updates',
  'members',
  'membership',
  'subscriptions',
  'returns',
  'compliance',
  'team',
  'staff',
  'all',
  'everyone',
  'studio',
  'hola',
  'contacto',
  'kontakt',
  'ventas',
  'soporte',
  'atendimento',
  'contato',
  'vendas',
  'bonjour',
]);

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

export interface ParsedEmail {
  readonly local: string;
  readonly domain: string;
  /** Normalized address used as the identifier value. */
  readonly key: string;
  /** True for shared role mailboxes (info@, support@, …) that never link people. */
  readonly role: boolean;
}

const SIMPLE_EMAIL = /^[^\s@<>()",;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** Parses `Jane <Jane.Doe+x@GMail.com>`-style input; undefined when it is not an address. */
export function parseEmail(raw: string): ParsedEmail | undefined {
  let text = raw.trim();
  const angle = /<([^<>]+)>\s*$/.exec(text);
  if (angle?.[1] !== undefined) text = angle[1].trim();
  if (text.toLowerCase().startsWith('mailto:')) text = text.slice(7);
  text = text.toLowerCase();
  if (!SIMPLE_EMAIL.test(text)) return undefined;
  const at = text.lastIndexOf('@');
  let local = text.slice(0, at);
  let domain = text.slice(at + 1);
  const plus = local.indexOf('+');
  const baseLocal = plus > 0 ? local.slice(0, plus) : local;
  if (GMAIL_DOMAINS.has(domain)) {
    domain = 'gmail.com';
    local = baseLocal.replace(/\./g, '');
    if (local.length === 0) return undefined;
  }
  const role = isRoleLocalPart(baseLocal) || domain.endsWith('.zendesk.com');
  return { local, domain, key: `${local}@${domain}`, role };
}

/** Words that, joined to a role word, still name a shared mailbox (support-team@, sales.us@, info2@). */
const ROLE_QUALIFIERS = new Set([
  'team',
  'desk',
  'dept',
  'department',
  'group',
  'us',
  'uk',
  'eu',
  'de',
  'fr',
  'es',
  'mx',
  'br',
  'in',
  'au',
  'ca',
  'emea',
  'apac',
  'latam',
  'na',
  'global',
  'intl',
  'int',
  'main',
  'general',
  'central',
  'hq',
  'the',
  'our',
  'and',
  'customer',
  'customers',
  'client',
  'clients',
  'online',
  'web',
  'mail',
  'email',
  'inbox',
  'reply',
  'request',
  'requests',
  'center',
  'centre',
  'care',
  'service',
  'services',
  'us2',
  'front',
  'office',
]);

/** Role words that only name a shared mailbox when combined (customer.care@, front.desk@). */
const ROLE_COMPOUNDS = new Set([
  'customercare',
  'customerservice',
  'customersupport',
  'clientservices',
  'frontdesk',
  'frontoffice',
  'servicedesk',
  'infodesk',
  'techsupport',
  'itsupport',
  'salesteam',
  'supportteam',
  'helpcenter',
  'helpcentre',
]);

/**
 * True for shared role mailboxes: info@, support@, the RFC 2142 names, and variants with separators,
 * qualifiers or digits (support-team@, sales.us@, info2@, customer.service@, no_reply@).
 */
export function isRoleLocalPart(local: string): boolean {
  const text = local.toLowerCase();
  if (ROLE_LOCAL_PARTS.has(text)) return true;
  const tokens = text
    .split(/[._-]+/)
    .map((t) => t.replace(/\d+$/, ''))
    .filter((t) => t.length > 0);
  if (tokens.length === 0) return false;
  const joined = tokens.join('');
  if (ROLE_LOCAL_PARTS.has(joined) || ROLE_COMPOUNDS.has(joined)) return true;
  if (!tokens.some((t) => ROLE_LOCAL_PARTS.has(t))) return false;
  return tokens.every((t) => ROLE_LOCAL_PARTS.has(t) || ROLE_QUALIFIERS.has(t));
}
