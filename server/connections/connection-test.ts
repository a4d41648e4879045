/** A real call with a connection's credentials, reporting success or the precise error. */
import { twilioApiOf } from '../../connectors/twilio';
import { whatsappApiOf } from '../../connectors/whatsapp';
import { zendeskApiOf } from '../../connectors/zendesk';
import type { Connection } from './connections.repository';
import type { TwilioConfig, WhatsAppConfig, ZendeskConfig } from './connection-config';

export type ConnectionTestResult =
  | { readonly ok: true; readonly details: Record<string, unknown> }
  | { readonly ok: false; readonly error: { readonly code: string; readonly category: string; readonly message: string } };

export async function testConnection(connection: Connection): Promise<ConnectionTestResult> {
  const fail = (e: { code: string; category: string; message: string }): ConnectionTestResult => ({
    ok: false,
    error: { code: e.code, category: e.category, message: e.message },
  });
  switch (connection.type) {
    case 'zendesk': {
      const r = await zendeskApiOf(connection.config as ZendeskConfig).me();
      if (!r.ok) return fail(r.error);
      if (r.value.role === 'end-user' || r.value.id === '0')
        return fail({
          code: 'zendesk.not_an_agent',
          category: 'auth',
          message: "zendesk: the credentials are not an agent's (anonymous or end user); use an agent email with an API token",
        });
      return { ok: true, details: { userId: r.value.id, name: r.value.name ?? null, role: r.value.role ?? null } };
    }
    case 'twilio': {
      const r = await twilioApiOf(connection.config as TwilioConfig).fetchAccount();
      if (!r.ok) return fail(r.error);
      if (r.value.status !== 'active')
        return fail({ code: 'twilio.account_not_active', category: 'permanent', message: `twilio: the account is ${r.value.status}` });
      return { ok: true, details: { accountSid: r.value.sid, friendlyName: r.value.friendlyName, status: r.value.status } };
    }
    case 'whatsapp': {
      const r = await whatsappApiOf(connection.config as WhatsAppConfig).phoneNumber();
      if (!r.ok) return fail(r.error);
      return { ok: true, details: { phoneNumberId: r.value.id, displayPhoneNumber: r.value.displayPhoneNumber ?? null } };
    }
  }
}
