/**
 * The page an admin lands on after approving Baton in HubSpot (the OAuth callback, in a browser).
 * A marketplace install that created a new Baton tenant shows that tenant's API key here, once: Baton
 * stores only its hash, and the callback's state is single use, so reloading cannot show it again.
 */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface InstallPage {
  readonly portalId: string;
  readonly tenantId: string;
  /** Present only when this install created the tenant. */
  readonly apiKey?: string;
  readonly consoleUrl: string;
}

export function installSuccessHtml(page: InstallPage): string {
  const key =
    page.apiKey === undefined
      ? `<p>This HubSpot account was added to your existing Baton workspace (<code>${escapeHtml(page.tenantId)}</code>).</p>`
      : `<section aria-labelledby="key-title">
  <h2 id="key-title">Your Baton API key</h2>
  <p><strong>Copy it now and keep it somewhere safe: it is shown only this once.</strong> Baton keeps only a fingerprint of it, so nobody can show it to you again. If you lose it, create a new one with <code>npx baton tenants create</code> or ask your Baton operator.</p>
  <p><label for="api-key">API key</label><br><input id="api-key" type="text" readonly size="60" value="${escapeHtml(page.apiKey)}" onfocus="this.select()" data-testid="api-key"></p>
  <p>Use it to sign in to the <a href="${escapeHtml(page.consoleUrl)}">Baton console</a> and as <code>Authorization: Bearer …</code> for the Baton API. Workspace: <code>${escapeHtml(page.tenantId)}</code>.</p>
</section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Baton is connected to HubSpot</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; line-height: 1.5">
<h1>Baton is connected to HubSpot</h1>
<p>HubSpot account <strong>${escapeHtml(page.portalId)}</strong> is connected. Baton is setting up its properties there; the Baton card appears on records once you add it to a record view (Customize record → Card library → App).</p>
${key}
<p>You can close this page and return to HubSpot.</p>
</body></html>
`;
}
