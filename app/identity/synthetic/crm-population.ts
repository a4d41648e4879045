/**
 * A seeded, CRM-like synthetic population for measuring identity resolution where FEBRL says
 * nothing: the same people seen through HubSpot, Zendesk, WhatsApp and web forms, with email case /
 * dot / plus variants, phone formats, family members sharing a phone, role addresses, typos,
 * nicknames and people who change email. Ground truth is `person`.
 */
import type { BatchRecord } from '../batch/resolve-batch';
import type { MappingField } from '../batch/mapping';
import { pick, randomInt, type Random } from '../util/prng';

export interface SyntheticRecord extends BatchRecord {
  readonly person: number;
}

const FIRST = [
  'james',
  'mary',
  'robert',
  'patricia',
  'john',
  'jennifer',
  'michael',
  'linda',
  'william',
  'elizabeth',
  'david',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'charles',
  'karen',
  'christopher',
  'nancy',
  'daniel',
  'lisa',
  'matthew',
  'margaret',
  'anthony',
  'sandra',
  'mark',
  'ashley',
  'steven',
  'emily',
  'andrew',
  'donna',
  'joshua',
  'michelle',
  'kenneth',
  'carol',
  'kevin',
  'amanda',
  'brian',
  'melissa',
  'george',
  'deborah',
  'timothy',
  'stephanie',
  'ronald',
  'rebecca',
  'jason',
  'laura',
  'edward',
  'helen',
  'ryan',
  'amy',
  'jacob',
  'angela',
  'gary',
  'anna',
  'nicholas',
  'olivia',
  'eric',
  'priya',
  'jonathan',
  'wei',
  'samuel',
  'fatima',
  'lucas',
  'yuki',
  'mateo',
  'amara',
];
const NICK: Readonly<Record<string, string>> = {
  robert: 'bob',
  william: 'bill',
  richard: 'rick',
  james: 'jim',
  michael: 'mike',
  thomas: 'tom',
  elizabeth: 'liz',
  jennifer: 'jenny',
  joseph: 'joe',
  daniel: 'dan',
  matthew: 'matt',
  anthony: 'tony',
  christopher: 'chris',
  margaret: 'maggie',
  rebecca: 'becky',
  kenneth: 'ken',
  patricia: 'trish',
  edward: 'ed',
  samuel: 'sam',
  nicholas: 'nick',
  timothy: 'tim',
  deborah: 'debbie',
  stephanie: 'steph',
};
const LAST = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
  'hernandez',
  'lopez',
  'gonzalez',
  'wilson',
  'anderson',
  'thomas',
  'taylor',
  'moore',
  'jackson',
  'martin',
  'lee',
  'perez',
  'thompson',
  'white',
  'harris',
  'sanchez',
  'clark',
  'ramirez',
  'lewis',
  'robinson',
  'walker',
  'young',
  'allen',
  'king',
  'wright',
  'scott',
  'torres',
  'nguyen',
  'hill',
  'flores',
  'green',
  'adams',
  'nelson',
  'baker',
  'hall',
  'rivera',
  'campbell',
  'mitchell',
  'carter',
  'roberts',
  'okafor',
  'kowalski',
  'nakamura',
  'patel',
  'schmidt',
  'rossi',
  'dubois',
  'van der berg',
  'oconnor',
  'fischer',
];
const COMPANY = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
  'Cyberdyne',
  'Soylent',
  'Tyrell',
  'Wonka',
  'Vandelay',
  'Pied Piper',
  'Dunder Mifflin',
  'Massive Dynamic',
  'Aperture',
  'Oscorp',
  'Gringotts',
  'Monsters Inc',
  'Blue Sun',
];
const FREEMAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com'];
const AREA = ['212', '310', '415', '646', '617', '312', '503', '206', '512', '305', '404', '702', '720', '808', '919'];
const ROLES = ['info', 'sales', 'support', 'office', 'hello', 'admin'];

interface Person {
  id: number;
  first: string;
  last: string;
  company: string;
  domain: string;
  email: string;
  altEmail: string | undefined;
  phone: string;
}

function phoneNumber(random: Random): string {
  const area = pick(random, AREA);
  const exchange = String(200 + randomInt(random, 700)).replace(/^(\d)11$/, '$122');
  const line = String(1000 + randomInt(random, 9000));
  return `${area}${exchange}${line}`;
}

function formatPhone(random: Random, digits: string): string {
  const [a, e, l] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
  return pick(random, [`(${a}) ${e}-${l}`, `+1 ${a}-${e}-${l}`, `${a}.${e}.${l}`, `+1${digits}`, `1-${a}-${e}-${l}`, `${a} ${e} ${l}`]);
}

