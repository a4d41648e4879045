import { settingsViewSchema } from '../../../app/cards/settings-view';
import { defaultDecisioningConfig } from '../../../app/decisioning';
import type { StoredPlaybook } from '../../../app/orchestration';
import { installSuccessHtml } from '../../../connectors/hubspot/install-page';
import { mergePolicies, playbooksView, policiesView } from '../../../connectors/hubspot/settings.routes';

const stored = (id: string, version: number, status: 'draft' | 'published' | 'archived', name = id): StoredPlaybook =>
  ({ tenantId: 't', playbook: { id, version, status, name, steps: [] }, createdAt: 0, updatedAt: 0 }) as unknown as StoredPlaybook;

describe('HubSpot settings mapping', () => {
  it('shows the cross-channel caps and shares, held inside the page bounds', () => {
    expect(policiesView(defaultDecisioningConfig())).toEqual({
      quietHours: { enabled: true, start: '21:00', end: '08:00' },
      frequencyCaps: { perDay: 2, perWeek: 5 },
      holdoutShare: 0.05,
      randomControlShare: 0.02,
    });
    const wild = defaultDecisioningConfig({
      holdout: { share: 0.9 },
      randomControlShare: 0.5,
      frequencyCaps: [
        { channel: 'all', period: 'day', max: 80 },
        { channel: 'email', period: 'week', max: 3 },
      ],
    });
    const view = policiesView(wild);
    expect(view).toMatchObject({ holdoutShare: 0.5, randomControlShare: 0.2, frequencyCaps: { perDay: 50, perWeek: 200 } });
    const inverted = policiesView(
      defaultDecisioningConfig({
        frequencyCaps: [
          { channel: 'all', period: 'day', max: 9 },
          { channel: 'all', period: 'week', max: 3 },
        ],
      }),
    );
    expect(inverted.frequencyCaps).toEqual({ perDay: 3, perWeek: 3 });
  });

  it('writes only what the page edits and keeps per-channel caps and other settings', () => {
    const input = { quietHours: { defaultTimeZone: 'Europe/Berlin' }, holdout: { salt: 's1' }, reach: { initial: 1 } };
    const merged = mergePolicies(input, defaultDecisioningConfig(input), {
      quietHours: { enabled: false, start: '20:00', end: '09:00' },
      frequencyCaps: { perDay: 1, perWeek: 2 },
      holdoutShare: 0.1,
      randomControlShare: 0,
    });
    expect(merged).toEqual({
      quietHours: { defaultTimeZone: 'Europe/Berlin', enabled: false, start: '20:00', end: '09:00' },
      holdout: { salt: 's1', share: 0.1 },
      reach: { initial: 1 },
      randomControlShare: 0,
      frequencyCaps: [
        { channel: 'all', period: 'day', max: 1 },
        { channel: 'all', period: 'week', max: 2 },
        { channel: 'email', period: 'week', max: 3 },
        { channel: 'sms', period: 'week', max: 2 },
        { channel: 'whatsapp', period: 'week', max: 3 },
      ],
    });
  });

  it('lists each playbook once: on when published, the version runs start on (or would), null for drafts only', () => {
    const view = playbooksView([
      stored('a', 1, 'archived', 'A'),
      stored('a', 2, 'published', 'A'),
      stored('a', 3, 'draft', 'A'),
      stored('b', 1, 'archived', 'B'),
      stored('c', 1, 'draft', 'C'),
    ]);
    expect(view).toEqual([
      { playbookId: 'a', name: 'A', version: 2, description: null, enabled: true },
      { playbookId: 'b', name: 'B', version: 1, description: null, enabled: false },
      { playbookId: 'c', name: 'C', version: null, description: null, enabled: false },
    ]);
    const full = {
      connection: {
        status: 'connected',
        portalId: '1',
        reason: null,
        connectedAt: null,
        scopes: [],
        installUrl: 'https://x.example/oauth/hubspot/install',
      },
      policies: policiesView(defaultDecisioningConfig()),
      playbooks: view,
      updatedAt: null,
    };
    expect(settingsViewSchema.safeParse(full).success).toBe(true);
  });
});

describe('HubSpot post-install page', () => {
  it('shows a new tenant its API key once, escaped, and says so; an existing tenant gets no key', () => {
    const html = installSuccessHtml({
      portalId: '62515',
      tenantId: 'ten_<b>',
      apiKey: 'bk_abc"def',
      consoleUrl: 'https://baton.example/console',
    });
    expect(html).toContain('value="bk_abc&#34;def"');
    expect(html).toContain('ten_&#60;b&#62;');
    expect(html).toMatch(/shown only this once/);
    const existing = installSuccessHtml({ portalId: '62515', tenantId: 'ten_1', consoleUrl: 'https://baton.example/console' });
    expect(existing).not.toMatch(/API key/);
    expect(existing).toContain('existing Baton workspace');
  });
});
