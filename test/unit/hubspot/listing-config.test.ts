import { ConfigError, parseConfig } from '../../../server/config';

describe('HubSpot marketplace listing configuration', () => {
  it('reads the support URL and email, privacy and terms URLs', () => {
    const c = parseConfig({
      HUBSPOT_SUPPORT_URL: 'https://help.acme.io',
      HUBSPOT_SUPPORT_EMAIL: ' help@acme.io ',
      HUBSPOT_PRIVACY_URL: 'https://acme.io/privacy',
      HUBSPOT_TERMS_URL: 'https://acme.io/terms',
    });
    expect(c.hubspotListing).toEqual({
      supportUrl: 'https://help.acme.io',
      supportEmail: 'help@acme.io',
      privacyUrl: 'https://acme.io/privacy',
      termsUrl: 'https://acme.io/terms',
    });
    expect(parseConfig({}).hubspotListing).toEqual({
      supportUrl: undefined,
      supportEmail: undefined,
      privacyUrl: undefined,
      termsUrl: undefined,
    });
  });

  it('refuses a non-https URL or an address that is not an email, naming the variable', () => {
    let error: unknown;
    try {
      parseConfig({
        HUBSPOT_SUPPORT_URL: 'http://help.acme.io',
        HUBSPOT_SUPPORT_EMAIL: 'help at acme',
        HUBSPOT_TERMS_URL: 'https://acme.io/terms',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(variables).toEqual(['HUBSPOT_SUPPORT_EMAIL', 'HUBSPOT_SUPPORT_URL']);
  });
});
