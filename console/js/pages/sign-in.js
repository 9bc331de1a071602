import { useState } from 'preact/hooks';
import { api, session } from '../api.js';
import { html } from '../ui.js';

/** Sign in with an API key; it is checked against the API before it is kept (in this tab only). */
export function SignIn({ onSignedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('GET', '/v1/worker-genies?limit=1', undefined, { key: key.trim() });
      session.signIn(key.trim());
      onSignedIn();
    } catch (err) {
      setError(err.status === 401 ? 'That key was not accepted. Check it, or create a new one.' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="sign-in">
    <form class="card" onSubmit=${submit}>
      <h1><span class="logo" aria-hidden="true"></span>Worker Genies</h1>
      <p class="muted">Autonomous background agents on Temporal and Claude. Sign in with an API key.</p>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autocomplete="off"
        placeholder="hg_live_…"
        value=${key}
        onInput=${(e) => setKey(e.currentTarget.value)}
        aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${error ? 'sign-in-error' : 'sign-in-hint'}
        required autofocus
      />
      ${
        error
          ? html`<p class="field-error" id="sign-in-error" role="alert">${error}</p>`
          : html`<p class="hint" id="sign-in-hint">
              <code>npm start</code> prints a dev key; or run${' '}<code>npm run cli -- api-key create --email you@example.com</code>.
            </p>`
      }
      <button class="primary" type="submit" disabled=${busy || !key.trim()}>${busy ? 'Checking…' : 'Sign in'}</button>
      <p class="hint">The key stays in this browser tab and is forgotten when you close it.</p>
    </form>
  </div>`;
}
