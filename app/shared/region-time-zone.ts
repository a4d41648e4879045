/**
 * A person's IANA time zone from where they live (a CRM mailing address): the country alone when the
 * whole country keeps one clock, else its state or province for the large multi-zone countries Baton
 * knows (US, CA, AU, BR, MX). Countries and their zones come from `countries-and-timezones` (tzdb);
 * the state tables are ours. A state that spans zones gets the zone most of its people live in
 * (Texas → Central, Florida → Eastern, Indiana → Indianapolis). Anything else (no country, a
 * multi-zone country without a known state) gives undefined: the caller falls back to its default.
 */
import { getAllCountries, getCountry, getTimezonesForCountry } from 'countries-and-timezones';

export interface RegionTimeZone {
  readonly timeZone: string;
  /** How it was found: the country keeps one clock, or the state/province said which. */
  readonly from: 'country' | 'state';
  /** ISO 3166-1 alpha-2 code of the country the address named. */
  readonly country: string;
}

type StateTable = readonly (readonly [code: string, name: string, zone: string])[];

const US: StateTable = [
  ['AL', 'Alabama', 'America/Chicago'],
  ['AK', 'Alaska', 'America/Anchorage'],
  ['AZ', 'Arizona', 'America/Phoenix'],
  ['AR', 'Arkansas', 'America/Chicago'],
  ['CA', 'California', 'America/Los_Angeles'],
  ['CO', 'Colorado', 'America/Denver'],
  ['CT', 'Connecticut', 'America/New_York'],
  ['DE', 'Delaware', 'America/New_York'],
  ['DC', 'District of Columbia', 'America/New_York'],
  ['FL', 'Florida', 'America/New_York'],
  ['GA', 'Georgia', 'America/New_York'],
  ['HI', 'Hawaii', 'Pacific/Honolulu'],
  ['ID', 'Idaho', 'America/Boise'],
  ['IL', 'Illinois', 'America/Chicago'],
  ['IN', 'Indiana', 'America/Indiana/Indianapolis'],
  ['IA', 'Iowa', 'America/Chicago'],
  ['KS', 'Kansas', 'America/Chicago'],
  ['KY', 'Kentucky', 'America/New_York'],
  ['LA', 'Louisiana', 'America/Chicago'],
  ['ME', 'Maine', 'America/New_York'],
  ['MD', 'Maryland', 'America/New_York'],
  ['MA', 'Massachusetts', 'America/New_York'],
  ['MI', 'Michigan', 'America/Detroit'],
  ['MN', 'Minnesota', 'America/Chicago'],
  ['MS', 'Mississippi', 'America/Chicago'],
  ['MO', 'Missouri', 'America/Chicago'],
  ['MT', 'Montana', 'America/Denver'],
  ['NE', 'Nebraska', 'America/Chicago'],
  ['NV', 'Nevada', 'America/Los_Angeles'],
  ['NH', 'New Hampshire', 'America/New_York'],
  ['NJ', 'New Jersey', 'America/New_York'],
  ['NM', 'New Mexico', 'America/Denver'],
  ['NY', 'New York', 'America/New_York'],
  ['NC', 'North Carolina', 'America/New_York'],
  ['ND', 'North Dakota', 'America/Chicago'],
  ['OH', 'Ohio', 'America/New_York'],
  ['OK', 'Oklahoma', 'America/Chicago'],
  ['OR', 'Oregon', 'America/Los_Angeles'],
  ['PA', 'Pennsylvania', 'America/New_York'],
  ['RI', 'Rhode Island', 'America/New_York'],
  ['SC', 'South Carolina', 'America/New_York'],
  ['SD', 'South Dakota', 'America/Chicago'],
  ['TN', 'Tennessee', 'America/Chicago'],
  ['TX', 'Texas', 'America/Chicago'],
  ['UT', 'Utah', 'America/Denver'],
  ['VT', 'Vermont', 'America/New_York'],
  ['VA', 'Virginia', 'America/New_York'],
  ['WA', 'Washington', 'America/Los_Angeles'],
  ['WV', 'West Virginia', 'America/New_York'],
  ['WI', 'Wisconsin', 'America/Chicago'],
  ['WY', 'Wyoming', 'America/Denver'],
  ['PR', 'Puerto Rico', 'America/Puerto_Rico'],
  ['GU', 'Guam', 'Pacific/Guam'],
  ['VI', 'U.S. Virgin Islands', 'America/St_Thomas'],
  ['AS', 'American Samoa', 'Pacific/Pago_Pago'],
  ['MP', 'Northern Mariana Islands', 'Pacific/Saipan'],
];

