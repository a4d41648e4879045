import { type ActionRequest } from '../../../app/orchestration';
import { CountingActionPort } from '../../../app/orchestration/memory';
import { PiiGuardPort } from '../../../server/runs/pii-guard.adapter';

const request = (params: ActionRequest['params'], kind: ActionRequest['kind'] = 'message'): ActionRequest => ({
  tenantId: 't1',
  runId: 'run_1',
  stepId: 'notify',
  profileId: 'p1',
  kind,
  params,
  idempotencyKey: 'k1',
  attempt: 1,
});

describe('PiiGuardPort', () => {
  it('blocks a message carrying a card number without calling the inner port', async () => {
    const inner = new CountingActionPort();
    const guard = new PiiGuardPort(inner);
    const result = await guard.execute(
      request({ channel: 'whatsapp', body: 'Your card 4111 1111 1111 1111 was declined, reply with a new one' }),
    );
    expect(inner.calls).toHaveLength(0);
    expect(inner.effects()).toHaveLength(0);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.category).toBe('permanent');
    expect(result.error.code).toBe('outbound_pii_blocked');
    expect(result.error.message).toContain('params.body carries a payment card number ending 1111');
  });

  it('names every offending field of a CRM update', async () => {
    const inner = new CountingActionPort();
    const blocked: string[][] = [];
    const guard = new PiiGuardPort(inner, { onBlocked: (_r, v) => blocked.push(v.map((x) => x.path)) });
    const result = await guard.execute(
      request(
        { properties: { bank_details: 'IBAN GB82 WEST 1234 5698 7654 32', ni: 'AB 12 34 56 C', lifecyclestage: 'customer' } },
        'crm_update',
      ),
    );
    expect(inner.calls).toHaveLength(0);
    expect(result.ok ? '' : result.error.message).toMatch(
      /params\.properties\.bank_details carries an IBAN \(GB\) ending 5432.*\| params\.properties\.ni carries a UK National Insurance number/,
    );
    expect(blocked).toEqual([['params.properties.bank_details', 'params.properties.ni']]);
  });

  it('passes clean requests through unchanged, exactly once', async () => {
    const inner = new CountingActionPort();
    const guard = new PiiGuardPort(inner);
    const req = request({ subject: 'Follow up on order 1002345678912341', body: 'Call Dana back about the renewal' }, 'task');
    const result = await guard.execute(req);
    expect(result).toEqual({ ok: true, output: { effectId: 'effect_1', kind: 'task' } });
    expect(inner.calls).toEqual([req]);
  });

  it('lets through values the tenant allows for the request', async () => {
    const inner = new CountingActionPort();
    const guard = new PiiGuardPort(inner, { allow: (r) => (r.tenantId === 't1' ? ['GB82WEST12345698765432'] : []) });
    const result = await guard.execute(request({ templateId: 'payment-reminder', body: 'Pay to GB82 WEST 1234 5698 7654 32' }, 'email'));
    expect(result.ok).toBe(true);
    expect(inner.calls).toHaveLength(1);
  });

  it('lists at most five reasons and counts the rest', async () => {
    const inner = new CountingActionPort();
    const body = Array.from({ length: 7 }, () => '4242 4242 4242 4242').join(', ');
    const result = await new PiiGuardPort(inner).execute(request({ body }));
    expect(inner.calls).toHaveLength(0);
    const message = result.ok ? '' : result.error.message;
    expect(message.match(/carries a payment card number/g)).toHaveLength(5);
    expect(message).toMatch(/and 2 more$/);
  });
});
