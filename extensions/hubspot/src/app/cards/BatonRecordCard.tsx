/** Entry point of the Baton record card (crm.record.tab on contacts, companies, deals and tickets). */
import { type ExtensionPointApi, hubspot } from '@hubspot/ui-extensions';
import { useMemo } from 'react';
import { backendUrlFrom, createBatonApi } from './lib/api';
import { RecordCard } from './components/RecordCard';

function BatonRecordCard({ context, actions }: ExtensionPointApi<'crm.record.tab'>) {
  const baseUrl = backendUrlFrom(context);
  const api = useMemo(() => (baseUrl === null ? null : createBatonApi({ baseUrl, fetch: hubspot.fetch })), [baseUrl]);
  return (
    <RecordCard
      objectTypeId={context.crm.objectTypeId}
      objectId={context.crm.objectId}
      api={api}
      addAlert={actions.addAlert}
      refreshObjectProperties={actions.refreshObjectProperties}
    />
  );
}

hubspot.extend<'crm.record.tab'>((api) => <BatonRecordCard {...api} />);
