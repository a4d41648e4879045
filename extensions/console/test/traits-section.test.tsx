import { renderToStaticMarkup } from 'react-dom/server';
import type { CardTrait } from '../../../app/contracts';
import { Traits } from '../src/pages/record/Traits';

const traits: CardTrait[] = [
  { name: 'audience_trial', value: true, source: 'warehouse:con_8', at: '2026-11-30T09:00:00.000Z', audience: 'trial' },
  { name: 'plan', value: 'enterprise', source: 'warehouse:con_7', at: '2026-11-30T08:00:00.000Z' },
  { name: 'seats', value: 60, source: 'warehouse:con_7', at: '2026-11-30T08:00:00.000Z' },
  { name: 'audience_churn_risk', value: false, source: 'warehouse:con_9', at: '2026-11-29T07:00:00.000Z', audience: 'churn_risk' },
  { name: 'vip', value: false, source: 'salesforce', at: '2026-11-20T10:00:00.000Z' },
  { name: 'firstName', value: '<img src=x onerror=alert(1)>', source: 'hubspot', at: '2026-11-01T10:00:00.000Z' },
];

describe("console: the record card's traits", () => {
  it("shows a table of traits in the card's order with value, source and time, values as text", () => {
    const html = renderToStaticMarkup(<Traits traits={traits} />);
    const rows = html.match(/<tr>.*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(1 + 4);
    expect(rows[1]).toBe(
      '<tr><td>plan</td><td><code>enterprise</code></td><td>warehouse:con_7</td><td><time dateTime="2026-11-30T08:00:00.000Z">2026-11-30 08:00 UTC</time></td></tr>',
    );
    expect(rows[2]).toContain('<td><code>60</code></td>');
    expect(rows[3]).toContain('<td>vip</td><td><code>no</code></td><td>salesforce</td>');
    // Markup in a value is escaped, never rendered.
    expect(rows[4]).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(html).not.toContain('<img');
  });

  it('lists audience traits as memberships (member or left) with their source and time, not as table rows', () => {
    const html = renderToStaticMarkup(<Traits traits={traits} />);
    const items = html.match(/<ul class="audiences"[^>]*>(.*?)<\/ul>/)?.[1]?.match(/<li>.*?<\/li>/g) ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]).toContain('<strong>trial</strong>');
    expect(items[0]).toContain('>member</span>');
    expect(items[0]).toContain('warehouse:con_8');
    expect(items[1]).toContain('<strong>churn_risk</strong>');
    expect(items[1]).toContain('>left</span>');
    expect(html).not.toContain('<td>audience_trial</td>');
  });

  it('says so when the person has no traits', () => {
    const html = renderToStaticMarkup(<Traits traits={[]} />);
    expect(html).toContain('No traits recorded for this person yet.');
    expect(html).not.toContain('<table');
  });
});