const CA: StateTable = [
  ['AB', 'Alberta', 'America/Edmonton'],
  ['BC', 'British Columbia', 'America/Vancouver'],
  ['MB', 'Manitoba', 'America/Winnipeg'],
  ['NB', 'New Brunswick', 'America/Moncton'],
  ['NL', 'Newfoundland and Labrador', 'America/St_Johns'],
  ['NS', 'Nova Scotia', 'America/Halifax'],
  ['NT', 'Northwest Territories', 'America/Edmonton'],
  ['NU', 'Nunavut', 'America/Iqaluit'],
  ['ON', 'Ontario', 'America/Toronto'],
  ['PE', 'Prince Edward Island', 'America/Halifax'],
  ['QC', 'Quebec', 'America/Toronto'],
  ['SK', 'Saskatchewan', 'America/Regina'],
  ['YT', 'Yukon', 'America/Whitehorse'],
];

const AU: StateTable = [
  ['NSW', 'New South Wales', 'Australia/Sydney'],
  ['VIC', 'Victoria', 'Australia/Melbourne'],
  ['QLD', 'Queensland', 'Australia/Brisbane'],
  ['SA', 'South Australia', 'Australia/Adelaide'],
  ['WA', 'Western Australia', 'Australia/Perth'],
  ['TAS', 'Tasmania', 'Australia/Hobart'],
  ['NT', 'Northern Territory', 'Australia/Darwin'],
  ['ACT', 'Australian Capital Territory', 'Australia/Sydney'],
];

const BR: StateTable = [
  ['AC', 'Acre', 'America/Rio_Branco'],
  ['AL', 'Alagoas', 'America/Maceio'],
  ['AP', 'Amapá', 'America/Belem'],
  ['AM', 'Amazonas', 'America/Manaus'],
  ['BA', 'Bahia', 'America/Bahia'],
  ['CE', 'Ceará', 'America/Fortaleza'],
  ['DF', 'Distrito Federal', 'America/Sao_Paulo'],
  ['ES', 'Espírito Santo', 'America/Sao_Paulo'],
  ['GO', 'Goiás', 'America/Sao_Paulo'],
  ['MA', 'Maranhão', 'America/Fortaleza'],
  ['MT', 'Mato Grosso', 'America/Cuiaba'],
  ['MS', 'Mato Grosso do Sul', 'America/Campo_Grande'],
  ['MG', 'Minas Gerais', 'America/Sao_Paulo'],
  ['PA', 'Pará', 'America/Belem'],
  ['PB', 'Paraíba', 'America/Fortaleza'],
  ['PR', 'Paraná', 'America/Sao_Paulo'],
  ['PE', 'Pernambuco', 'America/Recife'],
  ['PI', 'Piauí', 'America/Fortaleza'],
  ['RJ', 'Rio de Janeiro', 'America/Sao_Paulo'],
  ['RN', 'Rio Grande do Norte', 'America/Fortaleza'],
  ['RS', 'Rio Grande do Sul', 'America/Sao_Paulo'],
  ['RO', 'Rondônia', 'America/Porto_Velho'],
  ['RR', 'Roraima', 'America/Boa_Vista'],
  ['SC', 'Santa Catarina', 'America/Sao_Paulo'],
  ['SP', 'São Paulo', 'America/Sao_Paulo'],
  ['SE', 'Sergipe', 'America/Maceio'],
  ['TO', 'Tocantins', 'America/Araguaina'],
];

/** ISO 3166-2:MX subdivision codes. */
const MX: StateTable = [
  ['AGU', 'Aguascalientes', 'America/Mexico_City'],
  ['BCN', 'Baja California', 'America/Tijuana'],
  ['BCS', 'Baja California Sur', 'America/Mazatlan'],
  ['CAM', 'Campeche', 'America/Merida'],
  ['CHP', 'Chiapas', 'America/Mexico_City'],
  ['CHH', 'Chihuahua', 'America/Chihuahua'],
  ['CMX', 'Ciudad de México', 'America/Mexico_City'],
  ['COA', 'Coahuila', 'America/Monterrey'],
  ['COL', 'Colima', 'America/Mexico_City'],
  ['DUR', 'Durango', 'America/Monterrey'],
  ['GUA', 'Guanajuato', 'America/Mexico_City'],
  ['GRO', 'Guerrero', 'America/Mexico_City'],
  ['HID', 'Hidalgo', 'America/Mexico_City'],
  ['JAL', 'Jalisco', 'America/Mexico_City'],
  ['MEX', 'México', 'America/Mexico_City'],
  ['MIC', 'Michoacán', 'America/Mexico_City'],
  ['MOR', 'Morelos', 'America/Mexico_City'],
  ['NAY', 'Nayarit', 'America/Mazatlan'],
  ['NLE', 'Nuevo León', 'America/Monterrey'],
  ['OAX', 'Oaxaca', 'America/Mexico_City'],
  ['PUE', 'Puebla', 'America/Mexico_City'],
  ['QUE', 'Querétaro', 'America/Mexico_City'],
  ['ROO', 'Quintana Roo', 'America/Cancun'],
  ['SLP', 'San Luis Potosí', 'America/Mexico_City'],
  ['SIN', 'Sinaloa', 'America/Mazatlan'],
  ['SON', 'Sonora', 'America/Hermosillo'],
  ['TAB', 'Tabasco', 'America/Mexico_City'],
  ['TAM', 'Tamaulipas', 'America/Matamoros'],
  ['TLA', 'Tlaxcala', 'America/Mexico_City'],
  ['VER', 'Veracruz', 'America/Mexico_City'],
  ['YUC', 'Yucatán', 'America/Merida'],
  ['ZAC', 'Zacatecas', 'America/Mexico_City'],
];

