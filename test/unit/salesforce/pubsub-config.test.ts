/** The Pub/Sub endpoint is configuration: Salesforce's over TLS by default, a local plaintext server in tests. */
import { ConfigError, parseConfig } from '../../../server/config';

describe('Salesforce Pub/Sub endpoint configuration', () => {
  it("defaults to Salesforce's endpoint over TLS", () => {
    const c = parseConfig({});
    expect(c.salesforce.pubsubEndpoint).toBe('api.pubsub.salesforce.com:7443');
    expect(c.salesforce.pubsubTls).toBe(true);
  });

  it('takes host:port and plaintext for a local server', () => {
    const c = parseConfig({ SALESFORCE_PUBSUB_ENDPOINT: '127.0.0.1:50051', SALESFORCE_PUBSUB_TLS: 'false' });
    expect(c.salesforce).toMatchObject({ pubsubEndpoint: '127.0.0.1:50051', pubsubTls: false });
  });

  it('refuses a URL or a bad TLS flag, naming the variable and what to write', () => {
    const err = ((): unknown => {
      try {
        parseConfig({ SALESFORCE_PUBSUB_ENDPOINT: 'https://api.pubsub.salesforce.com', SALESFORCE_PUBSUB_TLS: 'yes' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as Error).message;
    expect(text).toMatch(/SALESFORCE_PUBSUB_ENDPOINT.*must be host:port/);
    expect(text).toMatch(/SALESFORCE_PUBSUB_TLS.*must be true or false/);
  });
});
