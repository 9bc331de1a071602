// A genie's MCP servers: the form's section (add, remove, list a server's tools and choose which
// the genie may use, see which calls will wait for the owner) and how the genie page lists them.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { Field, html } from '../ui.js';

let lastKey = 0;
/** The API's default policy for a server that names none. */
const DEFAULT_POLICY = 'writes';

/** The form's servers from a genie's `mcp_servers` (each with a key of its own for the page). */
export function mcpEntries(servers = []) {
  return servers.map((server) => ({
    key: ++lastKey,
    name: server.name,
    url: server.url,
    credential: server.credential ?? '',
    approval: server.approval,
    allowed_tools: server.allowed_tools ? [...server.allowed_tools] : undefined,
  }));
}

/** The API's `mcp_servers` from the form's: no `allowed_tools` when every tool is allowed. */
export function toMcpServers(entries) {
  return entries.map((entry) => ({
    name: entry.name.trim(),
    url: entry.url.trim(),
    credential: entry.credential || null,
    approval: entry.approval,
    ...(entry.allowed_tools ? { allowed_tools: entry.allowed_tools } : {}),
  }));
}

/** The host of a server's URL, or the URL itself when it does not parse. */
export function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Does a call of a tool wait for the owner under the server's policy (or a rule naming it)? */
function waits(policy, tool, serverName, approvalRequired) {
  return (
    policy === 'always' ||
    (policy === 'writes' && !tool.read_only) ||
    approvalRequired.includes(`mcp__${serverName}__${tool.name}`)
  );
}

/** A server name (`^[a-z][a-z0-9_]{0,19}$`) made from what the server calls itself. */
function suggestedName(serverName) {
  const cleaned = serverName
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .slice(0, 20)
    .replace(/_+$/, '');
  return cleaned || 'server';
}

/** An API error's message in plain words, with what it says about each field. */
function errorText(error) {
  const fields = Array.isArray(error.details)
    ? error.details
        .filter((d) => d.message && !error.message.includes(d.message))
        .map((d) => `${d.field}: ${d.message}`)
    : [];
  return [error.message, ...fields].join(' — ');
}

/** The tools a server listed, each with a checkbox for the allow-list and what its calls will do. */
function ToolList({ entry, index, tools, onAllowed, approvalRequired }) {
  const listed = tools.map((tool) => tool.name);
  // Saved names the server no longer lists stay visible, so unchecking them is possible.
  const gone = (entry.allowed_tools ?? []).filter((name) => !listed.includes(name));
  const all = [...listed, ...gone];
  const allowed = (name) => !entry.allowed_tools || entry.allowed_tools.includes(name);
  const toggle = (name) => () => {
    const next = allowed(name)
      ? all.filter((n) => n !== name && allowed(n))
      : all.filter((n) => n === name || allowed(n));
    onAllowed(next.length === all.length ? undefined : next);
  };
  const chosen = all.filter(allowed).length;
  return html`<div class="mcp-tools-wrap">
    <p class="hint">
      ${
        entry.allowed_tools
          ? chosen === 0
            ? 'None checked: the genie gets none of this server’s tools.'
            : `The genie may use the ${chosen} checked of ${all.length} tools.`
          : 'All checked: the genie may use every tool the server lists, new ones too.'
      }
    </p>
    <ul class="mcp-tools">
      ${tools.map((tool) => {
        const wait = waits(entry.approval, tool, entry.name.trim(), approvalRequired);
        const id = `mcp-${index}-tool-${tool.name}`;
        const on = allowed(tool.name);
        return html`<li data-tool=${tool.name} class=${on ? '' : 'off'}>
          <div class="mcp-tool-head">
            <input type="checkbox" id=${id} checked=${on} onChange=${toggle(tool.name)} />
            <label for=${id}><code>${tool.name}</code></label>
            ${tool.read_only ? html`<span class="badge read-only" title="The server marks it read-only">read-only</span>` : null}
            <span class="mcp-approval">
              ${
                !on
                  ? html`<span class="muted small">not allowed</span>`
                  : wait
                    ? html`<span class="badge waits" title="Each call waits until you approve it">waits for approval</span>`
                    : html`<span class="muted small">runs without asking</span>`
              }
            </span>
          </div>
          ${tool.description ? html`<p class="muted small mcp-tool-description">${tool.description}</p>` : null}
        </li>`;
      })}
      ${gone.map(
        (name) =>
          html`<li data-tool=${name} class="gone">
            <div class="mcp-tool-head">
              <input type="checkbox" id=${`mcp-${index}-tool-${name}`} checked onChange=${toggle(name)} />
              <label for=${`mcp-${index}-tool-${name}`}><code>${name}</code></label>
              <span class="muted small">allowed, but the server no longer lists it</span>
            </div>
          </li>`
      )}
    </ul>
  </div>`;
}