const STATES: Readonly<Record<string, StateTable>> = { US, CA, AU, BR, MX };

/**
 * Countries whose tzdb zones differ only on outlying islands or thinly settled regions: the zone of the
 * mainland / capital, where nearly everyone lives (China keeps one official clock).
 */
const MAINLAND: Readonly<Record<string, string>> = {
  CN: 'Asia/Shanghai',
  ES: 'Europe/Madrid',
  PT: 'Europe/Lisbon',
  EC: 'America/Guayaquil',
  NZ: 'Pacific/Auckland',
  CL: 'America/Santiago',
};

/** Country spellings seen in CRMs beyond the ISO code and the library's English name. */
const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
  usa: 'US',
  'united states': 'US',
  america: 'US',
  'u s': 'US',
  'u s a': 'US',
  uk: 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  'united kingdom of great britain and northern ireland': 'GB',
  deutschland: 'DE',
  brasil: 'BR',
  'the netherlands': 'NL',
  holland: 'NL',
  espana: 'ES',
  'republic of korea': 'KR',
  'korea republic of': 'KR',
  'russian federation': 'RU',
  'czech republic': 'CZ',
  'viet nam': 'VN',
  'united mexican states': 'MX',
  'estados unidos mexicanos': 'MX',
};

/** Lower case, accents and punctuation dropped, spaces collapsed: "São Paulo" = "sao paulo", "U.S.A." = "u s a". */
const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

let countryNames: Map<string, string> | undefined;

/** ISO 3166-1 alpha-2 code of a country given by code or name, or undefined. */
export function countryCodeOf(country: string): string | undefined {
  const trimmed = country.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed) && getCountry(trimmed.toUpperCase()) !== null) return trimmed.toUpperCase();
  const key = fold(trimmed);
  if (key === '') return undefined;
  if (countryNames === undefined) {
    countryNames = new Map();
    for (const c of Object.values(getAllCountries())) countryNames.set(fold(c.name), c.id);
  }
  return COUNTRY_ALIASES[key] ?? countryNames.get(key);
}

/** The one zone a country keeps, or undefined when its zones disagree (and no mainland zone is known). */
export function countryTimeZone(code: string): string | undefined {
  const mainland = MAINLAND[code];
  if (mainland !== undefined) return mainland;
  const zones = getTimezonesForCountry(code, { deprecated: true }) ?? [];
  if (zones.length === 0) return undefined;
  const first = zones[0];
  if (first === undefined || !zones.every((z) => z.utcOffset === first.utcOffset && z.dstOffset === first.dstOffset)) return undefined;
  // Same clock everywhere: prefer a zone of this country's own (Copenhagen for DK) over a shared one.
  const own = zones.filter((z) => z.countries[0] === code);
  const pick = own.find((z) => !z.deprecated) ?? own[0] ?? zones.find((z) => !z.deprecated) ?? first;
  return pick.name;
}

/** The zone of a state or province (code or name) of a country Baton has a state table for. */
export function stateTimeZone(code: string, state: string): string | undefined {
  const table = STATES[code];
  if (table === undefined) return undefined;
  const key = fold(state);
  const upper = state.trim().toUpperCase();
  // "US-CA" (ISO 3166-2 with the country prefix) as well as "CA" and "California".
  const bare = upper.startsWith(`${code}-`) ? upper.slice(code.length + 1) : upper;
  return table.find(([c, name]) => c === bare || fold(name) === key)?.[2];
}

/**
 * The time zone of an address: the state table first when the country has one (a state gives the
 * exact zone), then the country's single zone. Undefined when the address does not tell.
 */
export function regionTimeZone(country: string | undefined, state: string | undefined): RegionTimeZone | undefined {
  if (country === undefined || country.trim() === '') return undefined;
  const code = countryCodeOf(country);
  if (code === undefined) return undefined;
  if (state !== undefined && state.trim() !== '') {
    const zone = stateTimeZone(code, state);
    if (zone !== undefined) return { timeZone: zone, from: 'state', country: code };
  }
  const zone = countryTimeZone(code);
  return zone === undefined ? undefined : { timeZone: zone, from: 'country', country: code };
}
