import { canonicalEventSchema } from '../../../app/events/canonical-event';
import { sourceEventIdOf } from '../../../server/events/events.repository';

const valid = {
  source: 'api',
  type: 'message.received',
  occurredAt: '2026-11-23T10:00:00Z',
  subject: { identifiers: [{ type: 'email', value: 'ada@example.com' }], traits: { firstName: 'Ada' } },
  text: 'Can I get a demo?',
};

describe('canonical event', () => {
  it('accepts the documented shape and defaults traits', () => {
    const e = canonicalEventSchema.parse({ ...valid, subject: { identifiers: valid.subject.identifiers } });
    expect(e.subject.traits).toEqual({});
  });

  it.each([
    ['missing source', { ...valid, source: undefined }, 'source'],
    ['a time without zone', { ...valid, occurredAt: '2026-11-23 10:00' }, 'occurredAt'],
    ['no identifiers', { ...valid, subject: { identifiers: [] } }, 'subject.identifiers'],
    ['unknown identifier type', { ...valid, subject: { identifiers: [{ type: 'fax', value: '1' }] } }, 'subject.identifiers.0.type'],
    ['empty identifier value', { ...valid, subject: { identifiers: [{ type: 'email', value: '  ' }] } }, 'subject.identifiers.0.value'],
    ['a nested trait', { ...valid, subject: { ...valid.subject, traits: { a: { b: 1 } } } }, 'subject.traits.a'],
    ['an upper-case type', { ...valid, type: 'Contact.Created' }, 'type'],
  ])('rejects %s, naming the field', (_name, input, field) => {
    const r = canonicalEventSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.success ? [] : r.error.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('derives the same source event id for the same content, whatever the key order', () => {
    const a = canonicalEventSchema.parse(valid);
    const b = canonicalEventSchema.parse({
      text: valid.text,
      subject: valid.subject,
      occurredAt: valid.occurredAt,
      type: valid.type,
      source: valid.source,
    });
    expect(sourceEventIdOf(a)).toBe(sourceEventIdOf(b));
    expect(sourceEventIdOf(a)).not.toBe(sourceEventIdOf({ ...a, text: 'other' }));
    expect(sourceEventIdOf({ ...a, id: 'hs-1' })).toBe('hs-1');
    expect(sourceEventIdOf(a, 'key-9')).toBe('idem:key-9');
  });
});