/** One server of the form: its fields, its tools once listed, and what went wrong. */
function McpServerEditor({ entry, index, update, onRemove, credentials, policies, approvalRequired, fieldError }) {
  const [inspection, setInspection] = useState();
  const [inspectError, setInspectError] = useState();
  const [busy, setBusy] = useState(false);
  const field = (name) => fieldError(`mcp_servers.${index}.${name}`);
  const set = (name) => (event) => {
    const value = event.currentTarget.value;
    update(() => ({ [name]: value }));
    // Another server (or another key for it) may list other tools.
    if (name === 'url' || name === 'credential') {
      setInspection(undefined);
      setInspectError(undefined);
    }
  };
  const listTools = async () => {
    setBusy(true);
    setInspectError(undefined);
    try {
      const found = await post('/v1/mcp-servers/inspect', {
        url: entry.url.trim(),
        ...(entry.credential ? { credential: entry.credential } : {}),
      });
      setInspection(found);
      update((now) => (now.name.trim() ? {} : { name: suggestedName(found.server.name) }));
    } catch (err) {
      setInspection(undefined);
      setInspectError(err);
    } finally {
      setBusy(false);
    }
  };
  const id = (name) => `mcp-${index}-${name}`;
  return html`<div class="mcp-server" data-server=${index}>
    <div class="mcp-server-head">
      <strong>${entry.name.trim() || `Server ${index + 1}`}</strong>
      ${entry.url ? html`<span class="muted small mono">${hostOf(entry.url.trim())}</span>` : null}
      <button type="button" class="link small danger" onClick=${onRemove}>Remove</button>
    </div>
    <${Field}
      id=${id('url')}
      label="URL"
      hint="A Model Context Protocol server (Streamable HTTP) at a public address."
      error=${field('url')}
    >
      <input
        id=${id('url')}
        type="url"
        value=${entry.url}
        onInput=${set('url')}
        class="mono"
        placeholder="https://mcp.example.com/mcp"
      />
    <//>
    <div class="grid-2">
      <${Field}
        id=${id('name')}
        label="Name"
        hint=${`Lower-case letters, digits and _; the genie sees its tools as mcp__${entry.name.trim() || 'name'}__tool.`}
        error=${field('name')}
      >
        <input
          id=${id('name')}
          value=${entry.name}
          onInput=${set('name')}
          class="mono"
          maxlength="20"
          placeholder="linear"
          autocomplete="off"
        />
      <//>
      <${Field}
        id=${id('credential')}
        label="Credential"
        hint="Sent on every request to the server; its allowed hosts must name the server’s host."
        error=${field('credential')}
      >
        <select id=${id('credential')} value=${entry.credential} onChange=${set('credential')}>
          <option value="">none</option>
          ${credentials.map(
            (c) =>
              html`<option value=${c.name}>${c.name}${c.allowed_hosts.length ? ` (${c.allowed_hosts.join(', ')})` : ''}</option>`
          )}
          ${
            entry.credential && !credentials.some((c) => c.name === entry.credential)
              ? html`<option value=${entry.credential}>${entry.credential} (not found)</option>`
              : null
          }
        </select>
      <//>
    </div>
    <${Field} id=${id('approval')} label="Approval policy" error=${field('approval')}>
      <select id=${id('approval')} value=${entry.approval} onChange=${set('approval')}>
        ${policies.map(({ name, summary }) => html`<option value=${name}>${name}: ${summary}</option>`)}
      </select>
    <//>
    <div class="mcp-inspect">
      <button type="button" onClick=${listTools} disabled=${busy || !entry.url.trim()}>
        ${busy ? 'Listing…' : inspection ? 'List tools again' : 'List tools'}
      </button>
      ${
        inspection
          ? html`<span class="small" data-inspected
              ><strong>${inspection.server.name}</strong> ${inspection.server.version}
              <span class="muted"> · MCP ${inspection.protocol_version} · ${inspection.tools.length} tools</span></span
            >`
          : null
      }
    </div>
    ${inspectError ? html`<p class="field-error" role="alert" data-inspect-error>${errorText(inspectError)}</p>` : null}
    ${
      inspection
        ? html`<${ToolList}
            entry=${entry}
            index=${index}
            tools=${inspection.tools}
            approvalRequired=${approvalRequired}
            onAllowed=${(allowed_tools) => update(() => ({ allowed_tools }))}
          />`
        : html`<p class="hint">
            Allowed tools:
            ${entry.allowed_tools ? (entry.allowed_tools.length ? entry.allowed_tools.map((t) => html` <code class="tag">${t}</code>`) : ' none') : ' all the server lists'}.
            List the tools to choose.
          </p>`
    }
    ${field('allowed_tools') ? html`<p class="field-error">${field('allowed_tools')}</p>` : null}
  </div>`;
}

