import { useState } from 'preact/hooks';
import { del, get, post } from '../api.js';
import {
  BudgetBar,
  EmptyState,
  ErrorBox,
  go,
  html,
  Json,
  Link,
  Loading,
  StatusBadge,
  Time,
  Cost,
  duration,
  timeSpan,
  tokens,
  usd,
  useLoad,
} from '../ui.js';
import { genieNames } from './genie-form.js';
import { triggerSummary } from './genies.js';
import { McpServerFacts } from './mcp-servers.js';
import { GenieEvals } from './eval.js';

export function RunRows({ runs, showGenie = false, genieNames = {} }) {
  return html`<div class="table-wrap">
    <table class="list">
      <thead>
        <tr>
          <th>Status</th>
          ${showGenie ? html`<th>Genie</th>` : null}
          <th>Trigger</th>
          <th>Started</th>
          <th>Duration</th>
          <th class="num">Turns</th>
          <th class="num">Tokens</th>
          <th class="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (run) =>
            html`<tr class="clickable" onClick=${() => go(`/runs/${run.id}`)}>
              <td>
                <${Link} to=${`/runs/${run.id}`} class="plain"><${StatusBadge} status=${run.status} /><//>
              </td>
              ${showGenie ? html`<td>${genieNames[run.genie_id] ?? html`<span class="muted mono">${run.genie_id.slice(0, 8)}</span>`}</td>` : null}
              <td>${run.trigger_type}</td>
              <td><${Time} value=${run.started_at ?? run.created_at} /></td>
              <td>${duration(run.duration_ms)}</td>
              <td class="num">${run.turns}</td>
              <td class="num">${tokens(run.usage).toLocaleString()}</td>
              <td class="num" data-cost><${Cost} value=${run.cost_usd} empty="—" /></td>
            </tr>`
        )}
      </tbody>
    </table>
  </div>`;
}

