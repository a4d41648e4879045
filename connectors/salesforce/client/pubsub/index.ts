export * from './avro';
export * from './client';
