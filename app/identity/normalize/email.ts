/**
 * Email normalization. The key is trim + lower-case; the only provider rules applied are Gmail's
 * (dots do not matter, `+tag` is delivered to the same mailbox, googlemail.com is gmail.com), because
 * elsewhere dots and `+` may be part of a real, different mailbox.
 */

const ROLE_LOCAL_PARTS = new Set([
  // RFC 2142
  'info', 'marketing', 'sales', 'support', 'abuse', 'noc', 'security', 'postmaster', 'hostmaster',
  'usenet', 'news', 'webmaster', 'www', 'uucp', 'ftp',
  // common shared mailboxes
  'admin', 'administrator', 'office', 'contact', 'contactus', 'hello', 'hi', 'team', 'billing',
  'accounts', 'accounting', 'finance', 'invoices', 'help', 'helpdesk', 'service', 'customerservice',
  'noreply', 'no-reply', 'donotreply', 'do-not-reply', 'mailer-daemon', 'orders', 'careers', 'jobs',
  'hr', 'enquiries', 'inquiries', 'feedback', 'reception', 'newsletter', 'notifications', 'root',
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
  const role = ROLE_LOCAL_PARTS.has(baseLocal) || domain.endsWith('.zendesk.com');
  return { local, domain, key: `${local}@${domain}`, role };
}

export function isRoleLocalPart(local: string): boolean {
  return ROLE_LOCAL_PARTS.has(local.toLowerCase());
}
