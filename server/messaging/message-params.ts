/** The parameters of a `message` step (channel sms | whatsapp), as playbooks and decided actions write them. */
import { z } from 'zod';

const templateSchema = z.union([
  z.string().trim().min(1).max(512),
  z.looseObject({
    name: z.string().trim().min(1).max(512),
    language: z.string().trim().min(2).max(35).optional(),
    contentSid: z
      .string()
      .trim()
      .regex(/^HX[0-9a-fA-F]{32}$/)
      .optional(),
    variables: z.record(z.string(), z.string()).optional(),
    components: z.array(z.unknown()).optional(),
  }),
]);

export const messageParamsSchema = z.looseObject({
  channel: z.enum(['sms', 'whatsapp'], { error: 'channel must be sms or whatsapp' }),
  body: z.string().trim().min(1, 'body must not be empty').max(1600, 'body must be at most 1,600 characters'),
  to: z.string().trim().min(3).max(40).optional(),
  template: templateSchema.optional(),
  contentSid: z
    .string()
    .trim()
    .regex(/^HX[0-9a-fA-F]{32}$/, 'contentSid must be HX followed by 32 hex characters')
    .optional(),
  contentVariables: z.record(z.string(), z.string()).optional(),
  mediaUrl: z.array(z.string().url()).max(10).optional(),
  /** ISO 639-1 language the text was chosen in (set by localized steps). */
  language: z
    .string()
    .regex(/^[a-z]{2}$/, 'language must be an ISO 639-1 code such as "es"')
    .optional(),
});
export type MessageParams = z.infer<typeof messageParamsSchema>;
