import type { RedriveMany } from '../../../../app/contracts';

/** An error as one line of at most 300 characters (the full text is the cell's title). */
export function shortError(error: string): string {
  const flat = error.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}

/** What "Redrive all" did, in a sentence. */
export function redriveSummary(result: RedriveMany): string {
  if (result.redriven === 0) return 'Nothing to redrive: there are no dead letters.';
  const n = `${result.redriven} dead letter${result.redriven === 1 ? '' : 's'}`;
  return result.remaining > 0 ? `Redrove ${n}; ${result.remaining} remain, press Redrive all again.` : `Redrove ${n}: they run again now.`;
}
