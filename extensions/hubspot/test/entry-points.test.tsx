/**
 * The entry points register with hubspot.extend and reach Baton only through hubspot.fetch (imported,
 * not a global fetch: plain fetch gets 400s in marketplace apps), at the origin the config profile
 * sets. hubspot.extend and hubspot.fetch only exist in HubSpot's worker, so both are stand-ins here.
 */
import { ErrorState, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { ReactElement } from 'react';
import { allText, fullCard, settingsView } from './support';

const mockExtend = jest.fn<void, [(api: unknown) => ReactElement]>();
const mockFetch = jest.fn<Promise<{ ok: boolean; status: number; json: () => Promise<unknown> }>, [string, unknown]>();

jest.mock('@hubspot/ui-extensions', () => {
  const actual = jest.requireActual<Record<string, unknown>>('@hubspot/ui-extensions');
  return {
    ...actual,
    hubspot: {
      extend: (cb: (api: unknown) => ReactElement) => mockExtend(cb),
      fetch: (url: string, options: unknown) => mockFetch(url, options),
      serverless: jest.fn(),
    },
  };
});

/** Loads an entry file (once: React must stay one instance) and returns what it gave hubspot.extend. */
const registrations = new Map<string, (api: unknown) => ReactElement>();
function registered(modulePath: string): (api: unknown) => ReactElement {
  const known = registrations.get(modulePath);
  if (known !== undefined) return known;
  const before = mockExtend.mock.calls.length;
  jest.requireActual(modulePath);
  const cb = mockExtend.mock.calls[before]?.[0];
  if (cb === undefined) throw new Error(`${modulePath} did not call hubspot.extend`);
  registrations.set(modulePath, cb);
  return cb;
}

beforeEach(() => mockFetch.mockReset());

describe('entry points', () => {
  it('the record card asks hubspot.fetch for this record at PUBLIC_URL', async () => {
    mockFetch.mockResolvedValue({ ok: true, status: 200, json: async () => fullCard() });
    const renderer = createRenderer('crm.record.tab');
    const render = registered('../src/app/cards/BatonRecordCard');
    renderer.render(
      render({
        context: { ...renderer.mocks.context, variables: { PUBLIC_URL: 'https://baton.example.com' } },
        actions: renderer.mocks.actions,
      }),
    );
    await renderer.waitFor(() => expect(renderer.findByTestId(Text, 'nba-label').text).toBe('Send the fintech case study'));
    expect(mockFetch).toHaveBeenCalledWith('https://baton.example.com/hubspot/cards/record?objectTypeId=0-1&objectId=123', {
      method: 'GET',
      timeout: 15000,
    });
  });

  it('the record card without a PUBLIC_URL profile variable calls nothing and says what is missing', () => {
    const renderer = createRenderer('crm.record.tab');
    const render = registered('../src/app/cards/BatonRecordCard');
    renderer.render(render({ context: { ...renderer.mocks.context, variables: {} }, actions: renderer.mocks.actions }));
    expect(renderer.maybeFind(LoadingSpinner)).toBeNull();
    expect(allText(renderer.find(ErrorState))).toContain('a profile that sets PUBLIC_URL');
    expect(mockFetch).not.toHaveBeenCalled();
  });

  it('the settings page loads through hubspot.fetch at PUBLIC_URL', async () => {
    mockFetch.mockResolvedValue({ ok: true, status: 200, json: async () => settingsView() });
    const renderer = createRenderer('settings');
    const render = registered('../src/app/settings/BatonSettings');
    renderer.render(
      render({
        context: { ...renderer.mocks.context, variables: { PUBLIC_URL: 'https://baton.example.com' } },
        actions: renderer.mocks.actions,
      }),
    );
    await renderer.waitFor(() => expect(renderer.findByTestId(Text, 'connection-detail').text).toContain('62515'));
    expect(mockFetch).toHaveBeenCalledWith('https://baton.example.com/hubspot/settings', { method: 'GET', timeout: 15000 });
  });
});
