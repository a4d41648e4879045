/** The Twilio API client for a tenant's Twilio connection. */
import type { TwilioConfig } from '../../server/platform';
import { TwilioApi } from './client/api';

export const twilioApiOf = (c: TwilioConfig): TwilioApi =>
  new TwilioApi({ accountSid: c.accountSid, authToken: c.authToken, baseUrl: c.baseUrl });
