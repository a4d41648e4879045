/** Journey state and hotness: pure functions over plain data. */
export * from './stages';
export * from './events';
export * from './transitions';
export * from './machine';
export * from './hotness';
