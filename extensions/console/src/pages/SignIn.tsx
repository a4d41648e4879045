import { useState, type FormEvent } from 'react';
import { createApiClient } from '../api/http';
import { endpoints } from '../api/endpoints';
import { describeError } from '../components/ui';

/** Sign-in with the tenant API key (from `npx baton tenants create`), checked against the API before it is kept. */
export function SignIn({ onSignedIn }: { onSignedIn: (apiKey: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /** Never rejects: a failure is shown under the form (the form calls it with `void`). */
  async function submit(e: FormEvent) {
    e.preventDefault();
    const apiKey = key.trim();
    if (apiKey === '') {
      setError('Enter your tenant API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await endpoints(createApiClient({ apiKey })).verifyKey();
      onSignedIn(apiKey);
    } catch (err) {
      const { title, detail } = describeError(err);
      setError(`${title}: ${detail}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <h1>Baton console</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="signin-help">
        <label htmlFor="api-key">Tenant API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error !== null}
          aria-describedby={error === null ? undefined : 'signin-error'}
          autoFocus
        />
        <p id="signin-help" className="muted">
          Create one with <code>npx baton tenants create --name NAME</code>. It is kept in this browser tab only.
        </p>
        {error === null ? null : (
          <p id="signin-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
