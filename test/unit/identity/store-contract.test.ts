import { InMemoryGraphStore } from '../../../app/identity/graph/memory-store';
import { describeGraphStoreContract } from './store-contract';

describeGraphStoreContract('in memory', async () => {
  const store = new InMemoryGraphStore();
  return { store, counts: async () => store.stats(), close: async () => undefined };
});
