/** The Zendesk API client for a tenant's Zendesk connection. */
import type { ZendeskConfig } from '../../server/platform';
import { ZendeskApi } from './client/api';

export const zendeskApiOf = (c: ZendeskConfig): ZendeskApi =>
  new ZendeskApi({ subdomain: c.subdomain, email: c.email, apiToken: c.apiToken, oauthToken: c.oauthToken, baseUrl: c.baseUrl });
