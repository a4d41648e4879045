import { formOf, policiesFromForm } from '../../../extensions/console/src/lib/policies';

const current = {
  holdout: { share: 0.05, salt: 'baton-holdout-v1' },
  quietHours: { enabled: true, start: '21:00', end: '08:00', defaultTimeZone: 'UTC', channels: ['email', 'sms'] },
  frequencyCaps: [
    { channel: 'all', period: 'day', max: 2 },
    { channel: 'email', period: 'week', max: 3 },
  ],
  consent: { email: 'opt_out' },
};

describe('console policies form', () => {
  it('round-trips the settings, keeping the fields the form does not edit', () => {
    const form = formOf(current);
    expect(form).toEqual({
      share: '5',
      quietOn: true,
      start: '21:00',
      end: '08:00',
      timeZone: 'UTC',
      caps: [
        { channel: 'all', period: 'day', max: '2' },
        { channel: 'email', period: 'week', max: '3' },
      ],
    });
    const edited = policiesFromForm(current, {
      ...form,
      share: '12.5',
      start: '22:30',
      timeZone: ' Europe/Berlin ',
      caps: [
        { channel: 'all', period: 'day', max: '4' },
        { channel: 'email', period: 'week', max: '3' },
      ],
    });
    expect(edited).toEqual({
      ok: true,
      policies: {
        ...current,
        holdout: { share: 0.125, salt: 'baton-holdout-v1' },
        quietHours: { ...current.quietHours, start: '22:30', defaultTimeZone: 'Europe/Berlin' },
        frequencyCaps: [
          { channel: 'all', period: 'day', max: 4 },
          { channel: 'email', period: 'week', max: 3 },
        ],
      },
    });
  });

  it('says what is wrong instead of sending a bad share, time or cap', () => {
    const form = formOf(current);
    expect(policiesFromForm(current, { ...form, share: '60' })).toEqual({
      ok: false,
      message: 'The holdout share must be a percentage between 0 and 50.',
    });
    expect(policiesFromForm(current, { ...form, share: '' }).ok).toBe(false);
    expect(policiesFromForm(current, { ...form, end: '25:00' })).toEqual({
      ok: false,
      message: 'Quiet hours start and end must be times like 21:00.',
    });
    expect(policiesFromForm(current, { ...form, timeZone: ' ' }).ok).toBe(false);
    expect(policiesFromForm(current, { ...form, caps: [{ channel: 'all', period: 'day', max: '1.5' }] })).toEqual({
      ok: false,
      message: 'The all cap per day must be a whole number, zero or more.',
    });
  });
});