function typo(random: Random, word: string): string {
  if (word.length < 4) return word;
  const i = 1 + randomInt(random, word.length - 2);
  return random.next() < 0.5
    ? word.slice(0, i) + (word[i + 1] ?? '') + (word[i] ?? '') + word.slice(i + 2)
    : word.slice(0, i) + word.slice(i + 1);
}

function emailVariant(random: Random, email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const r = random.next();
  if (domain === 'gmail.com' && r < 0.3)
    return `${local
      .split('')
      .join(random.next() < 0.5 ? '' : '.')
      .slice(0, 200)}+${pick(random, ['news', 'crm', 'x'])}@${random.next() < 0.3 ? 'googlemail.com' : 'gmail.com'}`;
  if (r < 0.6) return `${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`;
  return ` ${email} `;
}

const cap = (s: string): string => s.replace(/\b\w/g, (c) => c.toUpperCase());

function makePerson(random: Random, id: number): Person {
  const first = pick(random, FIRST);
  const last = pick(random, LAST);
  const company = pick(random, COMPANY);
  const domain = `${company.toLowerCase().replace(/[^a-z]/g, '')}.com`;
  const handle = `${first}.${last.replace(/ /g, '')}${randomInt(random, 90) + 10}`;
  const email = random.next() < 0.5 ? `${handle}@${pick(random, FREEMAIL)}` : `${first.charAt(0)}${last.replace(/ /g, '')}${id}@${domain}`;
  const altEmail = random.next() < 0.12 ? `${first}${id}@${pick(random, FREEMAIL)}` : undefined;
  return { id, first, last, company, domain, email, altEmail, phone: phoneNumber(random) };
}

/** `people` persons, about 3 records each; 10% of persons share their phone with a family member. */
export function generateCrmPopulation(random: Random, people: number): SyntheticRecord[] {
  const persons: Person[] = [];
  for (let i = 0; i < people; i++) {
    const person = makePerson(random, i);
    const partner = persons[persons.length - 1];
    if (partner !== undefined && random.next() < 0.1) {
      person.last = partner.last;
      person.phone = partner.phone;
      while (person.first.charAt(0) === partner.first.charAt(0)) person.first = pick(random, FIRST);
    }
    persons.push(person);
  }
  const records: SyntheticRecord[] = [];
  const add = (source: string, recordId: string, person: Person, values: Partial<Record<MappingField, string>>): void => {
    records.push({ source, recordId, person: person.id, values });
  };
  for (const p of persons) {
    add('hubspot', `hs-${p.id}`, p, {
      hubspotContactId: String(1000 + p.id),
      email: p.email,
      phone: formatPhone(random, p.phone),
      firstName: cap(p.first),
      lastName: cap(p.last),
      company: `${p.company}${random.next() < 0.3 ? ' Inc.' : ''}`,
    });
    if (random.next() < 0.6) {
      const name = random.next() < 0.3 && NICK[p.first] ? NICK[p.first] : p.first;
      add('zendesk', `zd-${p.id}`, p, {
        zendeskUserId: String(50_000 + p.id),
        email: emailVariant(random, p.email),
        fullName: `${cap(name ?? p.first)} ${cap(p.last)}`,
        ...(random.next() < 0.4 ? { phone: formatPhone(random, p.phone) } : {}),
      });
    }
    if (random.next() < 0.5)
      add('whatsapp', `wa-${p.id}`, p, {
        whatsappId: `1${p.phone}`,
        fullName: cap(random.next() < 0.5 ? p.first : `${p.first} ${p.last}`),
      });
    const forms = randomInt(random, 3);
    for (let f = 0; f < forms; f++) {
      const r = random.next();
      const values: Partial<Record<MappingField, string>> = {
        firstName: cap(random.next() < 0.1 ? typo(random, p.first) : p.first),
        lastName: cap(random.next() < 0.1 ? typo(random, p.last) : p.last),
        company: p.company,
      };
      if (r < 0.08) {
        values.email = `${pick(random, ROLES)}@${p.domain}`;
        values.phone = formatPhone(random, p.phone);
      } else if (r < 0.2 && p.altEmail !== undefined) {
        values.email = p.altEmail;
        values.phone = formatPhone(random, p.phone);
      } else {
        values.email = emailVariant(random, p.email);
        if (random.next() < 0.5) values.phone = formatPhone(random, p.phone);
      }
      add('form', `form-${p.id}-${f}`, p, values);
    }
  }
  return records;
}
