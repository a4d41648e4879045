/** Entry point of Baton's settings page (Marketplace → Connected apps → Baton → Settings). */
import { type ExtensionPointApi, hubspot } from '@hubspot/ui-extensions';
import { useMemo } from 'react';
import { backendUrlFrom, createBatonApi } from '../cards/lib/api';
import { SettingsPage } from './SettingsPage';

function BatonSettings({ context, actions }: ExtensionPointApi<'settings'>) {
  const baseUrl = backendUrlFrom(context);
  const api = useMemo(() => (baseUrl === null ? null : createBatonApi({ baseUrl, fetch: hubspot.fetch })), [baseUrl]);
  return <SettingsPage api={api} addAlert={actions.addAlert} />;
}

hubspot.extend<'settings'>((api) => <BatonSettings {...api} />);
