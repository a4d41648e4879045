import type { ModuleFactory } from './module';

/**
 * The capability modules the service runs, in pipeline order (identity before signals before
 * decisioning). Each capability adds one line here.
 */
export const modules: readonly ModuleFactory[] = [];
