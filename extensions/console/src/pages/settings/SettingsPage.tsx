import { Catalog } from './Catalog';
import { Connections } from './Connections';
import { Playbooks } from './Playbooks';
import { Policies } from './Policies';

/** Connections and their status, action catalog, policies and holdout share, playbooks. */
export function SettingsPage() {
  return (
    <div>
      <h1>Settings</h1>
      <Connections />
      <Policies />
      <Catalog />
      <Playbooks />
    </div>
  );
}
