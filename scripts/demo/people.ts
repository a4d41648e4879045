/**
 * The simulated population: a few hundred people drawn from one seed, each with hidden preferences
 * (how likely they answer an email, a text, a WhatsApp message, a call or a support follow-up) that
 * only the simulator knows. Baton has to discover them from outcomes; the holdout group shows the lift.
 */
import { createSeededRandom, randomInt, type Random } from '../../app/decisioning/random/prng';

export type Segment = 'lead' | 'customer' | 'at_risk';
export type Touch = 'email' | 'sms' | 'whatsapp' | 'task' | 'ticket';

export interface Person {
  readonly index: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone: string;
  readonly company: string;
  readonly segment: Segment;
  readonly inSalesforce: boolean;
  readonly texts: boolean;
  readonly whatsapp: boolean;
  /** Hidden: probability of a positive response to each kind of touch. */
  readonly preferences: Readonly<Record<Touch, number>>;
  /**
   * Hidden: probability that the person engages on their own (books a meeting, replies) after
   * reaching out, whether or not Baton did anything: the holdout group's baseline.
   */
  readonly baseRate: number;
  lifecycle: string;
  hubspotId?: string;
  salesforceId?: string;
  zendeskUserId?: string;
  profileId?: string;
  unsubscribed: boolean;
  nurtureStarted: boolean;
  rescueStarted: boolean;
}

const FIRST = [
  'Ana',
  'Ben',
  'Chloé',
  'Dmitri',
  'Emeka',
  'Fatima',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kavya',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Pedro',
  'Qi',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Almeida',
  'Becker',
  'Chen',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Haddad',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Müller',
  'Nakamura',
  'Okafor',
  'Patel',
  'Quinn',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Usman',
  'Varga',
  'Walsh',
  'Xu',
  'Yilmaz',
  'Zhang',
];
const COMPANIES = [
  'Northwind',
  'Contoso',
  'Globex',
  'Initech',
  'Umbrella Labs',
  'Stark Freight',
  'Wayne Health',
  'Acme Retail',
  'Hooli',
  'Vandelay Imports',
  'Soylent Foods',
  'Tyrell Systems',
];

const ascii = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
const domainOf = (company: string): string => `${ascii(company)}.io`;

/** Hidden preferences: each person has a favourite channel and a general responsiveness. */
function preferencesOf(rng: Random, segment: Segment): Record<Touch, number> {
  const responsiveness =
    segment === 'lead' ? 0.25 + rng.next() * 0.35 : segment === 'customer' ? 0.3 + rng.next() * 0.4 : 0.1 + rng.next() * 0.3;
  const favourite = (['email', 'sms', 'whatsapp', 'task', 'ticket'] as const)[randomInt(rng, 5)] ?? 'email';
  const base: Record<Touch, number> = { email: 0.35, sms: 0.5, whatsapp: 0.6, task: 0.7, ticket: segment === 'lead' ? 0.1 : 0.6 };
  const out = {} as Record<Touch, number>;
  for (const touch of Object.keys(base) as Touch[]) {
    const boost = touch === favourite ? 2.2 : 0.6 + rng.next() * 0.6;
    out[touch] = Math.min(0.95, base[touch] * responsiveness * boost);
  }
  return out;
}

/** Engaging unprompted is rarer than answering a touch: half the person's mean response rate. */
const baseRateOf = (preferences: Readonly<Record<Touch, number>>): number => {
  const rates = Object.values(preferences);
  return rates.reduce((a, b) => a + b, 0) / rates.length / 2;
};

export function buildPopulation(size: number, seed: number): Person[] {
  const rng = createSeededRandom(`baton-demo:${seed}`);
  const people: Person[] = [];
  for (let i = 0; i < size; i++) {
    const firstName = FIRST[randomInt(rng, FIRST.length)] ?? 'Ana';
    const lastName = LAST[randomInt(rng, LAST.length)] ?? 'Almeida';
    const company = COMPANIES[randomInt(rng, COMPANIES.length)] ?? 'Northwind';
    const roll = rng.next();
    const segment: Segment = roll < 0.5 ? 'lead' : roll < 0.8 ? 'customer' : 'at_risk';
    // US numbers 415-2XX-XXXX, unique per person.
    const line = 2_000_000 + ((seed * 7919 + i * 13) % 7_000_000);
    const texts = rng.next() < 0.7;
    const whatsapp = rng.next() < 0.5;
    const preferences = preferencesOf(rng, segment);
    people.push({
      index: i,
      firstName,
      lastName,
      company,
      email: `${ascii(firstName)}.${ascii(lastName)}.${i}@${domainOf(company)}`,
      phone: `+1415${line}`,
      segment,
      // The demo company syncs both CRMs: leads are Salesforce Leads, customers Contacts.
      inSalesforce: true,
      texts,
      whatsapp,
      preferences,
      baseRate: baseRateOf(preferences),
      lifecycle: segment === 'lead' ? 'lead' : 'customer',
      unsubscribed: false,
      nurtureStarted: false,
      rescueStarted: false,
    });
  }
  return people;
}

export const waIdOf = (p: Person): string => p.phone.replace(/^\+/, '');

/** What people write, by what they want (the offline intent model reads these). */
export const TEXTS = {
  purchase: [
    'I want to buy the enterprise plan, can you send me a quote?',
    'We are ready to upgrade to the business plan for 40 seats, what is the price?',
    'Can I order another 10 licences this week?',
  ],
  demo: [
    "Hi, I'd love to book a demo for my team next week",
    'Could you show us a demo of the reporting features?',
    'Is there a time for a product walkthrough on Thursday?',
  ],
  billing: [
    'My invoice is wrong, I was charged twice this month',
    'Why did my card get billed again? Please refund the duplicate charge',
    'The invoice shows the wrong VAT number',
  ],
  complaint: [
    "The app keeps crashing and nobody answers, I'm really disappointed",
    'Third outage this month, this is not acceptable',
    'Support has ignored my emails for a week, very frustrated',
  ],
  question: ['How do I export my reports to Excel?', 'Where can I change the notification settings?', 'Can I add a colleague as an admin?'],
  cancel: ['We are thinking about cancelling our subscription at renewal', 'Please tell me how to cancel, it is too expensive for us'],
  reply: ['Yes please, that sounds great. Can someone call me tomorrow?', 'Thanks, that is really helpful!', 'Sounds good, tell me more'],
  thanks: ['Thanks, that fixed it, great support!', 'All sorted now, thank you so much for the quick help'],
  unhappy: ['Still not working, this did not help at all', 'No, that does not solve my problem'],
  unsubscribe: ['please unsubscribe me and stop sending messages'],
} as const;

export type TextKind = keyof typeof TEXTS;

export function pick<T>(rng: Random, list: readonly T[]): T {
  const item = list[randomInt(rng, list.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** What a person spontaneously writes about, by segment. */
export function spontaneousText(rng: Random, segment: Segment): TextKind {
  const r = rng.next();
  if (segment === 'lead') return r < 0.35 ? 'demo' : r < 0.6 ? 'purchase' : r < 0.95 ? 'question' : 'complaint';
  if (segment === 'customer') return r < 0.35 ? 'question' : r < 0.6 ? 'billing' : r < 0.8 ? 'purchase' : 'complaint';
  return r < 0.35 ? 'complaint' : r < 0.6 ? 'billing' : r < 0.8 ? 'cancel' : 'question';
}