function RunNow({ genie }) {
  const [input, setInput] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState();
  const run = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      let value = input.trim();
      try {
        if (/^[[{]/.test(value)) value = JSON.parse(value);
      } catch {
        // not JSON: send it as text
      }
      const started = await post(`/v1/worker-genies/${genie.id}/run`, value === '' ? {} : { input: value });
      go(`/runs/${started.run_id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<form class="card run-now" onSubmit=${run}>
    <label for="run-input"
      ><strong>Run now</strong> <span class="muted small">with an optional input (text or JSON)</span></label
    >
    <textarea
      id="run-input"
      rows="2"
      value=${input}
      onInput=${(e) => setInput(e.currentTarget.value)}
      placeholder=${genie.trigger_type === 'event' ? '{"name": "Ada", "company": "Acme"}' : 'Anything the genie should know for this run'}
    ></textarea>
    <${ErrorBox} error=${error} />
    <button class="primary" type="submit" disabled=${busy || !genie.enabled}>
      ${busy ? 'Starting…' : genie.enabled ? 'Run now' : 'Enable it to run'}
    </button>
  </form>`;
}

function Memory({ genie }) {
  const { data, error, loading } = useLoad(() => get(`/v1/worker-genies/${genie.id}/memory`), [genie.id]);
  if (loading) return html`<${Loading} what="Loading memory" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (data.items.length === 0) {
    return html`<${EmptyState} title="Nothing remembered yet"
      >With <code>memory_write</code>, a genie keeps what it learns between runs; it shows up here.<//>`;
  }
  return html`<div class="table-wrap">
    <table class="list">
      <thead>
        <tr>
          <th>Key</th>
          <th>Scope</th>
          <th>Value</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        ${data.items.map(
          (entry) =>
            html`<tr>
              <td class="mono">${entry.key}</td>
              <td>${entry.scope}</td>
              <td><${Json} value=${entry.value} /></td>
              <td>
                <${Time}
                  value=${entry.updated_at}
                />${entry.expires_at ? html`<div class="muted small">expires <${Time} value=${entry.expires_at} /></div>` : null}
              </td>
            </tr>`
        )}
      </tbody>
    </table>
  </div>`;
}

/** Replaces the webhook signing secret and shows the new one, once. */
function RotateWebhookSecret({ genie }) {
  const [secret, setSecret] = useState();
  const [error, setError] = useState();
  const rotate = async () => {
    if (!window.confirm('Replace the webhook secret? Deliveries are signed with the new one at once.')) return;
    setError(undefined);
    try {
      setSecret((await post(`/v1/worker-genies/${genie.id}/rotate-webhook-secret`)).webhook_secret);
    } catch (err) {
      setError(err);
    }
  };
  return html`<div>
    <${ErrorBox} error=${error} />
    ${
      secret
        ? html`<div class="secret-once" role="status">
            <p class="small">The new secret, shown this once:</p>
            <code class="mono" data-secret>${secret}</code>
          </div>`
        : html`<button class="link small" onClick=${rotate}>Rotate secret</button>`
    }
  </div>`;
}

/** The genies this one may ask, each a link to its page by name (a deleted one said to be). */
function DelegateLinks({ ids }) {
  const { data, error, loading } = useLoad(
    () => (ids.length ? genieNames(ids) : Promise.resolve(null)),
    [ids.join(',')]
  );
  if (!ids.length) return html`<span class="muted">none</span>`;
  if (loading) return html`<span class="muted">…</span>`;
  if (error) return html`<span class="muted mono">${ids.map((id) => id.slice(0, 8)).join(', ')}</span>`;
  return html`<ul class="delegate-facts">
    ${ids.map((id) =>
      data.names[id] === null
        ? html`<li data-delegate=${id}>
            <span class="muted" title=${`No genie has the id ${id} any more: edit this genie to untick it`}
              >(deleted genie)</span
            >
          </li>`
        : html`<li data-delegate=${id}><${Link} to=${`/genies/${id}`}>${data.names[id]}<//></li>`
    )}
  </ul>`;
}

/** Claude's web search as the genie has it: off, or on with the domains and searches it may make. */
function WebSearchFacts({ genie }) {
  if (!genie.server_tools?.includes('web_search')) return html`<span class="muted">off</span>`;
  const options = genie.web_search ?? {};
  return html`<div>on</div>
    ${
      options.allowed_domains
        ? html`<div class="small">only ${options.allowed_domains.map((d) => html`<code class="tag">${d}</code>`)}</div>`
        : null
    }
    ${
      options.blocked_domains
        ? html`<div class="small">never ${options.blocked_domains.map((d) => html`<code class="tag">${d}</code>`)}</div>`
        : null
    }
    ${
      options.max_uses
        ? html`<div class="muted small">at most ${options.max_uses} search${options.max_uses === 1 ? '' : 'es'} per call</div>`
        : null
    }`;
}

const hasBudget = (genie) => genie.monthly_budget_usd !== null && genie.monthly_budget_usd !== undefined;

/** The genie's monthly budget: this month's spend against it, and where to change it. */
function GenieBudget({ genie }) {
  return html`<div class="card genie-budget" data-budget>
    <div class="card-head">
      <h2>Monthly budget</h2>
      <${Link} to=${`/genies/${genie.id}/edit`} class="small">Change<//>
    </div>
    <${BudgetBar} spent=${genie.spend?.month_usd ?? 0} budget=${genie.monthly_budget_usd} whose="its runs" />
  </div>`;
}

const TABS = ['runs', 'evals', 'memory', 'prompt'];

/** A genie's page; `tab` (from `?tab=`) opens one of its tabs. */
export function GeniePage({ id, tab: initialTab }) {
  const { data: genie, error, loading } = useLoad(() => get(`/v1/worker-genies/${id}`), [id]);
  const [tab, setTab] = useState(TABS.includes(initialTab) ? initialTab : 'runs');
  const [deleting, setDeleting] = useState(false);
  const remove = async () => {
    if (!window.confirm(`Delete "${genie.name}" with its schedule, run history and memory?`)) return;
    setDeleting(true);
    await del(`/v1/worker-genies/${id}`);
    go('/genies');
  };
  if (loading) return html`<${Loading} what="Loading the genie" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  return html`<section>
    <p class="crumbs"><${Link} to="/genies">Genies<//></p>
    <div class="page-head">
      <div>
        <h1>
          ${genie.name} ${genie.enabled ? null : html`<span class="badge status-cancelled">Disabled</span>`}
          ${
            genie.model_mode === 'batch'
              ? html` <span class="badge mode-batch" title="Its model calls go through the Message Batches API: half price, slower"
                  >Batch mode</span
                >`
              : null
          }
        </h1>
        <p class="muted">${genie.description || triggerSummary(genie)}</p>
      </div>
      <div class="buttons">
        <${Link} class="button" to=${`/genies/${id}/try`} title="Try a change against its past runs before you save it"
          >Try a change<//
        >
        <button onClick=${() => go(`/genies/${id}/edit`)}>Edit</button>
        <button class="danger" onClick=${remove} disabled=${deleting}>Delete</button>
      </div>
    </div>
    <div class="columns">
      <div class="main-col">
        <div class="tabs" role="tablist">
          ${[
            ['runs', `Runs (${genie.recent_runs.length}${genie.recent_runs.length === 10 ? '+' : ''})`],
            ['evals', 'Evals'],
            ['memory', 'Memory'],
            ['prompt', 'Soul prompt'],
          ].map(
            ([name, label]) =>
              html`<button role="tab"
                aria-selected=${tab === name}
                class=${tab === name ? 'active' : ''}
                onClick=${() => setTab(name)}
              >
                ${label}
              </button>`
          )}
        </div>
        ${
          tab === 'runs'
            ? genie.recent_runs.length
              ? html`<${RunRows} runs=${genie.recent_runs} />
                  <p class="small"><${Link} to=${`/runs?genie=${genie.id}`}>All runs of this genie<//></p>`
              : html`<${EmptyState} title="No runs yet"
                  >Start one with <em>Run now</em>; you can watch its steps arrive live.<//>`
            : null
        }
        ${tab === 'evals' ? html`<${GenieEvals} genie=${genie} />` : null}
        ${tab === 'memory' ? html`<${Memory} genie=${genie} />` : null}
        ${tab === 'prompt' ? html`<pre class="prompt">${genie.soul_prompt}</pre>` : null}
      </div>
      <aside class="side-col">
        <${RunNow} genie=${genie} />
        ${hasBudget(genie) ? html`<${GenieBudget} genie=${genie} />` : null}
        <div class="card facts">
          <dl>
            <dt>Spend</dt>
            <dd data-spend title="What its runs' Claude calls cost, by UTC day and month">
              ${
                genie.spend
                  ? html`<div><strong class="spend-today">${usd(genie.spend.today_usd)}</strong> today</div>
                      <div><span class="spend-month">${usd(genie.spend.month_usd)}</span> this month</div>`
                  : html`<span class="muted">—</span>`
              }
            </dd>
            ${
              hasBudget(genie)
                ? null
                : html`<dt>Monthly budget</dt>
                    <dd data-budget><span class="muted">none</span></dd>`
            }
            <dt>Trigger</dt>
            <dd>${triggerSummary(genie)}</dd>
            ${
              genie.next_run_times?.length
                ? html`<dt>Next runs</dt>
                    <dd>${genie.next_run_times.slice(0, 3).map((t) => html`<div><${Time} value=${t} /></div>`)}</dd>`
                : null
            }
            ${
              genie.schedule_status
                ? html`<dt>Schedule</dt>
                    <dd>${genie.schedule_status}</dd>`
                : null
            }
            <dt>Tools</dt>
            <dd>
              ${genie.tools.length ? genie.tools.map((t) => html`<code class="tag">${t}</code>`) : html`<span class="muted">none</span>`}
            </dd>
            <dt>Credentials</dt>
            <dd>
              ${genie.credential_refs.length ? genie.credential_refs.map((c) => html`<code class="tag">${c}</code>`) : html`<span class="muted">none</span>`}
            </dd>
            <dt>MCP servers</dt>
            <dd><${McpServerFacts} servers=${genie.mcp_servers} /></dd>
            <dt>Can ask</dt>
            <dd data-delegates title="Genies it can ask to do tasks (ask_genie); each answer is a run of its own">
              <${DelegateLinks} ids=${genie.delegates ?? []} />
            </dd>
            <dt>Web search</dt>
            <dd data-web-search><${WebSearchFacts} genie=${genie} /></dd>
            <dt>Approval</dt>
            <dd>
              ${genie.approval_required.length ? html`${genie.approval_required.map((r) => html`<code class="tag">${r}</code>`)}<div class="muted small">expires after ${timeSpan(genie.approval_timeout_seconds)}</div>` : html`<span class="muted">never asked</span>`}
            </dd>
            <dt>Webhook</dt>
            <dd>
              ${genie.webhook_url ? html`<div class="mono small approval-url">${genie.webhook_url}</div>${genie.webhook_events.map((e) => html`<code class="tag">${e}</code>`)}<${RotateWebhookSecret} genie=${genie} />` : html`<span class="muted">none</span>`}
            </dd>
            <dt>Model</dt>
            <dd>
              <span class="mono">${genie.model ?? 'platform default'}</span>
              ${
                genie.model_mode === 'batch'
                  ? html`<div class="small" data-model-mode="batch">
                      Batch mode <span class="muted">· half price, turns can take minutes to hours</span>
                    </div>`
                  : null
              }
            </dd>
            <dt>Thinking</dt>
            <dd data-thinking>
              ${
                genie.thinking_budget_tokens
                  ? html`<span title="Claude's extended thinking, on every model call"
                      >${genie.thinking_budget_tokens.toLocaleString()} tokens</span
                    >`
                  : html`<span class="muted">off</span>`
              }
            </dd>
            <dt>Limits</dt>
            <dd>
              ${`${genie.max_turns} turns`}${genie.max_tokens_per_run ? `, ${genie.max_tokens_per_run.toLocaleString()} tokens` : ''}
            </dd>
            <dt>Cost cap</dt>
            <dd data-cost-cap>
              ${
                genie.max_cost_per_run_usd === null || genie.max_cost_per_run_usd === undefined
                  ? html`<span class="muted">none</span>`
                  : html`<span title="A run stops (budget exceeded) once its Claude calls cost this much"
                      >${usd(genie.max_cost_per_run_usd)} per run</span
                    >`
              }
            </dd>
            <dt>Version</dt>
            <dd title="Each change makes a new version; a run keeps the version it started with">${genie.version}</dd>
            <dt>Created</dt>
            <dd><${Time} value=${genie.created_at} /></dd>
          </dl>
        </div>
      </aside>
    </div>
  </section>`;
}
