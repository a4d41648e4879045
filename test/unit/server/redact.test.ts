import { Writable } from 'node:stream';
import { createLogger } from '../../../server/observability/logger';
import { redactString, redactValue } from '../../../server/observability/redact';

describe('PII redaction', () => {
  it('masks emails, phone numbers, bearer tokens and API keys inside strings', () => {
    const s = redactString(
      'mail jane.doe+x@example.co.uk or call +44 20 7946 0958, Authorization: Bearer abc.def.ghi key bk_abcdefabcdef_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345',
    );
    expect(s).not.toMatch(/jane|7946|abc\.def|ABCDEFGHIJ/);
    expect(s).toContain('[email]');
    expect(s).toContain('[phone]');
    expect(s).toContain('Bearer [redacted]');
  });

  it('drops message text and secrets by key, recursively', () => {
    const v = redactValue({
      event: { text: 'I am furious', type: 'message.received', subject: { identifiers: [{ type: 'email', value: 'a@b.io' }] } },
      headers: { authorization: 'Bearer x' },
      accessToken: 't',
    }) as Record<string, Record<string, unknown>>;
    expect(v['event']?.['text']).toBe('[redacted]');
    expect(v['event']?.['type']).toBe('message.received');
    expect(JSON.stringify(v)).not.toContain('a@b.io');
    expect(v['headers']?.['authorization']).toBe('[redacted]');
    expect(v['accessToken']).toBe('[redacted]');
  });

  it('keeps ordinary numbers and ids readable', () => {
    expect(redactString('job job_123 took 250 ms, status 202')).toBe('job job_123 took 250 ms, status 202');
  });

  it('applies to what the service logger writes, including the message itself', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({ email: 'x@y.com', text: 'secret words' }, 'sent to bob@corp.com');
    const out = lines.join('');
    expect(out).not.toMatch(/x@y\.com|secret words|bob@corp\.com/);
    expect(out).toContain('sent to [email]');
  });
});
