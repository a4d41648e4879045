import { scanOutboundParams } from '../../../app/privacy';

describe('scanOutboundParams', () => {
  it('names the field, what it carries and what to do', () => {
    const violations = scanOutboundParams({
      channel: 'sms',
      body: 'Hi Dana, we could not charge 4242 4242 4242 4242. Reply to update it.',
    });
    expect(violations).toEqual([
      {
        path: 'params.body',
        kind: 'payment_card',
        scheme: 'visa',
        masked: '•••• •••• •••• 4242',
        reason: 'params.body carries a payment card number ending 4242; remove it or send it through a secure channel',
      },
    ]);
  });

  it('walks nested objects and arrays, and integers, with JSON paths', () => {
    const violations = scanOutboundParams({
      properties: { notes: 'refund to NL91 ABNA 0417 1643 00', 'tax id': 'SSN 536-22-8817', card_on_file: 4111111111111111 },
      attachments: [
        { name: 'summary.txt', text: 'nothing here' },
        { name: 'id.txt', text: 'DNI 12345678Z' },
      ],
    });
    expect(violations.map((v) => [v.path, v.kind])).toEqual([
      ['params.properties.notes', 'iban'],
      ['params.properties["tax id"]', 'national_id'],
      ['params.properties.card_on_file', 'payment_card'],
      ['params.attachments[1].text', 'national_id'],
    ]);
    expect(violations[0]?.reason).toBe(
      'params.properties.notes carries an IBAN (NL) ending 4300; remove it or send it through a secure channel',
    );
    expect(violations[1]?.reason).toBe(
      'params.properties["tax id"] carries a US Social Security number ending 8817; remove it or send it through a secure channel',
    );
  });

  it('passes ordinary outbound content', () => {
    expect(
      scanOutboundParams({
        templateId: 'renewal-reminder',
        subject: 'Your order 1002345678912341 has shipped',
        properties: { lifecyclestage: 'customer', amount: 1200, tracking: '1Z999AA10123456784', seats: 25 },
        tags: ['vip', null, true],
      }),
    ).toEqual([]);
  });

  it('lets allowed values through (the business’s own IBAN on a payment reminder) but still blocks others', () => {
    const params = { body: 'Please transfer to GB82 WEST 1234 5698 7654 32. Do not use DE89 3704 0044 0532 0130 00 any more.' };
    const violations = scanOutboundParams(params, { allow: ['gb82west12345698765432'] });
    expect(violations.map((v) => v.masked)).toEqual(['DE•• •••• •••• •••• ••30 00']);
  });

  it('uses the root name given', () => {
    expect(scanOutboundParams({ x: '378282246310005' }, { root: 'fields' })[0]?.path).toBe('fields.x');
  });
});
