import { Alert, Button, ErrorState, Input, Link, LoadingSpinner, NumberInput, StatusTag, Text, Toggle } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { type AddAlert, createBatonApi } from '../src/app/cards/lib/api';
import type { SettingsView } from '../src/app/cards/lib/contract/settings-view';
import { SettingsPage } from '../src/app/settings/SettingsPage';
import { allText, BASE_URL, deferred, fire, type RecordedCall, type Reply, recordingFetch, settingsView } from './support';

function setup(respond: (call: RecordedCall) => Reply | Promise<Reply>) {
  const renderer = createRenderer('settings');
  const { fetch, calls } = recordingFetch(respond);
  const alerts: Parameters<AddAlert>[0][] = [];
  renderer.render(<SettingsPage api={createBatonApi({ baseUrl: BASE_URL, fetch })} addAlert={(a) => alerts.push(a)} />);
  return { renderer, calls, alerts };
}

/** Loads `view`; a PUT answers with the settings it was sent, as the backend stores them. */
async function loaded(view: SettingsView) {
  const s = setup((call) => {
    if (call.method === 'GET') return { status: 200, body: view };
    const body = call.body as { policies: SettingsView['policies']; playbooks: { playbookId: string; enabled: boolean }[] };
    const playbooks = view.playbooks.map((p) => ({
      ...p,
      enabled: body.playbooks.find((b) => b.playbookId === p.playbookId)?.enabled ?? p.enabled,
    }));
    return { status: 200, body: { message: 'Settings saved.', settings: { ...view, policies: body.policies, playbooks } } };
  });
  await s.renderer.waitFor(() => expect(s.renderer.findByTestId(Button, 'settings-save')).toBeDefined());
  return s;
}

