/**
 * Comparison functions with discrete agreement levels, the unit of a Fellegi–Sunter model.
 * Level 0 means "missing on either side" (weight 0); levels 1..k go from strongest agreement to none.
 */
import { editDistance } from './edit-distance';
import { jaroWinklerAtLeast } from './jaro-winkler';
import { areNicknames } from '../normalize/names';

/** Column-oriented records: `columns[field][i]` is record i's value, '' when missing. */
export type Columns = Readonly<Record<string, readonly string[]>>;

export interface Comparison {
  /** Field (column) compared; also the name shown in explanations. */
  readonly field: string;
  /** Labels of levels 1..k (index 0 is level 1). */
  readonly levels: readonly string[];
  /** Level at which the term-frequency adjustment applies (exact agreement), if any. */
  readonly tfLevel?: number;
  /** Binds the comparison to a set of columns; the returned function compares records i and j. */
  prepare(columns: Columns): (i: number, j: number) => number;
}

function column(columns: Columns, field: string): readonly string[] {
  const values = columns[field];
  if (values === undefined) throw new Error(`no column ${field}`);
  return values;
}

/** a === b once spaces are ignored, without allocating. */
function equalIgnoringSpaces(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && a.charCodeAt(i) === 32) i++;
    while (j < b.length && b.charCodeAt(j) === 32) j++;
    if (i === a.length || j === b.length) return i === a.length && j === b.length;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
    i++;
    j++;
  }
}

/**
 * Person names: exact, nickname, Jaro-Winkler bands, and "swapped with the other name field"
 * (given and family names entered the wrong way round).
 */
export function nameComparison(field: string, otherField: string | undefined, tf = true): Comparison {
  return {
    field,
    levels: ['exact', 'nickname', 'jw>=0.94', 'jw>=0.85', 'swapped', 'jw>=0.70', 'different'],
    ...(tf ? { tfLevel: 1 } : {}),
    prepare(columns) {
      const col = column(columns, field);
      const other = otherField === undefined ? undefined : column(columns, otherField);
      return (i, j) => {
        const a = col[i] ?? '';
        const b = col[j] ?? '';
        if (a.length === 0 || b.length === 0) return 0;
        if (a === b) return 1;
        if (areNicknames(a, b)) return 2;
        const s = jaroWinklerAtLeast(a, b, 0.7);
        if (s >= 0.94) return 3;
        if (s >= 0.85) return 4;
        if (other !== undefined) {
          const ob = other[j] ?? '';
          const oa = other[i] ?? '';
          if ((ob.length > 0 && jaroWinklerAtLeast(a, ob, 0.9) >= 0.9) || (oa.length > 0 && jaroWinklerAtLeast(oa, b, 0.9) >= 0.9))
            return 5;
        }
        return s >= 0.7 ? 6 : 7;
      };
    },
  };
}

/** Free text (street, locality, company): exact, exact ignoring spaces, Jaro-Winkler bands. */
export function textComparison(field: string, tf = false): Comparison {
  return {
    field,
    levels: ['exact', 'exact-no-spaces', 'jw>=0.92', 'jw>=0.80', 'different'],
    ...(tf ? { tfLevel: 1 } : {}),
    prepare(columns) {
      const col = column(columns, field);
      return (i, j) => {
        const a = col[i] ?? '';
        const b = col[j] ?? '';
        if (a.length === 0 || b.length === 0) return 0;
        if (a === b) return 1;
        if (equalIgnoringSpaces(a, b)) return 2;
        const s = jaroWinklerAtLeast(a, b, 0.8);
        if (s >= 0.92) return 3;
        return s >= 0.8 ? 4 : 5;
      };
    },
  };
}

/** Codes and numbers (postcode, street number, ids): exact, one edit, two edits, different. */
export function codeComparison(field: string, tf = false): Comparison {
  return {
    field,
    levels: ['exact', 'edit<=1', 'edit<=2', 'different'],
    ...(tf ? { tfLevel: 1 } : {}),
    prepare(columns) {
      const col = column(columns, field);
      return (i, j) => {
        const a = col[i] ?? '';
        const b = col[j] ?? '';
        if (a.length === 0 || b.length === 0) return 0;
        if (a === b) return 1;
        const d = editDistance(a, b, 2);
        if (d <= 1) return 2;
        return d <= 2 && Math.min(a.length, b.length) >= 5 ? 3 : 4;
      };
    },
  };
}

/** Dates as YYYYMMDD: exact, one digit typo or transposition, day/month swapped, same year, different. */
export function dateComparison(field: string): Comparison {
  return {
    field,
    levels: ['exact', 'edit<=1', 'day-month-swapped', 'edit<=2', 'different'],
    prepare(columns) {
      const col = column(columns, field);
      return (i, j) => {
        const a = col[i] ?? '';
        const b = col[j] ?? '';
        if (a.length === 0 || b.length === 0) return 0;
        if (a === b) return 1;
        const d = editDistance(a, b, 2);
        if (d <= 1) return 2;
        if (
          a.length === 8 &&
          b.length === 8 &&
          a.slice(0, 4) === b.slice(0, 4) &&
          a.slice(4, 6) === b.slice(6, 8) &&
          a.slice(6, 8) === b.slice(4, 6)
        ) {
          return 3;
        }
        return d <= 2 ? 4 : 5;
      };
    },
  };
}

/** Categorical values (region, country, phone): equal or not. */
export function exactComparison(field: string, tf = false): Comparison {
  return {
    field,
    levels: ['exact', 'different'],
    ...(tf ? { tfLevel: 1 } : {}),
    prepare(columns) {
      const col = column(columns, field);
      return (i, j) => {
        const a = col[i] ?? '';
        const b = col[j] ?? '';
        if (a.length === 0 || b.length === 0) return 0;
        return a === b ? 1 : 2;
      };
    },
  };
}

/** Email addresses: exact, same mailbox name at another domain, similar mailbox name, different. */
export function emailComparison(field: string): Comparison {
  return {
    field,
    levels: ['exact', 'same-local-part', 'similar-local-part', 'different'],
    prepare(columns) {
      const col = column(columns, field);
      return (i, j) => {
        const a = col[i] ?? '';
        const b = col[j] ?? '';
        if (a.length === 0 || b.length === 0) return 0;
        if (a === b) return 1;
        const la = a.slice(0, a.lastIndexOf('@'));
        const lb = b.slice(0, b.lastIndexOf('@'));
        if (la === lb) return 2;
        return jaroWinklerAtLeast(la, lb, 0.9) >= 0.9 ? 3 : 4;
      };
    },
  };
}
