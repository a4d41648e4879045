import { execFileSync } from 'node:child_process';
import { CHANNELS as CARD_CHANNELS } from '../../../app/cards/card-view';
import { CHANNELS as CATALOG_CHANNELS, channelSchema } from '../../../app/decisioning/catalog';
import { DECISION_CHANNELS, isDecisionChannel } from '../../../app/orchestration/playbook/action-kinds';
import { CHANNELS, CUSTOMER_CONTACT_CHANNELS, isCustomerContactChannel } from '../../../app/shared/channels';

describe('the one channel list', () => {
  it('is the list the catalog, playbook decide steps and the record card read', () => {
    expect(CATALOG_CHANNELS).toBe(CHANNELS);
    expect(DECISION_CHANNELS).toBe(CHANNELS);
    expect(CARD_CHANNELS).toBe(CHANNELS);
    expect(channelSchema.options).toEqual([...CHANNELS]);
    for (const c of CHANNELS) expect(isDecisionChannel(c)).toBe(true);
    expect(isDecisionChannel('fax')).toBe(false);
  });

  it('customer-contact channels are email, SMS and WhatsApp', () => {
    expect(CHANNELS.filter(isCustomerContactChannel)).toEqual([...CUSTOMER_CONTACT_CHANNELS]);
    expect(CUSTOMER_CONTACT_CHANNELS).toEqual(['email', 'sms', 'whatsapp']);
    expect(isCustomerContactChannel('task')).toBe(false);
  });

  it('is declared once in the source (the HubSpot card carries a generated copy)', () => {
    const hits = execFileSync(
      'git',
      [
        'grep',
        '-l',
        "'email', 'sms', 'whatsapp', 'task', 'crm_update', 'ticket', 'none'",
        '--',
        'app',
        'server',
        'connectors',
        'extensions/console/src',
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    expect(hits).toEqual(['app/shared/channels.ts']);
  });
});
