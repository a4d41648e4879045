/** The WhatsApp Cloud API client for a tenant's WhatsApp connection. */
import type { WhatsAppConfig } from '../../server/platform';
import { WhatsAppApi } from './client/api';

export const whatsappApiOf = (c: WhatsAppConfig): WhatsAppApi =>
  new WhatsAppApi({ phoneNumberId: c.phoneNumberId, accessToken: c.accessToken, baseUrl: c.baseUrl });
