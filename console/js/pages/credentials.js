import { useEffect, useRef, useState } from 'preact/hooks';
import { api, get, post } from '../api.js';
import { EmptyState, ErrorBox, Field, html, Loading, Time, useLoad } from '../ui.js';

const TYPES = [
  ['bearer_token', 'Bearer token', 'sent as Authorization: Bearer …'],
  ['api_key', 'API key', 'in a header (default X-API-Key) or a query parameter'],
  ['basic_auth', 'Basic auth', 'user:password'],
  ['custom_header', 'Custom header', 'any header you name'],
  ['oauth2', 'OAuth 2.0', 'a refresh token: access tokens are fetched from the token URL and sent as Bearer'],
];

const EMPTY_FORM = {
  name: '',
  credential_type: 'bearer_token',
  value: '',
  header_name: '',
  query_param: '',
  token_url: '',
  client_id: '',
  client_secret: '',
  refresh_token: '',
  scope: '',
  allowed_hosts: '',
};

/** The form for storing `credential` again: everything but its secrets, which are never shown. */
const formFor = (credential) => ({
  ...EMPTY_FORM,
  name: credential.name,
  credential_type: credential.credential_type,
  header_name: credential.header_name ?? '',
  query_param: credential.query_param ?? '',
  token_url: credential.token_url ?? '',
  client_id: credential.client_id ?? '',
  scope: credential.scope ?? '',
  allowed_hosts: credential.allowed_hosts.join(', '),
});

/** The fields the form shows for a type (a refusal about any other goes in the error box). */
function shownFields(type) {
  const common = ['name', 'credential_type', 'allowed_hosts'];
  if (type === 'oauth2') return [...common, 'token_url', 'client_id', 'client_secret', 'refresh_token', 'scope'];
  return [
    ...common,
    'value',
    ...(type === 'custom_header' || type === 'api_key' ? ['header_name'] : []),
    ...(type === 'api_key' ? ['query_param'] : []),
  ];
}

/** The body of POST /v1/credentials: only the fields its type takes, optional ones when filled in. */
function bodyOf(form, replace) {
  const optional = (field) => (form[field].trim() ? { [field]: form[field].trim() } : {});
  const common = {
    name: form.name.trim(),
    credential_type: form.credential_type,
    allowed_hosts: form.allowed_hosts
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    ...(replace ? { replace: true } : {}),
  };
  if (form.credential_type === 'oauth2') {
    return {
      ...common,
      token_url: form.token_url.trim(),
      client_id: form.client_id.trim(),
      refresh_token: form.refresh_token.trim(),
      ...optional('client_secret'),
      ...optional('scope'),
    };
  }
  return { ...common, value: form.value, ...optional('header_name'), ...optional('query_param') };
}

/**
 * Stores a new credential, or, with `again` (`{credential}` from a row's "Reconnect"), stores
 * that one again (`replace: true`), prefilled with everything but its secrets.
 */
