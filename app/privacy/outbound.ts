import { type JsonObject, type JsonValue } from '../orchestration/json';
import { findSensitiveData } from './detect';
import { type SensitiveKind, type SensitiveScheme } from './finding';

/** One piece of sensitive data found in what Baton is about to send. */
export interface OutboundPiiViolation {
  /** JSON path of the string that carries it, e.g. `params.body` or `params.properties.notes`. */
  readonly path: string;
  readonly kind: SensitiveKind;
  readonly scheme: SensitiveScheme;
  /** The value masked down to its last four characters. */
  readonly masked: string;
  /** For people: which field, what was found, what to do. */
  readonly reason: string;
}

export interface OutboundScanOptions {
  /** Name of the root in paths (default `params`). */
  readonly root?: string;
  /**
   * Values that may be sent, compared without spaces, dashes and case (e.g. the business's own IBAN
   * printed on payment reminders).
   */
  readonly allow?: readonly string[];
}

const normalise = (value: string): string => value.replace(/[\s-]/g, '').toUpperCase();
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function article(label: string): string {
  return /^[AEIOU]/i.test(label) && !/^US\b|^UK\b/.test(label) ? 'an' : 'a';
}

/**
 * Every payment card number, national id and IBAN in an action's params: each string (and each
 * integer, which is how a CRM field may carry a card number) at any depth, with its JSON path.
 */
export function scanOutboundParams(params: JsonObject, options: OutboundScanOptions = {}): OutboundPiiViolation[] {
  const allowed = new Set((options.allow ?? []).map(normalise));
  const out: OutboundPiiViolation[] = [];

  const scanText = (path: string, text: string): void => {
    for (const f of findSensitiveData(text)) {
      if (allowed.has(normalise(text.slice(f.start, f.end)))) continue;
      out.push({
        path,
        kind: f.kind,
        scheme: f.scheme,
        masked: f.masked,
        reason: `${path} carries ${article(f.label)} ${f.label} ending ${f.last4}; remove it or send it through a secure channel`,
      });
    }
  };

  const walk = (path: string, value: JsonValue): void => {
    if (typeof value === 'string') scanText(path, value);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) scanText(path, String(Math.abs(value)));
    else if (Array.isArray(value)) value.forEach((item, i) => walk(`${path}[${i}]`, item));
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(childPath(path, key), inner);
    }
  };

  walk(options.root ?? 'params', params);
  return out;
}
