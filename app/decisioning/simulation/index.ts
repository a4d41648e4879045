/** The decisioning simulator, shared by the bench and the demo. */
export * from './world';
export * from './strategies';
export * from './run';