function AddCredential({ onAdded, again, onCancel }) {
  const [form, setForm] = useState(EMPTY_FORM);
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const formRef = useRef();
  // The field to focus once the prefilled form has rendered (its type's fields may only appear then).
  const focusNext = useRef();
  useEffect(() => {
    if (!again) return;
    setForm(formFor(again.credential));
    setError(undefined);
    focusNext.current = again.credential.credential_type === 'oauth2' ? '#cred-refresh-token' : '#cred-value';
    formRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, [again]);
  useEffect(() => {
    if (!focusNext.current) return;
    formRef.current?.querySelector(focusNext.current)?.focus({ preventScroll: true });
    focusNext.current = undefined;
  }, [form]);
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.value });
  const reset = () => {
    setForm({ ...EMPTY_FORM, credential_type: form.credential_type });
    setError(undefined);
  };
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await post('/v1/credentials', bodyOf(form, Boolean(again)));
      reset();
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (name) => error?.fieldMessage?.(name);
  const type = form.credential_type;
  const shown = shownFields(type);
  const unplaced =
    error && (!Array.isArray(error.details) || error.details.some((d) => !shown.includes(d.field?.split('.')[0])));
  return html`<form class=${`card stack${again ? ' storing-again' : ''}`} onSubmit=${submit} ref=${formRef}>
    <h2>${again ? html`Store <code>${again.credential.name}</code> again` : 'Add a credential'}</h2>
    <p class="muted small">
      ${
        again
          ? type === 'oauth2'
            ? 'Paste a new refresh token (and the client secret, if the client has one): it replaces the stored secrets and makes the credential usable again.'
            : 'Enter its secret again: it replaces the stored one.'
          : 'Stored encrypted; its value is never shown again, only a hint of its last characters.'
      }
    </p>
    <div class="grid-2">
      <${Field}
        id="cred-name"
        label="Name"
        hint=${again ? 'Storing it again replaces it' : 'What genies use in credential_refs'}
        error=${fieldError('name')}
      >
        <input
          id="cred-name"
          value=${form.name}
          onInput=${set('name')}
          class="mono"
          placeholder="crm"
          readOnly=${Boolean(again)}
          required
        />
      <//>
      <${Field}
        id="cred-type"
        label="Type"
        hint=${TYPES.find(([t]) => t === type)[2]}
        error=${fieldError('credential_type')}
      >
        <select id="cred-type" value=${type} onChange=${set('credential_type')}>
          ${TYPES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>
      <//>
    </div>
    ${
      type === 'oauth2'
        ? html`<${Field}
              id="cred-token-url"
              label="Token URL"
              hint="Where the access token is refreshed (grant_type=refresh_token)"
              error=${fieldError('token_url')}
            >
              <input
                id="cred-token-url"
                type="url"
                value=${form.token_url}
                onInput=${set('token_url')}
                class="mono"
                placeholder="https://auth.example.com/oauth/token"
                required
              />
            <//>
            <div class="grid-2">
              <${Field}
                id="cred-client-id"
                label="Client ID"
                hint="The client the refresh token was issued to"
                error=${fieldError('client_id')}
              >
                <input id="cred-client-id" value=${form.client_id} onInput=${set('client_id')} class="mono" required />
              <//>
              <${Field}
                id="cred-client-secret"
                label="Client secret (optional)"
                hint="Sent with HTTP Basic; without one, the client ID goes in the request body"
                error=${fieldError('client_secret')}
              >
                <input
                  id="cred-client-secret"
                  type="password"
                  autocomplete="off"
                  value=${form.client_secret}
                  onInput=${set('client_secret')}
                />
              <//>
            </div>
            <div class="grid-2">
              <${Field} id="cred-refresh-token" label="Refresh token" error=${fieldError('refresh_token')}>
                <input
                  id="cred-refresh-token"
                  type="password"
                  autocomplete="off"
                  value=${form.refresh_token}
                  onInput=${set('refresh_token')}
                  required
                />
              <//>
              <${Field}
                id="cred-scope"
                label="Scope (optional)"
                hint="Asked for on each refresh, space-separated"
                error=${fieldError('scope')}
              >
                <input
                  id="cred-scope"
                  value=${form.scope}
                  onInput=${set('scope')}
                  class="mono"
                  placeholder="calendar.read"
                />
              <//>
            </div>`
        : html`<${Field} id="cred-value" label="Secret" error=${fieldError('value')}>
            <input
              id="cred-value"
              type="password"
              autocomplete="off"
              value=${form.value}
              onInput=${set('value')}
              required
            />
          <//>`
    }
    ${
      type === 'custom_header' || type === 'api_key'
        ? html`<div class="grid-2">
            <${Field}
              id="cred-header"
              label="Header name"
              hint=${type === 'api_key' ? 'default X-API-Key' : ''}
              error=${fieldError('header_name')}
            >
              <input id="cred-header" value=${form.header_name} onInput=${set('header_name')} class="mono" />
            <//>
            ${
              type === 'api_key'
                ? html`<${Field} id="cred-query" label="or query parameter" error=${fieldError('query_param')}>
                    <input id="cred-query" value=${form.query_param} onInput=${set('query_param')} class="mono" />
                  <//>`
                : null
            }
          </div>`
        : null
    }
    <${Field}
      id="cred-hosts"
      label="Allowed hosts"
      hint=${
        type === 'oauth2'
          ? 'Where its access token may be sent (the API’s hosts; the token URL needs no entry), comma-separated: api.example.com, *.example.com; or * for any public host'
          : 'Where it may be sent, comma-separated: api.crm.example, *.crm.example; or * for any public host'
      }
      error=${fieldError('allowed_hosts')}
    >
      <input
        id="cred-hosts"
        value=${form.allowed_hosts}
        onInput=${set('allowed_hosts')}
        class="mono"
        placeholder="api.crm.example"
        required
      />
    <//> ${unplaced ? html`<${ErrorBox} error=${error} />` : null}
    <div class="form-actions">
      <button class="primary" type="submit" disabled=${busy}>
        ${busy ? 'Saving…' : again ? 'Store it again' : 'Store credential'}
      </button>
      ${
        again
          ? html`<button
              type="button"
              onClick=${() => {
                reset();
                onCancel();
              }}
            >
              Cancel
            </button>`
          : null
      }
    </div>
  </form>`;
}

/** What a test answered, in a line: OK with what it checked, or why not. */
function TestResult({ result }) {
  if (!result.ok) {
    return html`<div class="small field-error" role="status">${result.error ?? `HTTP ${result.status}`}</div>`;
  }
  const oauth2 = 'expires_at' in result;
  const checked = result.status
    ? ` · HTTP ${result.status} in ${result.latency_ms} ms`
    : oauth2
      ? ' · refreshed'
      : ' · it decrypts';
  return html`<div class="small ok" role="status">
    OK${checked}${
      oauth2
        ? result.expires_at
          ? html` · access token expires <${Time} value=${result.expires_at} />`
          : ' · the token endpoint gave no expiry'
        : ''
    }
  </div>`;
}

/** A URL that may wrap after its slashes (and nowhere else) in a narrow column. */
const breakable = (url) => url.split(/(?<=[^/]\/)(?!\/)/).flatMap((part, i) => (i ? [html`<wbr />`, part] : [part]));

