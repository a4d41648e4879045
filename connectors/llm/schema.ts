import { z } from 'zod';
import { CANONICAL_INTENTS } from '../../app/signals/intents';

/** What the model must return; validated before anything reaches the domain. */
export const llmSignalsSchema = z.object({
  intent: z.enum(CANONICAL_INTENTS),
  intentConfidence: z.number().min(0).max(1),
  sentiment: z.number().min(-1).max(1),
  urgency: z.enum(['low', 'medium', 'high']),
  language: z
    .string()
    .regex(/^[a-z]{2}$/)
    .optional(),
});

export type LlmSignals = z.infer<typeof llmSignalsSchema>;

/** The same shape as JSON Schema, for providers' structured-output / tool-input parameters. */
export const llmSignalsJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['intent', 'intentConfidence', 'sentiment', 'urgency'],
  properties: {
    intent: { type: 'string', enum: [...CANONICAL_INTENTS] },
    intentConfidence: { type: 'number', minimum: 0, maximum: 1 },
    sentiment: { type: 'number', minimum: -1, maximum: 1 },
    urgency: { type: 'string', enum: ['low', 'medium', 'high'] },
    language: { type: 'string', description: 'ISO 639-1 code of the text' },
  },
} as const;
