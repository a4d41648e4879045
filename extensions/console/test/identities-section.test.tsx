import { renderToStaticMarkup } from 'react-dom/server';
import type { CardView } from '../../../app/contracts';
import { Identities } from '../src/pages/record/Identities';

const identities: CardView['identities'] = [
  { type: 'email', value: 'joseph.sample@acme.io', source: 'hubspot', linkedAt: '2026-11-01T10:00:00.000Z' },
  { type: 'phone', value: '+13035550142', source: 'hubspot', linkedAt: '2026-11-01T10:00:00.000Z' },
  {
    type: 'whatsapp',
    value: '13035550142',
    source: 'whatsapp',
    linkedAt: '2026-11-02T10:00:00.000Z',
    evidence: 'same phone +1 303 555 0142, name Joe ≈ Joseph · HubSpot contact ↔ WhatsApp sender',
  },
];

describe("console: the record card's linked identities", () => {
  it('shows the evidence of a link as a muted line under the identity it brought, and none where the profile started', () => {
    const html = renderToStaticMarkup(
      <Identities profileId="prof_1" identities={identities} matches={[]} busy={false} act={async () => undefined} />,
    );
    const rows = html.match(/<tr[^>]*>.*?<\/tr>/g) ?? [];
    // Header, three identities, one evidence line.
    expect(rows).toHaveLength(1 + 3 + 1);
    expect(rows[3]).toContain('<code>13035550142</code>');
    expect(rows[4]).toBe(
      '<tr class="evidence"><td colSpan="4" class="muted"><span class="sr-only">Why linked: </span>same phone +1 303 555 0142, name Joe ≈ Joseph · HubSpot contact ↔ WhatsApp sender</td></tr>',
    );
    expect(html.match(/class="evidence"/g)).toHaveLength(1);
  });
});
