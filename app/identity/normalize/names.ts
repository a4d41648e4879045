/** Name cleaning and a compact English nickname table used by the name guard and the comparators. */

const NICKNAME_GROUPS: readonly (readonly string[])[] = [
  ['robert', 'bob', 'rob', 'robbie', 'bobby', 'bert'],
  ['william', 'bill', 'will', 'billy', 'willy', 'liam'],
  ['richard', 'rick', 'dick', 'rich', 'ricky'],
  ['james', 'jim', 'jimmy', 'jamie'],
  ['john', 'jack', 'johnny', 'jon'],
  ['jonathan', 'jon', 'jonny'],
  ['michael', 'mike', 'mick', 'mikey'],
  ['thomas', 'tom', 'tommy'],
  ['charles', 'charlie', 'chuck', 'chas'],
  ['christopher', 'chris', 'kit'],
  ['daniel', 'dan', 'danny'],
  ['matthew', 'matt'],
  ['anthony', 'tony'],
  ['joseph', 'joe', 'joey'],
  ['edward', 'ed', 'eddie', 'ted', 'ned'],
  ['benjamin', 'ben', 'benny'],
  ['samuel', 'sam', 'sammy'],
  ['alexander', 'alex', 'sandy', 'xander'],
  ['andrew', 'andy', 'drew'],
  ['nicholas', 'nick', 'nicky'],
  ['stephen', 'steve', 'steven'],
  ['timothy', 'tim', 'timmy'],
  ['patrick', 'pat', 'paddy'],
  ['peter', 'pete'],
  ['david', 'dave', 'davey'],
  ['gregory', 'greg'],
  ['jeffrey', 'jeff'],
  ['kenneth', 'ken', 'kenny'],
  ['lawrence', 'larry'],
  ['raymond', 'ray'],
  ['ronald', 'ron', 'ronnie'],
  ['donald', 'don', 'donnie'],
  ['gerald', 'gerry', 'jerry'],
  ['frederick', 'fred', 'freddie'],
  ['henry', 'harry', 'hank'],
  ['elizabeth', 'liz', 'beth', 'betty', 'lizzie', 'eliza', 'libby', 'betsy'],
  ['margaret', 'maggie', 'meg', 'peggy', 'marge'],
  ['katherine', 'kate', 'kathy', 'katie', 'kat', 'catherine', 'cathy', 'kathryn'],
  ['jennifer', 'jen', 'jenny'],
  ['jessica', 'jess', 'jessie'],
  ['rebecca', 'becky', 'becca'],
  ['deborah', 'debbie', 'deb'],
  ['patricia', 'pat', 'patty', 'trish', 'tricia'],
  ['susan', 'sue', 'suzie'],
  ['victoria', 'vicky', 'tori'],
  ['christine', 'chris', 'chrissy', 'tina'],
  ['christina', 'chris', 'tina'],
  ['alexandra', 'alex', 'sandra', 'lexi'],
  ['samantha', 'sam', 'sammy'],
  ['abigail', 'abby'],
  ['barbara', 'barb', 'babs'],
  ['dorothy', 'dot', 'dottie'],
  ['judith', 'judy'],
  ['pamela', 'pam'],
  ['kimberly', 'kim'],
  ['melissa', 'mel', 'missy'],
  ['amanda', 'mandy'],
  ['stephanie', 'steph'],
  ['theresa', 'terry', 'tessa'],
  ['josephine', 'jo', 'josie'],
  ['nathaniel', 'nate', 'nat'],
  ['nathan', 'nate'],
  ['zachary', 'zach', 'zack'],
];

const NICKNAMES = new Map<string, Set<string>>();
for (const group of NICKNAME_GROUPS) {
  for (const name of group) {
    let set = NICKNAMES.get(name);
    if (set === undefined) NICKNAMES.set(name, (set = new Set()));
    for (const other of group) set.add(other);
  }
}

/** True when one name is a known nickname or formal form of the other. */
export function areNicknames(a: string, b: string): boolean {
  return a === b || (NICKNAMES.get(a)?.has(b) ?? false);
}

/** Formal forms of a name, the name itself included (for blocking keys). */
export function nameVariants(name: string): readonly string[] {
  const set = NICKNAMES.get(name);
  return set === undefined ? [name] : [...set];
}

/** Text that is already clean (the common case in bulk data): cleanText returns it unchanged. */
const ALREADY_CLEAN = /^[a-z0-9'-]+(?: [a-z0-9'-]+)*$/;

/** Lower-case, accents removed, only letters, digits, spaces, hyphens and apostrophes kept. */
export function cleanText(raw: string): string {
  if (ALREADY_CLEAN.test(raw)) return raw;
  return raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9\s'-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'sir', 'madam', 'mx']);

/** Splits "Dr. Jane van Dyke" into first "jane" and last "van dyke"; "Dyke, Jane" too. */
export function splitFullName(raw: string): { first: string; last: string } {
  const comma = raw.indexOf(',');
  if (comma > 0) {
    return { first: cleanText(raw.slice(comma + 1)).split(' ')[0] ?? '', last: cleanText(raw.slice(0, comma)) };
  }
  const tokens = cleanText(raw).split(' ').filter((t) => t.length > 0 && !HONORIFICS.has(t));
  if (tokens.length === 0) return { first: '', last: '' };
  if (tokens.length === 1) return { first: tokens[0] ?? '', last: '' };
  return { first: tokens[0] ?? '', last: tokens.slice(1).join(' ') };
}
