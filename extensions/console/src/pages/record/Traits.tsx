import type { CardTrait } from '../../../../../app/contracts';
import { Badge, Section, TableWrap } from '../../components/ui';
import { formatInstant } from '../../lib/format';

/** A trait value as text: yes/no for booleans, numbers and strings as they are (the backend clipped them). */
export function traitValueText(value: CardTrait['value']): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** The person's traits, most recently changed first, with where and when each value came from; audience traits as memberships. */
export function Traits({ traits }: { traits: readonly CardTrait[] }) {
  const audiences = traits.filter((t) => t.audience !== undefined);
  const plain = traits.filter((t) => t.audience === undefined);
  return (
    <Section title="Traits">
      {traits.length === 0 ? <p className="muted">No traits recorded for this person yet.</p> : null}
      {audiences.length === 0 ? null : (
        <ul className="audiences" aria-label="Audience memberships">
          {audiences.map((t) => (
            <li key={t.name}>
              <strong>{t.audience}</strong>{' '}
              {t.value === true ? (
                <Badge value="active" label="member" />
              ) : t.value === false ? (
                <Badge value="cancelled" label="left" />
              ) : (
                <code>{traitValueText(t.value)}</code>
              )}
              <span className="muted">
                {' '}
                · {t.source} · <time dateTime={t.at}>{formatInstant(t.at)}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
      {plain.length === 0 ? null : (
        <TableWrap label="Traits">
          <table>
            <caption className="sr-only">Traits of this person, most recently changed first</caption>
            <thead>
              <tr>
                <th scope="col">Trait</th>
                <th scope="col">Value</th>
                <th scope="col">Source</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {plain.map((t) => (
                <tr key={t.name}>
                  <td>{t.name}</td>
                  <td>
                    <code>{traitValueText(t.value)}</code>
                  </td>
                  <td>{t.source}</td>
                  <td>
                    <time dateTime={t.at}>{formatInstant(t.at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Section>
  );
}