/** An oauth2 credential's token URL, client ID and scope (its secrets are never shown). */
function OAuth2Facts({ credential }) {
  const fact = (label, value) => html`<dt class="muted">${label}</dt>
    <dd><code>${value}</code></dd>`;
  return html`<dl class="cred-oauth2 small">
    ${fact('token URL', breakable(credential.token_url ?? ''))} ${fact('client', credential.client_id)}
    ${credential.scope ? fact('scope', credential.scope) : null}
  </dl>`;
}

function CredentialRow({ credential, onChanged, onStoreAgain }) {
  const [result, setResult] = useState();
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const oauth2 = credential.credential_type === 'oauth2';
  const needsReauth = credential.status === 'needs_reauth';
  const test = async () => {
    setBusy(true);
    try {
      setResult(await post(`/v1/credentials/${credential.id}/test`, url.trim() ? { url: url.trim() } : {}));
    } catch (err) {
      setResult({ ok: false, error: err.message });
    } finally {
      setBusy(false);
    }
    // A refresh refused by the token endpoint makes it needs_reauth: show its status as it is now.
    if (oauth2) onChanged();
  };
  const remove = async () => {
    try {
      await api('DELETE', `/v1/credentials/${credential.id}`);
    } catch (err) {
      if (err.status !== 409) return setResult({ ok: false, error: err.message });
      const names = (err.details?.genies ?? []).map((g) => g.name).join(', ');
      if (!window.confirm(`${names} still use "${credential.name}". Delete it and remove it from them?`))
        return undefined;
      await api('DELETE', `/v1/credentials/${credential.id}?force=true`);
    }
    onChanged();
    return undefined;
  };
  const row = html`<tr class=${needsReauth ? 'has-note' : ''} data-credential=${credential.name}>
    <td>
      <code>${credential.name}</code>
      ${needsReauth ? html` <span class="badge status-needs_reauth" title="needs_reauth">Needs reconnecting</span>` : null}
    </td>
    <td>
      ${credential.credential_type}${credential.header_name ? html` <span class="muted small">${credential.header_name}</span>` : ''}
      ${oauth2 ? html`<${OAuth2Facts} credential=${credential} />` : null}
    </td>
    <td>
      ${credential.allowed_hosts.map((h) =>
        h === '*' ? html`<span class="tag">any public host</span>` : html`<code class="tag">${h}</code>`
      )}
      ${
        credential.warnings?.includes('no_allowed_hosts')
          ? html`<span class="warn small" role="note"
              >⚠ No allowed hosts: sent only where a genie names it, and cannot be tested. Store it again with
              the hosts it is for.</span
            >`
          : null
      }
    </td>
    <td class="mono nowrap">${credential.hint ? `…${credential.hint}` : '—'}</td>
    <td><${Time} value=${credential.last_used_at} /></td>
    <td class="actions">
      <input
        class="url small"
        placeholder="https://… (optional)"
        value=${url}
        onInput=${(e) => setUrl(e.currentTarget.value)}
        aria-label=${`URL to test ${credential.name} against`}
      />
      <button class="small" onClick=${test} disabled=${busy}>${busy ? 'Testing…' : 'Test'}</button>
      <button class="small danger" onClick=${remove}>Delete</button>
      ${result ? html`<${TestResult} result=${result} />` : null}
    </td>
  </tr>`;
  if (!needsReauth) return row;
  return html`${row}
    <tr class="cred-note" data-note-for=${credential.name}>
      <td colspan="6">
        <p class="warn small" role="note">
          ⚠ Its token endpoint refused the refresh token, so requests with <code>${credential.name}</code> fail
          until you store it again with a new one.
          <button class="small" onClick=${() => onStoreAgain(credential)}>Reconnect</button>
        </p>
      </td>
    </tr>`;
}

export function Credentials() {
  const { data, error, loading, reload } = useLoad(() => get('/v1/credentials'));
  const [again, setAgain] = useState();
  return html`<section>
    <div class="page-head">
      <div>
        <h1>Credentials</h1>
        <p class="muted">
          Secrets <code>web_fetch</code> adds to requests server-side; genies only ever see their names.
        </p>
      </div>
    </div>
    <${ErrorBox} error=${error} />
    ${
      loading && !data
        ? html`<${Loading} what="Loading credentials" />`
        : data?.items.length === 0
          ? html`<${EmptyState} title="No credentials"
              >Store an API key or token below, then let a genie use it by name.<//>`
          : html`<div class="table-wrap">
              <table class="list">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th>Hosts</th>
                    <th>Hint</th>
                    <th>Last used</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  ${data?.items.map(
                    (c) =>
                      html`<${CredentialRow}
                        key=${c.id}
                        credential=${c}
                        onChanged=${reload}
                        onStoreAgain=${(credential) => setAgain({ credential })}
                      />`
                  )}
                </tbody>
              </table>
            </div>`
    }
    <${AddCredential}
      again=${again}
      onCancel=${() => setAgain(undefined)}
      onAdded=${() => {
        setAgain(undefined);
        reload();
      }}
    />
  </section>`;
}
