/** `GET /api/v1/lift` (server/decisioning/lift.repository.ts): treated vs holdout, overall, per action and over time, with delivery. */
import { z } from 'zod';
import { type BodyOf, instantSchema } from './common';

export const rateSchema = z.looseObject({
  decisions: z.number(),
  positives: z.number(),
  rate: z.number().nullable(),
  standardError: z.number().nullable().optional(),
});
export const liftEstimateSchema = z.looseObject({
  treated: rateSchema,
  control: rateSchema,
  lift: z.number().nullable(),
  confidenceInterval: z.tuple([z.number(), z.number()]).nullable(),
  confidenceLevel: z.number().optional(),
  significant: z.boolean().optional(),
});
const liftPointFields = liftEstimateSchema.extend({ at: instantSchema });
/** A point of the lift series; readers take the period start named at, periodStart, date or day. */
export const liftPointSchema = z.preprocess((v) => {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return { ...o, at: o['at'] ?? o['periodStart'] ?? o['date'] ?? o['day'] };
}, liftPointFields);
/** How many decided actions runs tried to carry out and how many reached the person (rate null before any). */
export const deliveryCountsSchema = z.looseObject({
  attempted: z.number(),
  delivered: z.number(),
  undeliverable: z.number(),
  rate: z.number().nullable(),
});

function liftReportOf<P extends z.ZodType>(point: P) {
  return z.looseObject({
    overall: liftEstimateSchema,
    /** Delivery of treated decisions per action (lift stays intention-to-treat). */
    delivery: z
      .looseObject({ overall: deliveryCountsSchema, perAction: z.array(deliveryCountsSchema.extend({ actionId: z.string() })) })
      .optional(),
    perAction: z.array(liftEstimateSchema.extend({ actionId: z.string(), series: z.array(point).optional() })),
    series: z.array(point).optional(),
    /** Width of a series point (minute, hour, day, week; UTC) and whether points accumulate. */
    bucket: z.string().optional(),
    cumulative: z.boolean().optional(),
  });
}
export const liftReportSchema = liftReportOf(liftPointSchema);
/** The report as the server sends it: each point's period start named `at`. */
export const liftReportSentSchema = liftReportOf(liftPointFields);

export type LiftEstimate = z.infer<typeof liftEstimateSchema>;
export type LiftReport = z.infer<typeof liftReportSchema>;
export type LiftPoint = NonNullable<LiftReport['series']>[number];
export type LiftReportBody = BodyOf<typeof liftReportSentSchema>;
