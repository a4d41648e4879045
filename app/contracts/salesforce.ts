/**
 * `GET /salesforce/cards/record?recordId=` (connectors/salesforce/apex.routes.ts): the record's card,
 * which BatonCardController (Apex) hands to the batonCard LWC. The card actions answer a
 * CardActionResult like every other surface.
 */
import { z } from 'zod';
import { cardViewSchema } from '../cards/card-view';

export const salesforceCardAnswerSchema = z.object({ recordId: z.string(), card: cardViewSchema });

export type SalesforceCardAnswer = z.infer<typeof salesforceCardAnswerSchema>;
