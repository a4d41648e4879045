import type { CardActionRequest, CardActionResult, CardView } from '../../app/cards/card-view';
import { serviceKey } from '../services';

/**
 * Builds record cards and performs card buttons for one tenant. Implemented by the decisioning module
 * (which sees journey, hotness, signals and decisions, and reaches identity and runs through the
 * registry); used by the HubSpot and Salesforce card endpoints and by the console.
 */
export interface CardService {
  /** The card for a profile (following merges); `emptyCard` when the profile is unknown. */
  view(tenantId: string, profileId: string): Promise<CardView>;
  /** Performs a button; throws HttpError 404/409 for an unknown or stale target. */
  act(tenantId: string, request: CardActionRequest, actor: { source: string; userId?: string }): Promise<CardActionResult>;
}

export const CARD_SERVICE = serviceKey<CardService>('cards.service');