/**
 * The form's "MCP servers" section. `servers` are the form's entries (mcpEntries), changed with
 * `onChange(servers => servers)`; `credentials` are the owner's, `policies` the catalogue's
 * `mcp_approval`, `error` the last save's ApiError.
 */
export function McpServers({ servers, onChange, credentials, policies, approvalRequired, error }) {
  const fieldError = (name) => error?.fieldMessage?.(name);
  const whole = Array.isArray(error?.details)
    ? error.details.find((d) => d.field === 'mcp_servers')?.message
    : undefined;
  const add = () =>
    onChange((list) => [
      ...list,
      { key: ++lastKey, name: '', url: '', credential: '', approval: DEFAULT_POLICY, allowed_tools: undefined },
    ]);
  return html`<fieldset class="mcp-servers">
    <legend>MCP servers</legend>
    <p class="hint">
      Tools from Model Context Protocol servers (an issue tracker, a CRM…). The genie gets the tools you allow; the
      approval policy says which of their calls wait for you.
    </p>
    ${whole ? html`<p class="field-error">${whole}</p>` : null}
    ${servers.map(
      (entry, index) =>
        html`<${McpServerEditor}
          key=${entry.key}
          entry=${entry}
          index=${index}
          credentials=${credentials}
          policies=${policies}
          approvalRequired=${approvalRequired}
          fieldError=${fieldError}
          update=${(change) => onChange((list) => list.map((s) => (s.key === entry.key ? { ...s, ...change(s) } : s)))}
          onRemove=${() => onChange((list) => list.filter((s) => s.key !== entry.key))}
        />`
    )}
    <button type="button" class="small" onClick=${add}>Add an MCP server</button>
  </fieldset>`;
}

/** The genie page's list of its MCP servers: name, host, credential, approval, allowed tools. */
export function McpServerFacts({ servers }) {
  if (!servers?.length) return html`<span class="muted">none</span>`;
  return html`<ul class="mcp-facts">
    ${servers.map(
      (server) =>
        html`<li data-server=${server.name}>
          <code class="strong">${server.name}</code>
          <div class="muted mono small" title=${server.url}>${hostOf(server.url)}</div>
          <div class="small">
            ${server.credential ? html`credential <code>${server.credential}</code>` : html`<span class="muted">no credential</span>`}
          </div>
          <div class="small">approval <strong>${server.approval}</strong></div>
          <div class="small">
            ${
              server.allowed_tools
                ? server.allowed_tools.length
                  ? server.allowed_tools.map((t) => html`<code class="tag">${t}</code>`)
                  : html`<span class="muted">no tools allowed</span>`
                : html`<span class="muted">all its tools</span>`
            }
          </div>
        </li>`
    )}
  </ul>`;
}
