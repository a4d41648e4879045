import { randomBytes } from 'node:crypto';
import { OAuth2, type TokenResponse } from 'jsforce';

/** The External Client App's settings (SALESFORCE_CLIENT_ID / _SECRET / _LOGIN_URL and the callback URL). */
export interface SalesforceApp {
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

export const OAUTH_SCOPES = ['api', 'refresh_token', 'id'] as const;

/** What must survive the redirect: the `state` we sent and the PKCE verifier only we know. */
export interface PendingAuthorization {
  readonly state: string;
  readonly codeVerifier: string;
  readonly url: string;
}

/**
 * Starts the web-server flow with PKCE (S256). jsforce derives the challenge from the verifier set on
 * the OAuth2 instance; across the redirect (and across processes) the caller persists it by `state` and hands it
 * back to `exchangeCode`.
 */
export function beginAuthorization(app: SalesforceApp): PendingAuthorization {
  const oauth2 = new OAuth2({
    loginUrl: app.loginUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    useVerifier: true,
  });
  // jsforce's own verifier is 171 characters; RFC 7636 allows 43–128, so use 86 (64 random bytes).
  const codeVerifier = randomBytes(64).toString('base64url');
  oauth2.codeVerifier = codeVerifier;
  const state = randomBytes(24).toString('base64url');
  const url = oauth2.getAuthorizationUrl({ scope: OAUTH_SCOPES.join(' '), state, prompt: 'login consent', code_challenge_method: 'S256' });
  return { state, codeVerifier, url };
}

export interface InstalledOrg {
  readonly orgId: string;
  readonly userId: string;
  readonly instanceUrl: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly identityUrl: string;
}

/** The org and user from the identity URL `https://login.../id/<orgId>/<userId>`. */
export function parseIdentityUrl(idUrl: string): { orgId: string; userId: string } {
  const parts = new URL(idUrl).pathname.split('/').filter((p) => p !== '');
  const userId = parts.at(-1);
  const orgId = parts.at(-2);
  if (parts.at(-3) !== 'id' || orgId === undefined || userId === undefined || !/^00D/.test(orgId))
    throw new Error(`not a Salesforce identity URL: ${idUrl}`);
  return { orgId, userId };
}

/** Exchanges the authorization code (with the persisted verifier) for tokens; org and user from `id`. */
export async function exchangeCode(app: SalesforceApp, code: string, codeVerifier: string): Promise<InstalledOrg> {
  const oauth2 = new OAuth2({
    loginUrl: app.loginUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
  });
  oauth2.codeVerifier = codeVerifier;
  const res: TokenResponse = await oauth2.requestToken(code);
  if (res.refresh_token === undefined) throw new Error('Salesforce returned no refresh token: the app needs the refresh_token scope');
  const { orgId, userId } = parseIdentityUrl(res.id);
  return {
    orgId,
    userId,
    instanceUrl: res.instance_url,
    accessToken: res.access_token,
    refreshToken: res.refresh_token,
    identityUrl: res.id,
  };
}

/** One refresh-token grant. With rotation on, the response carries the NEW refresh token to persist. */
export async function refreshTokens(
  app: Omit<SalesforceApp, 'redirectUri'>,
  refreshToken: string,
): Promise<{ accessToken: string; refreshToken: string; instanceUrl: string }> {
  const oauth2 = new OAuth2({ loginUrl: app.loginUrl, clientId: app.clientId, clientSecret: app.clientSecret });
  const res = await oauth2.refreshToken(refreshToken);
  return { accessToken: res.access_token, refreshToken: res.refresh_token ?? refreshToken, instanceUrl: res.instance_url };
}

export async function revokeToken(app: Omit<SalesforceApp, 'redirectUri'>, token: string): Promise<void> {
  const oauth2 = new OAuth2({ loginUrl: app.loginUrl, clientId: app.clientId, clientSecret: app.clientSecret });
  await oauth2.revokeToken(token);
}
