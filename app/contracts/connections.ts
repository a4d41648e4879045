/** Connections (server/connections/connections.routes.ts): list, create, test. */
import { z } from 'zod';
import { type BodyOf, errorInfoSchema, instantSchema } from './common';

const connectionFields = z.looseObject({
  connectionId: z.string(),
  type: z.string(),
  status: z.string().optional(),
  createdAt: instantSchema.optional(),
  updatedAt: instantSchema.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  /** Names of the secrets that are set (never their values). */
  secrets: z.array(z.string()).optional(),
  statusReason: z.string().nullable().optional(),
  webhookUrl: z.string().optional(),
  webhookSetup: z.string().optional(),
  lastError: z.union([z.string(), errorInfoSchema]).nullable().optional(),
});
/** One connection; readers take its id named connectionId or id (the list sends `id`). */
export const connectionSchema = z.preprocess((v) => {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return { ...o, connectionId: o['connectionId'] ?? o['id'] };
}, connectionFields);
export const connectionListSchema = z.looseObject({ connections: z.array(connectionSchema) });
export const connectionCreatedSchema = z.looseObject({ connectionId: z.string() });
/** `POST /connections/:id/test`: the vendor call ran; ok (with what the vendor said), or the classified error. */
export const connectionTestSchema = z.looseObject({
  connectionId: z.string().optional(),
  type: z.string().optional(),
  ok: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
  error: errorInfoSchema.optional(),
});

export type Connection = z.infer<typeof connectionSchema>;
/** A connection as `GET /connections` and `GET|PATCH /connections/:id` send it: named by `id`. */
export type ConnectionBody = Omit<BodyOf<typeof connectionFields>, 'connectionId'> & { readonly id: string };
export type ConnectionListBody = { readonly connections: readonly ConnectionBody[] };
export type ConnectionCreatedBody = BodyOf<typeof connectionCreatedSchema>;
export type ConnectionTestBody = BodyOf<typeof connectionTestSchema>;
