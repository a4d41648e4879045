import { useState, type FormEvent } from 'react';
import { Async, Badge, describeError, Notice, Section } from '../../components/ui';
import { useConsole } from '../../lib/context';
import { formatInstant, humanize } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

/** The fields each connection type needs (product.md 4.3); secrets are sent once and never shown again. */
export const CONNECTION_FIELDS = {
  zendesk: ['subdomain', 'email', 'apiToken', 'webhookSecret'],
  twilio: ['accountSid', 'authToken'],
  whatsapp: ['phoneNumberId', 'accessToken', 'appSecret', 'verifyToken'],
} as const;
type ConnectionType = keyof typeof CONNECTION_FIELDS;
const SECRET = /token|secret/i;

function NewConnection({ onCreated }: { onCreated: (id: string) => void }) {
  const { api } = useConsole();
  const [type, setType] = useState<ConnectionType>('zendesk');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const fields = [...CONNECTION_FIELDS[type], 'baseUrl'];

  /** Never rejects: a failure is shown in the form (the form calls it with `void`). */
  async function submit(e: FormEvent) {
    e.preventDefault();
    const config = Object.fromEntries(fields.map((f) => [f, (values[f] ?? '').trim()]).filter(([, v]) => v !== ''));
    try {
      const created = await api.createConnection(type, config);
      setValues({});
      setError(null);
      onCreated(created.connectionId);
    } catch (err) {
      const d = describeError(err);
      setError(`${d.title}: ${d.detail}`);
    }
  }

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <fieldset>
        <legend>Connect a channel</legend>
        <label htmlFor="conn-type">Type</label>
        <select id="conn-type" value={type} onChange={(e) => setType(e.target.value as ConnectionType)}>
          {Object.keys(CONNECTION_FIELDS).map((t) => (
            <option key={t} value={t}>
              {humanize(t)}
            </option>
          ))}
        </select>
        {fields.map((f) => (
          <div key={`${type}-${f}`}>
            <label htmlFor={`conn-${f}`}>{f === 'baseUrl' ? 'baseUrl (optional: sandbox or proxy)' : f}</label>
            <input
              id={`conn-${f}`}
              type={SECRET.test(f) ? 'password' : 'text'}
              autoComplete="off"
              required={f !== 'baseUrl'}
              value={values[f] ?? ''}
              onChange={(e) => setValues({ ...values, [f]: e.target.value })}
            />
          </div>
        ))}
        <button type="submit">Connect</button>
      </fieldset>
      {error === null ? null : (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function Connections() {
  const { api } = useConsole();
  const list = useAsync(() => api.connections(), [api]);
  const [notice, setNotice] = useState<string | null>(null);

  async function test(connectionId: string) {
    try {
      const r = await api.testConnection(connectionId);
      setNotice(
        r.ok
          ? `${connectionId}: the vendor accepted the credentials.`
          : `${connectionId}: ${r.error?.code ?? 'failed'}: ${r.error?.message ?? 'the vendor refused'}`,
      );
    } catch (err) {
      const d = describeError(err);
      setNotice(`${d.title}: ${d.detail}`);
    }
    list.reload();
  }

  return (
    <Section title="Connections">
      <Async state={list} what="connections">
        {(connections) =>
          connections.length === 0 ? (
            <p className="muted">No Zendesk, Twilio or WhatsApp connections yet.</p>
          ) : (
            <ul className="connections">
              {connections.map((c) => (
                <li key={c.connectionId}>
                  <strong>{humanize(c.type)}</strong> <code>{c.connectionId}</code> <Badge value={c.status ?? 'unknown'} />
                  {c.createdAt === undefined ? null : <span className="muted"> since {formatInstant(c.createdAt)}</span>}
                  {c.statusReason === null || c.statusReason === undefined ? null : <span className="field-error"> {c.statusReason}</span>}
                  <button
                    type="button"
                    className="link"
                    aria-label={`Test the ${c.type} connection ${c.connectionId}`}
                    onClick={() => void test(c.connectionId)}
                  >
                    Test
                  </button>
                  {c.webhookUrl === undefined ? null : (
                    <p className="muted">
                      Webhook: <code>{c.webhookUrl}</code>
                      {c.webhookSetup === undefined ? null : <> — {c.webhookSetup}</>}
                    </p>
                  )}
                  {c.lastError === null || c.lastError === undefined ? null : (
                    <p className="field-error">
                      {typeof c.lastError === 'string' ? c.lastError : `${c.lastError.code}: ${c.lastError.message}`}
                    </p>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Async>
      <Notice text={notice} />
      <NewConnection
        onCreated={(id) => {
          setNotice(`Connected: ${id}.`);
          list.reload();
        }}
      />
    </Section>
  );
}
