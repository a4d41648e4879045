/** Name cleaning and a compact English nickname table used by the name guard and the comparators. */

const NICKNAME_GROUPS: readonly (readonly string[])[] = [
  ['robert', 'bob', 'rob', 'robbie', 'bobby', 'bert', 'robby'],
  ['william', 'bill', 'will', 'billy', 'willy', 'willie', 'liam', 'wil'],
  ['richard', 'rick', 'dick', 'rich', 'ricky'],
  ['james', 'jim', 'jimmy', 'jamie', 'jimbo'],
  ['john', 'jack', 'johnny', 'jon'],
  ['jonathan', 'jon', 'jonny'],
  ['michael', 'mike', 'mick', 'mikey', 'mickey'],
  ['thomas', 'tom', 'tommy'],
  ['charles', 'charlie', 'chuck', 'chas'],
  ['christopher', 'chris', 'kit', 'topher'],
  ['daniel', 'dan', 'danny', 'dani'],
  ['matthew', 'matt'],
  ['anthony', 'tony'],
  ['joseph', 'joe', 'joey', 'jo'],
  ['edward', 'ed', 'eddie', 'ted', 'ned'],
  ['benjamin', 'ben', 'benny', 'benji', 'benjy'],
  ['samuel', 'sam', 'sammy'],
  ['alexander', 'alex', 'sandy', 'xander', 'al', 'lex', 'alec', 'sasha'],
  ['andrew', 'andy', 'drew'],
  ['nicholas', 'nick', 'nicky', 'nico', 'nicolas', 'niko', 'klaus'],
  ['stephen', 'steve', 'steven', 'stevie'],
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
  ['henry', 'harry', 'hank', 'hal'],
  ['elizabeth', 'liz', 'beth', 'betty', 'lizzie', 'lizzy', 'eliza', 'libby', 'betsy', 'bette', 'liza', 'elisabeth'],
  ['margaret', 'maggie', 'meg', 'peggy', 'marge', 'margie', 'greta', 'daisy', 'madge'],
  ['katherine', 'kate', 'kathy', 'katie', 'kat', 'catherine', 'cathy', 'kathryn', 'kathleen', 'kay', 'kitty', 'cat', 'katy', 'caitlin'],
  ['jennifer', 'jen', 'jenny', 'jenn', 'jenni'],
  ['jessica', 'jess', 'jessie'],
  ['rebecca', 'becky', 'becca', 'becki', 'beck'],
  ['deborah', 'debbie', 'deb', 'debra', 'debby'],
  ['patricia', 'pat', 'patty', 'patti', 'trish', 'tricia', 'trisha'],
  ['susan', 'sue', 'suzie', 'susie', 'suzy'],
  ['victoria', 'vicky', 'vickie', 'vicki', 'tori', 'vic'],
  ['christine', 'chris', 'chrissy', 'tina'],
  ['christina', 'chris', 'tina'],
  ['alexandra', 'alex', 'sandra', 'lexi', 'lexie', 'sasha', 'sandy', 'ali'],
  ['samantha', 'sam', 'sammy'],
  ['abigail', 'abby', 'abbie', 'gail'],
  ['barbara', 'barb', 'babs'],
  ['dorothy', 'dot', 'dottie', 'dolly', 'dora'],
  ['judith', 'judy'],
  ['pamela', 'pam'],
  ['kimberly', 'kim', 'kimmy', 'kimberley'],
  ['melissa', 'mel', 'missy'],
  ['amanda', 'mandy'],
  ['stephanie', 'steph'],
  ['theresa', 'terry', 'tessa'],
  ['josephine', 'jo', 'josie'],
  ['nathaniel', 'nate', 'nat'],
  ['nathan', 'nate'],
  ['zachary', 'zach', 'zack'],
  ['mary', 'molly', 'polly', 'mae', 'mamie', 'marie'],
  ['maria', 'mari', 'mia'],
  ['sarah', 'sally', 'sadie', 'sara'],
  ['ann', 'anne', 'anna', 'annie', 'nancy', 'hannah', 'nan'],
  ['albert', 'al', 'bert', 'bertie'],
  ['alberto', 'beto'],
  ['roberto', 'beto', 'rob'],
  ['alfred', 'al', 'alf', 'alfie', 'fred'],
  ['alan', 'al', 'allen', 'allan'],
  ['harold', 'hal', 'harry'],
  ['theodore', 'ted', 'teddy', 'theo'],
  ['francis', 'frank', 'fran', 'frankie'],
  ['francisco', 'paco', 'pancho', 'fran', 'frank'],
  ['frances', 'fran', 'frannie', 'francie'],
  ['gabriel', 'gabe', 'gabby'],
  ['gabriela', 'gabriella', 'gabby', 'gaby'],
  ['joshua', 'josh'],
  ['jacob', 'jake'],
  ['phillip', 'phil', 'philip', 'pip'],
  ['oliver', 'ollie', 'olly'],
  ['olivia', 'liv', 'livvy', 'ollie'],
  ['vincent', 'vince', 'vinny'],
  ['walter', 'walt', 'wally'],
  ['wesley', 'wes'],
  ['isaac', 'ike', 'zac'],
  ['abraham', 'abe', 'bram'],
  ['louis', 'lou', 'louie'],
  ['louise', 'lou', 'lulu'],
  ['eleanor', 'ellie', 'nell', 'nora', 'elle'],
  ['helen', 'nell', 'nellie'],
  ['ellen', 'ellie', 'nell'],
  ['cynthia', 'cindy'],
  ['lucinda', 'cindy', 'lucy'],
  ['virginia', 'ginny', 'ginger'],
  ['valerie', 'val'],
  ['nicole', 'nikki', 'nicky', 'niki'],
  ['danielle', 'dani', 'elle'],
  ['jacqueline', 'jackie', 'jacky'],
  ['madeline', 'maddie', 'madeleine', 'madelyn'],
  ['gertrude', 'trudy', 'gertie'],
  ['regina', 'gina'],
  ['angela', 'angie'],
  ['caroline', 'carrie', 'carol', 'callie'],
  ['carolyn', 'carrie', 'carol'],
  ['cassandra', 'cassie', 'sandy'],
  ['sandra', 'sandy'],
  ['natalie', 'nat', 'talia'],
  ['natasha', 'tasha', 'nat'],
  ['leonard', 'leo', 'len', 'lenny'],
  ['leonardo', 'leo'],
  ['douglas', 'doug'],
  ['dennis', 'denny'],
  ['terence', 'terry'],
  ['randall', 'randy'],
  ['russell', 'russ'],
  ['stanley', 'stan'],
  ['eugene', 'gene'],
  ['bradley', 'brad'],
  ['clifford', 'cliff'],
  ['leslie', 'les'],
  ['marjorie', 'margie', 'marge'],
  ['cameron', 'cam'],
  ['maximilian', 'max'],
  ['maxwell', 'max'],
  ['evelyn', 'evie', 'eve'],
  ['emily', 'em', 'emmy', 'millie'],
  ['emma', 'em', 'emmy'],
  ['amelia', 'millie', 'amy'],
  ['mildred', 'millie'],
  ['melanie', 'mel'],
  ['rosemary', 'rose', 'rosie'],
  ['roseanne', 'rose', 'rosie'],
  ['suzanne', 'sue', 'suzie'],
  ['teresa', 'terry', 'tess', 'tessa'],
  ['veronica', 'ronnie', 'vera'],
  ['jose', 'pepe', 'chepe'],
  ['ignacio', 'nacho'],
  ['guillermo', 'memo'],
  ['manuel', 'manny', 'manolo'],
  ['enrique', 'kike'],
  ['guadalupe', 'lupe', 'lupita'],
  ['dolores', 'lola'],
  ['rafael', 'rafa'],
  ['alejandro', 'alex', 'ale'],
  ['fernando', 'fer', 'nando'],
  ['eduardo', 'edu', 'lalo'],
  ['joao', 'jo'],
  ['sebastian', 'seb', 'bastian'],
  ['giuseppe', 'beppe', 'peppe'],
  ['johann', 'hans'],
  ['johannes', 'hans', 'jan', 'jo'],
  ['wolfgang', 'wolf'],
  ['aleksandr', 'sasha', 'alex'],
  ['mikhail', 'misha'],
  ['dmitri', 'dima'],
  ['yekaterina', 'ekaterina', 'katya', 'katia', 'katja', 'katerina'],
  ['friedrich', 'fritz', 'fred', 'freddy'],
  ['lucia', 'lu', 'lucy', 'luci'],
  ['lucy', 'lu', 'lucille', 'lucinda'],
  ['sofia', 'sofi', 'sophia', 'sophie', 'sofie'],
  ['lukas', 'luke', 'lucas', 'luca', 'luc'],
  ['luke', 'lucas', 'luca'],
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

/** True for a given name the nickname table knows (as a formal name or a nickname). */
export function isKnownName(name: string): boolean {
  return NICKNAMES.has(name);
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

/**
 * Splits "Dr. Jane van Dyke" into first "jane" and last "van dyke"; "Dyke, Jane" too. Messaging
 * display names ("Joe S.", "Joe 🙂", "🙂") lose emoji and punctuation; a one-letter family name is an
 * initial, not a name ("Joe S." is first "joe", last ""), and a name of digits only is no name.
 */
export function splitFullName(raw: string): { first: string; last: string } {
  const comma = raw.indexOf(',');
  if (comma > 0) {
    const first = nameTokens(raw.slice(comma + 1))[0] ?? '';
    const last = nameTokens(raw.slice(0, comma)).join(' ');
    return { first, last: last.length > 1 ? last : '' };
  }
  const tokens = nameTokens(raw);
  if (tokens.length === 0) return { first: '', last: '' };
  // "J. Smith": an initial for the given name is kept (the guard treats it as a prefix).
  const first = tokens[0] ?? '';
  const rest = tokens.slice(1);
  while (rest.length > 0 && (rest[rest.length - 1] as string).length === 1) rest.pop();
  return { first, last: rest.join(' ') };
}

function nameTokens(raw: string): string[] {
  return cleanText(raw)
    .split(' ')
    .filter((t) => t.length > 0 && !HONORIFICS.has(t) && /[a-z]/.test(t))
    .map((t) => t.replace(/^['-]+|['-]+$/g, ''))
    .filter((t) => t.length > 0);
}