describe('Baton settings page', () => {
  it('loads the settings through GET /hubspot/settings, showing a spinner meanwhile', async () => {
    const pending = deferred<Reply>();
    const { renderer, calls } = setup(() => pending.promise);
    expect(renderer.findByTestId(LoadingSpinner, 'settings-loading')).toBeDefined();
    pending.resolve({ status: 200, body: settingsView() });
    await renderer.waitFor(() => expect(renderer.findByTestId(StatusTag, 'connection-status').text).toBe('Connected'));
    expect(calls).toEqual([{ url: `${BASE_URL}/hubspot/settings`, method: 'GET', body: undefined }]);
    expect(renderer.findByTestId(Text, 'connection-detail').text).toBe('HubSpot account 62515, connected 2026-11-01 10:00 UTC');
    expect(renderer.findByTestId(Input, 'quiet-start').props.value).toBe('21:00');
    expect(renderer.findByTestId(NumberInput, 'holdout').props.value).toBe(5);
    expect(renderer.findByTestId(Toggle, 'playbook-pb_onboarding').props.checked).toBe(true);
    expect(renderer.findByTestId(Toggle, 'playbook-pb_winback').props.label).toBe('Win-back (draft)');
  });

  it('shows a revoked connection with its reason and a way to reconnect', async () => {
    const view = settingsView({
      connection: {
        status: 'disconnected',
        portalId: '62515',
        reason: 'invalid_grant',
        connectedAt: null,
        scopes: [],
        installUrl: 'https://baton.example.com/oauth/hubspot/install',
      },
    });
    const { renderer } = await loaded(view);
    expect(renderer.findByTestId(StatusTag, 'connection-status').props.variant).toBe('danger');
    expect(renderer.findByTestId(Text, 'connection-detail').text).toContain('(invalid_grant); runs are paused');
    expect(renderer.find(Link).props.href).toBe('https://baton.example.com/oauth/hubspot/install');
  });

  it('shows why the settings could not be loaded', async () => {
    const { renderer } = setup(() => ({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'This HubSpot account is not connected to Baton.' } },
    }));
    await renderer.waitFor(() =>
      expect(allText(renderer.findByTestId(ErrorState, 'settings-error'))).toContain('This HubSpot account is not connected to Baton.'),
    );
  });

  it('saves edited policies and playbook switches with PUT /hubspot/settings', async () => {
    const { renderer, calls, alerts } = await loaded(settingsView());
    fire(renderer.findByTestId(Input, 'quiet-start'), 'onChange', '22:30');
    fire(renderer.findByTestId(NumberInput, 'cap-week'), 'onChange', 4);
    fire(renderer.findByTestId(NumberInput, 'holdout'), 'onChange', 10);
    fire(renderer.findByTestId(Toggle, 'playbook-pb_onboarding'), 'onChange', false);
    await renderer.waitFor(() => expect(renderer.findByTestId(Toggle, 'playbook-pb_onboarding').props.checked).toBe(false));
    fire(renderer.findByTestId(Button, 'settings-save'), 'onClick');
    await renderer.waitFor(() => expect(alerts).toEqual([{ type: 'success', message: 'Settings saved.' }]));
    expect(calls[1]).toEqual({
      url: `${BASE_URL}/hubspot/settings`,
      method: 'PUT',
      body: {
        policies: {
          quietHours: { enabled: true, start: '22:30', end: '08:00' },
          frequencyCaps: { perDay: 1, perWeek: 4 },
          holdoutShare: 0.1,
          randomControlShare: 0.02,
        },
        playbooks: [
          { playbookId: 'pb_onboarding', enabled: false },
          { playbookId: 'pb_winback', enabled: false },
        ],
      },
    });
    expect(renderer.findByTestId(NumberInput, 'holdout').props.value).toBe(10);
  });

  it('refuses invalid values field by field and sends nothing', async () => {
    const { renderer, calls } = await loaded(settingsView());
    fire(renderer.findByTestId(Input, 'quiet-end'), 'onChange', '25:00');
    fire(renderer.findByTestId(NumberInput, 'cap-day'), 'onChange', 5);
    fire(renderer.findByTestId(NumberInput, 'holdout'), 'onChange', 60);
    await renderer.waitFor(() => expect(renderer.findByTestId(NumberInput, 'holdout').props.value).toBe(60));
    fire(renderer.findByTestId(Button, 'settings-save'), 'onClick');
    await renderer.waitFor(() => expect(renderer.findByTestId(Alert, 'settings-invalid')).toBeDefined());
    expect(renderer.findByTestId(Input, 'quiet-end').props.validationMessage).toBe('quiet hours end must be HH:MM (24 h)');
    expect(renderer.findByTestId(NumberInput, 'cap-day').props.validationMessage).toBe('the daily cap cannot exceed the weekly cap');
    expect(renderer.findByTestId(NumberInput, 'holdout').props.validationMessage).toBe('at most 50% of people can be held out');
    expect(renderer.findByTestId(Input, 'quiet-start').props.error).toBe(false);
    expect(calls).toHaveLength(1);

    fire(renderer.findByTestId(Input, 'quiet-end'), 'onChange', '07:30');
    await renderer.waitFor(() => expect(renderer.findByTestId(Input, 'quiet-end').props.error).toBe(false));
  });

  it('shows the fields the backend refused next to them', async () => {
    const refusal = {
      error: {
        code: 'invalid_request',
        message: 'invalid settings: policies.holdoutShare at most 50% of people can be held out',
        details: [{ path: 'policies.holdoutShare', message: 'at most 50% of people can be held out' }],
      },
    };
    const s = setup((call) => (call.method === 'GET' ? { status: 200, body: settingsView() } : { status: 400, body: refusal }));
    await s.renderer.waitFor(() => expect(s.renderer.findByTestId(Button, 'settings-save')).toBeDefined());
    fire(s.renderer.findByTestId(Button, 'settings-save'), 'onClick');
    await s.renderer.waitFor(() =>
      expect(s.renderer.findByTestId(NumberInput, 'holdout').props.validationMessage).toBe('at most 50% of people can be held out'),
    );
    expect(s.renderer.findByTestId(NumberInput, 'holdout').props.error).toBe(true);
    expect(s.renderer.findByTestId(Input, 'quiet-start').props.error).toBe(false);
    expect(s.alerts).toEqual([{ type: 'danger', title: 'Settings not saved', message: refusal.error.message }]);
  });

  it('tells the admin when the backend refuses the save and keeps the form', async () => {
    const s = setup((call) =>
      call.method === 'GET'
        ? { status: 200, body: settingsView() }
        : { status: 422, body: { error: { code: 'validation_failed', message: 'Playbook pb_gone does not exist.' } } },
    );
    await s.renderer.waitFor(() => expect(s.renderer.findByTestId(Button, 'settings-save')).toBeDefined());
    fire(s.renderer.findByTestId(Button, 'settings-save'), 'onClick');
    await s.renderer.waitFor(() =>
      expect(s.alerts).toEqual([{ type: 'danger', title: 'Settings not saved', message: 'Playbook pb_gone does not exist.' }]),
    );
    expect(s.renderer.findByTestId(Button, 'settings-save').props.disabled).toBe(false);
  });
});
