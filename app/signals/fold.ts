/** Lower-case without diacritics ("suscripción" → "suscripcion", "kündigen" → "kundigen"); ß stays. */
export function foldAccents(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/**
 * German typed without umlauts spells them ae/oe/ue (and ß as ss): "kuendigen", "Rueckerstattung".
 * Applied to German entries and to text looked up against them alike, so both spellings meet.
 */
export function foldGerman(text: string): string {
  return foldAccents(text).replace(/ß/g, 'ss').replace(/ae/g, 'a').replace(/oe/g, 'o').replace(/ue/g, 'u');
}
