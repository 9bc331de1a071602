import { useState } from 'preact/hooks';
import { api, get, post } from '../api.js';
import { EmptyState, ErrorBox, Field, html, Loading, Time, useLoad } from '../ui.js';

const TYPES = [
  ['bearer_token', 'Bearer token', 'sent as Authorization: Bearer …'],
  ['api_key', 'API key', 'in a header (default X-API-Key) or a query parameter'],
  ['basic_auth', 'Basic auth', 'user:password'],
  ['custom_header', 'Custom header', 'any header you name'],
];

function AddCredential({ onAdded }) {
  const [form, setForm] = useState({
    name: '',
    credential_type: 'bearer_token',
    value: '',
    header_name: '',
    query_param: '',
    allowed_hosts: '',
  });
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.value });
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body = {
      name: form.name.trim(),
      credential_type: form.credential_type,
      value: form.value,
      allowed_hosts: form.allowed_hosts
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
      ...(form.header_name.trim() ? { header_name: form.header_name.trim() } : {}),
      ...(form.query_param.trim() ? { query_param: form.query_param.trim() } : {}),
    };
    try {
      await post('/v1/credentials', body);
      setForm({ ...form, name: '', value: '', header_name: '', query_param: '', allowed_hosts: '' });
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (name) => error?.fieldMessage?.(name);
  const type = form.credential_type;
  return html`<form class="card stack" onSubmit=${submit}>
    <h2>Add a credential</h2>
    <p class="muted small">Stored encrypted; its value is never shown again, only a hint of its last characters.</p>
    <div class="grid-2">
      <${Field} id="cred-name" label="Name" hint="What genies use in credential_refs" error=${fieldError('name')}>
        <input id="cred-name" value=${form.name} onInput=${set('name')} class="mono" placeholder="crm" required />
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
    <${Field} id="cred-value" label="Secret" error=${fieldError('value')}>
      <input id="cred-value" type="password" autocomplete="off" value=${form.value} onInput=${set('value')} required />
    <//>
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
      hint="Where it may be sent, comma-separated: api.crm.example, *.crm.example; or * for any public host"
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
    <//> ${error && !Array.isArray(error.details) ? html`<${ErrorBox} error=${error} />` : null}
    <div class="form-actions">
      <button class="primary" type="submit" disabled=${busy}>${busy ? 'Saving…' : 'Store credential'}</button>
    </div>
  </form>`;
}

function CredentialRow({ credential, onChanged }) {
  const [result, setResult] = useState();
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const test = async () => {
    setBusy(true);
    try {
      setResult(await post(`/v1/credentials/${credential.id}/test`, url.trim() ? { url: url.trim() } : {}));
    } catch (err) {
      setResult({ ok: false, error: err.message });
    } finally {
      setBusy(false);
    }
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
  return html`<tr>
    <td><code>${credential.name}</code></td>
    <td>
      ${credential.credential_type}${credential.header_name ? html` <span class="muted small">${credential.header_name}</span>` : ''}
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
    <td class="mono">${credential.hint ? `…${credential.hint}` : '—'}</td>
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
      ${
        result
          ? html`<div class=${`small ${result.ok ? 'ok' : 'field-error'}`} role="status">
              ${result.ok ? `OK${result.status ? ` · HTTP ${result.status} in ${result.latency_ms} ms` : ' · it decrypts'}` : (result.error ?? `HTTP ${result.status}`)}
            </div>`
          : null
      }
    </td>
  </tr>`;
}

export function Credentials() {
  const { data, error, loading, reload } = useLoad(() => get('/v1/credentials'));
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
                  ${data?.items.map((c) => html`<${CredentialRow} key=${c.id} credential=${c} onChanged=${reload} />`)}
                </tbody>
              </table>
            </div>`
    }
    <${AddCredential} onAdded=${reload} />
  </section>`;
}
