import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, get, patch, post } from '../api.js';
import { useCatalogue } from '../catalogue.js';
import { ErrorBox, Field, go, html, Link, Loading, timeSpan, usd, useLoad } from '../ui.js';
import { mcpEntries, McpServers, toMcpServers } from './mcp-servers.js';

const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
/** The fields under "Limits and model": that section opens when one of them is set or refused. */
const LIMIT_FIELDS = [
  'model',
  'model_mode',
  'max_turns',
  'max_tokens_per_run',
  'max_cost_per_run_usd',
  'monthly_budget_usd',
];
/** How the genie's model calls are made (`model_mode`), as the select offers them. */
const MODEL_MODES = [
  ['realtime', 'Realtime'],
  ['batch', 'Batch — half price, replies can take minutes to hours'],
];
/** A money field's text as the API takes it: a number, or null for empty. */
const money = (value) => (String(value).trim() === '' ? null : Number(value));
/** How many genies one may ask (`delegates`), as the API allows. */
const MAX_DELEGATES = 10;
/** The thinking budget a genie gets when extended thinking is turned on in the form. */
const THINKING_SUGGESTED = 4096;
/** web_search's `max_uses` bounds, as the API allows. */
const MAX_USES = { min: 1, max: 50 };
/** The domains a list field holds (one a line), as the API takes them. */
const domainLines = (text) => text.split(/\s+/).filter(Boolean);
/** A whole number as people read it: "100,000". */
const count = (value) => value.toLocaleString('en-US');

/**
 * The owner's genies (the first 100 of GET /v1/worker-genies) and the name of each of `ids`: looked
 * up one by one when the list was not all of them; null for a genie that no longer exists.
 */
export async function genieNames(ids) {
  const list = await get('/v1/worker-genies?limit=100');
  const names = Object.fromEntries(list.items.map((genie) => [genie.id, genie.name]));
  const missing = ids.filter((id) => !(id in names));
  const nameOf = (id) =>
    get(`/v1/worker-genies/${id}`).then(
      (genie) => genie.name,
      (err) => (err.status === 404 ? null : Promise.reject(err))
    );
  const found = list.next_cursor ? await Promise.all(missing.map(nameOf)) : missing.map(() => null);
  missing.forEach((id, index) => {
    names[id] = found[index];
  });
  return { genies: list.items, names };
}

/** What a model costs here, in a few words (its price from GET /v1/models), or that it has none. */
export function modelPriceHint(models, model, mode) {
  if (!models) return model.trim() ? null : 'Empty: the platform default';
  const id = model.trim() || models.default_model;
  const price = models.items.find((item) => item.id === id);
  const what = model.trim() ? '' : `Empty: the platform default, ${id}. `;
  if (!price) {
    return `${what}No price here (GET /v1/models): its runs are not costed and cannot have a cost cap or a monthly budget.`;
  }
  const number = (value) => `$${value.toLocaleString('en-US', { maximumFractionDigits: 4 })}`;
  const batch =
    mode === 'batch' && price.batch_discount ? `, ${Math.round(price.batch_discount * 100)} % less in batch mode` : '';
  return `${what}${number(price.input_usd_per_mtok)} in, ${number(price.output_usd_per_mtok)} out per million tokens${batch}`;
}

/**
 * What the form offers, from the server's catalogue (GET /v1/catalogue): the tools, the approval
 * gates (a whole tool, or web_fetch with one method), the webhook events, the overlap policies, the
 * MCP approval policies, the field limits, and a new genie's state from the genie defaults.
 */
function formCatalogue(catalogue) {
  const defaults = catalogue.genie_defaults;
  const schedule = catalogue.schedule_defaults;
  return {
    tools: catalogue.tools.map(({ name, summary }) => [name, name, summary]),
    gates: catalogue.approval_gates.map(({ rule, tool, method }) => [
      rule,
      method ? `${tool} ${method}` : `${tool} (every call)`,
    ]),
    webhookEvents: catalogue.webhook_events.map((name) => [name, name]),
    overlap: catalogue.schedule_overlap,
    mcpApproval: catalogue.mcp_approval,
    limits: catalogue.genie_limits,
    blank: {
      name: '',
      description: defaults.description,
      soul_prompt: '',
      trigger_type: defaults.trigger_type,
      scheduleMode: 'cron',
      cron: '0 9 * * 1-5',
      interval_seconds: '3600',
      timezone: schedule.timezone,
      overlap: schedule.overlap,
      paused: schedule.paused,
      event_types: '',
      tools: defaults.tools,
      credential_refs: defaults.credential_refs,
      model: '',
      max_turns: String(defaults.max_turns),
      max_tokens_per_run: '',
      max_cost_per_run_usd: '',
      monthly_budget_usd: '',
      model_mode: defaults.model_mode ?? 'realtime',
      max_concurrent_runs: String(defaults.max_concurrent_runs),
      approval_required: defaults.approval_required,
      approval_timeout_minutes: String(Math.round(defaults.approval_timeout_seconds / 60)),
      webhook_url: '',
      webhook_events: defaults.webhook_events,
      enabled: defaults.enabled,
      mcp_servers: mcpEntries(defaults.mcp_servers),
      delegates: defaults.delegates ?? [],
      thinking: false,
      thinking_budget_tokens: String(THINKING_SUGGESTED),
      web_search: false,
      allowed_domains: '',
      blocked_domains: '',
      max_uses: '',
    },
  };
}

/** The form's state from a genie as the API returns it. */
function fromGenie(genie, blank) {
  const s = genie.schedule ?? {};
  return {
    ...blank,
    ...genie,
    scheduleMode: s.interval_seconds ? 'interval' : 'cron',
    cron: s.cron ?? blank.cron,
    interval_seconds: String(s.interval_seconds ?? blank.interval_seconds),
    timezone: s.timezone ?? blank.timezone,
    overlap: s.overlap ?? blank.overlap,
    paused: s.paused ?? blank.paused,
    event_types: genie.event_types.join(', '),
    model: genie.model ?? '',
    max_turns: String(genie.max_turns),
    max_tokens_per_run: genie.max_tokens_per_run ? String(genie.max_tokens_per_run) : '',
    max_cost_per_run_usd: genie.max_cost_per_run_usd === null ? '' : String(genie.max_cost_per_run_usd ?? ''),
    monthly_budget_usd: genie.monthly_budget_usd === null ? '' : String(genie.monthly_budget_usd ?? ''),
    model_mode: genie.model_mode ?? 'realtime',
    max_concurrent_runs: String(genie.max_concurrent_runs),
    approval_timeout_minutes: String(Math.round(genie.approval_timeout_seconds / 60)),
    webhook_url: genie.webhook_url ?? '',
    mcp_servers: mcpEntries(genie.mcp_servers),
    delegates: genie.delegates ?? [],
    thinking: Boolean(genie.thinking_budget_tokens),
    thinking_budget_tokens: String(genie.thinking_budget_tokens ?? THINKING_SUGGESTED),
    web_search: (genie.server_tools ?? []).includes('web_search'),
    allowed_domains: (genie.web_search?.allowed_domains ?? []).join('\n'),
    blocked_domains: (genie.web_search?.blocked_domains ?? []).join('\n'),
    max_uses: genie.web_search?.max_uses ? String(genie.web_search.max_uses) : '',
  };
}

/** web_search's options from the form's state: only those given, null for none. */
function toWebSearch(form) {
  const allowed = domainLines(form.allowed_domains);
  const blocked = domainLines(form.blocked_domains);
  const options = {
    ...(allowed.length ? { allowed_domains: allowed } : {}),
    ...(blocked.length ? { blocked_domains: blocked } : {}),
    ...(form.max_uses.trim() ? { max_uses: Number(form.max_uses) } : {}),
  };
  return Object.keys(options).length ? options : null;
}

/**
 * What the form refuses before saving, as the API's details say it: a thinking budget out of
 * bounds, both lists of domains, searches per call out of bounds.
 */
function formProblems(form, limits) {
  const problems = [];
  if (form.thinking) {
    const budget = Number(form.thinking_budget_tokens);
    const { min, max } = limits.thinking_budget_tokens;
    const message =
      form.thinking_budget_tokens.trim() === '' || !Number.isInteger(budget)
        ? `must be a whole number of tokens, ${count(min)} to ${count(max)}`
        : budget < min
          ? `must be at least ${count(min)} tokens: Claude thinks with no less`
          : budget > max
            ? `must be at most ${count(max)} tokens`
            : null;
    if (message) problems.push({ field: 'thinking_budget_tokens', message });
  }
  if (form.web_search) {
    if (domainLines(form.allowed_domains).length && domainLines(form.blocked_domains).length) {
      problems.push({
        field: 'web_search.blocked_domains',
        message: 'give only these domains or never these domains, not both',
      });
    }
    const uses = Number(form.max_uses);
    if (form.max_uses.trim() && (!Number.isInteger(uses) || uses < MAX_USES.min || uses > MAX_USES.max)) {
      problems.push({
        field: 'web_search.max_uses',
        message: `must be a whole number, ${MAX_USES.min} to ${MAX_USES.max}`,
      });
    }
  }
  return problems;
}

/** The API's genie fields from the form's state. */
function toGenie(form) {
  const schedule =
    form.trigger_type === 'schedule'
      ? {
          ...(form.scheduleMode === 'cron'
            ? { cron: form.cron.trim() }
            : { interval_seconds: Number(form.interval_seconds) }),
          ...(form.scheduleMode === 'cron' ? { timezone: form.timezone } : {}),
          overlap: form.overlap,
          paused: form.paused,
        }
      : null;
  return {
    name: form.name,
    description: form.description,
    soul_prompt: form.soul_prompt,
    trigger_type: form.trigger_type,
    schedule,
    event_types:
      form.trigger_type === 'event'
        ? form.event_types
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : [],
    tools: form.tools,
    credential_refs: form.credential_refs,
    model: form.model.trim() || null,
    max_turns: Number(form.max_turns),
    max_tokens_per_run: form.max_tokens_per_run ? Number(form.max_tokens_per_run) : null,
    max_cost_per_run_usd: money(form.max_cost_per_run_usd),
    monthly_budget_usd: money(form.monthly_budget_usd),
    model_mode: form.model_mode,
    max_concurrent_runs: Number(form.max_concurrent_runs),
    approval_required: form.approval_required,
    approval_timeout_seconds: Math.round(Number(form.approval_timeout_minutes) * 60),
    webhook_url: form.webhook_url.trim() || null,
    webhook_events: form.webhook_events,
    mcp_servers: toMcpServers(form.mcp_servers),
    delegates: form.delegates,
    thinking_budget_tokens: form.thinking ? Number(form.thinking_budget_tokens) : null,
    server_tools: form.web_search ? ['web_search'] : [],
    web_search: form.web_search ? toWebSearch(form) : null,
    enabled: form.enabled,
  };
}

/**
 * A list field as checkboxes: `options` are [value, label, hint?]; the API's message about the
 * field (or one of its items) shows above them.
 */
function Checks({ field, options, form, toggleIn, error }) {
  const message = error?.fieldMessage?.(field);
  return html`${message ? html`<p class="field-error">${message}</p>` : null}
    <div class="checks">
      ${options.map(
        ([value, label, hint]) =>
          html`<label class="check">
            <input type="checkbox" checked=${form[field].includes(value)} onChange=${toggleIn(field, value)} />
            <code>${label}</code>${hint ? html` <span class="muted small">${hint}</span>` : null}
          </label>`
      )}
    </div>`;
}

/**
 * The genies this one may ask (`delegates`): the owner's other genies as checkboxes, by name. A
 * saved delegate that no longer exists is listed as a deleted genie, to be unticked (the API refuses it).
 */
function Delegates({ selfId, saved, form, toggleIn, error }) {
  const others = useLoad(() => genieNames(saved));
  const message = error?.fieldMessage?.('delegates');
  const full = form.delegates.length >= MAX_DELEGATES;
  const listed = (others.data?.genies ?? [])
    .filter((genie) => genie.id !== selfId)
    .sort((a, b) => a.name.localeCompare(b.name));
  // Saved ones not listed (deleted) stay, unticked or not, so that unticking one can be undone.
  const unlisted = [...new Set([...saved, ...form.delegates])].filter(
    (id) => id !== selfId && !listed.some((genie) => genie.id === id)
  );
  const check = (id, label, hint) => {
    const on = form.delegates.includes(id);
    return html`<label class=${`check${others.data?.names[id] === null ? ' gone' : ''}`} data-delegate=${id}>
      <input
        type="checkbox"
        id=${`delegate-${id}`}
        checked=${on}
        disabled=${full && !on}
        onChange=${toggleIn('delegates', id)}
        aria-describedby=${message ? 'delegates-error' : undefined}
      />
      <span class="delegate-name">${label}</span>
      ${hint ? html`<span class="muted small delegate-hint">${hint}</span>` : null}
    </label>`;
  };
  return html`<fieldset class="delegates">
    <legend>Genies it can ask</legend>
    <p class="hint">This genie can ask these genies to do tasks (ask_genie); each answer is a run of its own.</p>
    ${message ? html`<p class="field-error" id="delegates-error">${message}</p>` : null}
    ${others.error ? html`<${ErrorBox} error=${others.error} />` : null}
    ${others.loading ? html`<${Loading} what="Loading your genies" />` : null}
    ${
      others.data && !listed.length && !unlisted.length
        ? html`<p class="muted small">
            No other genies yet. Once you have some, this genie can ask them to do tasks.
          </p>`
        : null
    }
    ${
      others.data && (listed.length || unlisted.length)
        ? html`<div class="checks delegate-list">
            ${listed.map((genie) => check(genie.id, genie.name, genie.description))}
            ${unlisted.map((id) =>
              others.data.names[id] === null
                ? check(id, html`<span class="muted">(deleted genie)</span>`, html`<code>${id.slice(0, 8)}</code>`)
                : check(id, others.data.names[id] ?? id)
            )}
          </div>`
        : null
    }
    ${full ? html`<p class="hint">${MAX_DELEGATES} at most: untick one to choose another.</p>` : null}
  </fieldset>`;
}

/**
 * Claude's own options: extended thinking with its budget, and its server-side web search with the
 * domains it may (or may not) search and how many searches a call may make.
 */
function ClaudeOptions({ form, set, fieldError, limits, searchPrice }) {
  const thinking = limits.thinking_budget_tokens;
  return html`<fieldset class="claude-options">
    <legend>Thinking and web search</legend>
    <div class="claude-option">
      <label class="check">
        <input type="checkbox" id="thinking" checked=${form.thinking} onChange=${set('thinking')} />
        Extended thinking
      </label>
      <p class="hint">Claude thinks before each answer, for up to this many tokens (billed as output tokens).</p>
      ${
        form.thinking
          ? html`<div class="grid-2">
              <${Field}
                id="thinking_budget_tokens"
                label="Thinking budget (tokens)"
                hint=${`${count(thinking.min)} to ${count(thinking.max)}`}
                error=${fieldError('thinking_budget_tokens')}
              >
                <input
                  id="thinking_budget_tokens"
                  type="number"
                  min=${thinking.min}
                  max=${thinking.max}
                  step="1"
                  value=${form.thinking_budget_tokens}
                  onInput=${set('thinking_budget_tokens')}
                  aria-describedby=${fieldError('thinking_budget_tokens') ? 'thinking_budget_tokens-error' : undefined}
                />
              <//>
            </div>`
          : null
      }
    </div>
    <div class="claude-option">
      <label class="check">
        <input type="checkbox" id="web_search" checked=${form.web_search} onChange=${set('web_search')} />
        <span>Web search <span class="muted small">(Claude's server-side search, priced per search)</span></span>
      </label>
      ${fieldError('server_tools') ? html`<p class="field-error">${fieldError('server_tools')}</p>` : null}
      <p class="hint">
        ${
          searchPrice === undefined
            ? 'Claude searches the web itself when it needs to; its results come back with sources.'
            : `Claude searches the web itself when it needs to; each search costs ${usd(searchPrice)} here.`
        }
      </p>
      ${
        form.web_search
          ? html`<p class="hint">One domain per line, e.g. example.com. Fill in one of the two lists, not both.</p>
              <div class="grid-2 web-search-options">
                <${Field}
                  id="allowed_domains"
                  label="Only these domains"
                  hint="Empty: any domain"
                  error=${fieldError('web_search.allowed_domains')}
                >
                  <textarea
                    id="allowed_domains"
                    rows="3"
                    class="mono"
                    value=${form.allowed_domains}
                    onInput=${set('allowed_domains')}
                    placeholder="example.com"
                  ></textarea>
                <//>
                <${Field}
                  id="blocked_domains"
                  label="Never these domains"
                  hint="Empty: none left out"
                  error=${fieldError('web_search.blocked_domains')}
                >
                  <textarea
                    id="blocked_domains"
                    rows="3"
                    class="mono"
                    value=${form.blocked_domains}
                    onInput=${set('blocked_domains')}
                    placeholder="ads.example.com"
                  ></textarea>
                <//>
                <${Field}
                  id="max_uses"
                  label="Max searches per call"
                  hint=${`${MAX_USES.min} to ${MAX_USES.max}; empty: no limit`}
                  error=${fieldError('web_search.max_uses')}
                >
                  <input
                    id="max_uses"
                    type="number"
                    min=${MAX_USES.min}
                    max=${MAX_USES.max}
                    step="1"
                    value=${form.max_uses}
                    onInput=${set('max_uses')}
                    placeholder="no limit"
                  />
                <//>
              </div>`
          : null
      }
    </div>
  </fieldset>`;
}

/** The webhook signing secret, which the API shows this once. */
function SecretOnce({ secret, onDone }) {
  return html`<section class="narrow">
    <div class="card secret-once" role="status">
      <h2>Webhook signing secret</h2>
      <p>
        Your endpoint checks each delivery's <code>webhook-signature</code> with this secret (Standard Webhooks). Copy it
        now: it is not shown again (rotate it from the genie's page if it is lost).
      </p>
      <code class="mono" data-secret>${secret}</code>
      <div class="form-actions">
        <button class="primary" onClick=${onDone}>I have saved it</button>
      </div>
    </div>
  </section>`;
}

export function GenieForm({ id }) {
  const catalogue = useCatalogue();
  if (catalogue.error) return html`<${ErrorBox} error=${catalogue.error} />`;
  if (!catalogue.data) return html`<${Loading} what="Loading the form" />`;
  return html`<${GenieEditor} id=${id} catalogue=${catalogue.data} />`;
}

function GenieEditor({ id, catalogue }) {
  const { tools, gates, webhookEvents, overlap, mcpApproval, limits, blank } = useMemo(
    () => formCatalogue(catalogue),
    [catalogue]
  );
  const editing = Boolean(id);
  const existing = useLoad(() => (editing ? get(`/v1/worker-genies/${id}`) : Promise.resolve(null)), [id]);
  const credentials = useLoad(() => get('/v1/credentials'));
  const models = useLoad(() => get('/v1/models'));
  const [form, setForm] = useState(blank);
  const [limitsOpen, setLimitsOpen] = useState(false);
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const [secretShown, setSecretShown] = useState();
  useEffect(() => {
    if (existing.data) setForm(fromGenie(existing.data, blank));
    const genie = existing.data;
    const limited = genie?.max_tokens_per_run || genie?.max_cost_per_run_usd || genie?.monthly_budget_usd;
    if (genie && (genie.model || limited || genie.model_mode === 'batch')) setLimitsOpen(true);
  }, [existing.data]);
  useEffect(() => {
    if (LIMIT_FIELDS.some((field) => error?.fieldMessage?.(field))) setLimitsOpen(true);
  }, [error]);
  const timeout = limits.approval_timeout_seconds;

  const set = (field) => (event) => {
    const target = event.currentTarget;
    setForm({ ...form, [field]: target.type === 'checkbox' ? target.checked : target.value });
  };
  const toggleIn = (field, value) => () =>
    setForm({
      ...form,
      [field]: form[field].includes(value) ? form[field].filter((v) => v !== value) : [...form[field], value],
    });
  const fieldError = (name) => error?.fieldMessage?.(name);

  const submit = async (event) => {
    event.preventDefault();
    const problems = formProblems(form, limits);
    if (problems.length) {
      setError(new ApiError(400, { code: 'invalid', message: 'Not saved: see the marked fields.', details: problems }));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const saved = editing
        ? await patch(`/v1/worker-genies/${id}`, toGenie(form))
        : await post('/v1/worker-genies', toGenie(form));
      if (saved.webhook_secret) setSecretShown(saved);
      else go(`/genies/${saved.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  if (editing && existing.loading) return html`<${Loading} what="Loading the genie" />`;
  if (existing.error) return html`<${ErrorBox} error=${existing.error} />`;
  if (secretShown) {
    return html`<${SecretOnce} secret=${secretShown.webhook_secret} onDone=${() => go(`/genies/${secretShown.id}`)} />`;
  }
  return html`<section class="narrow">
    <p class="crumbs">
      <${Link} to="/genies">Genies<//> ${editing ? html`/ <${Link} to=${`/genies/${id}`}>${existing.data?.name}<//>` : null}
    </p>
    <h1>${editing ? 'Edit genie' : 'New genie'}</h1>
    <form onSubmit=${submit} class="stack" novalidate>
      <${Field} id="name" label="Name" error=${fieldError('name')}>
        <input
          id="name"
          value=${form.name}
          onInput=${set('name')}
          maxlength=${limits.name.max_length}
          required placeholder="Daily lead digest"
        />
      <//>
      <${Field}
        id="description"
        label="Description"
        hint="Optional: a line for you, not for the genie."
        error=${fieldError('description')}
      >
        <input
          id="description"
          value=${form.description}
          onInput=${set('description')}
          maxlength=${limits.description.max_length}
        />
      <//>
      <${Field}
        id="soul_prompt"
        label="Soul prompt"
        hint="What the genie is for and how it should work. It reads this before every run."
        error=${fieldError('soul_prompt')}
      >
        <textarea
          id="soul_prompt"
          rows="7"
          value=${form.soul_prompt}
          onInput=${set('soul_prompt')}
          required placeholder="Every weekday morning, review yesterday's new leads and tell me the three most promising."
        ></textarea>
      <//>

      <fieldset>
        <legend>Trigger</legend>
        <div class="segmented" role="radiogroup">
          ${[
            ['manual', 'On demand'],
            ['schedule', 'On a schedule'],
            ['event', 'On events'],
          ].map(
            ([value, label]) =>
              html`<label class=${form.trigger_type === value ? 'selected' : ''}>
                <input
                  type="radio"
                  name="trigger_type"
                  value=${value}
                  checked=${form.trigger_type === value}
                  onChange=${set('trigger_type')}
                />
                ${label}
              </label>`
          )}
        </div>
        ${
          form.trigger_type === 'schedule'
            ? html`<div class="grid-2">
                <${Field} id="scheduleMode" label="Every">
                  <select id="scheduleMode" value=${form.scheduleMode} onChange=${set('scheduleMode')}>
                    <option value="cron">cron expression</option>
                    <option value="interval">fixed interval</option>
                  </select>
                <//>
                ${
                  form.scheduleMode === 'cron'
                    ? html`<${Field}
                        id="cron"
                        label="Cron"
                        hint="minute hour day month weekday, or @daily"
                        error=${fieldError('schedule.cron') ?? fieldError('schedule')}
                      >
                        <input id="cron" value=${form.cron} onInput=${set('cron')} class="mono" />
                      <//>`
                    : html`<${Field}
                        id="interval_seconds"
                        label="Seconds between runs"
                        error=${fieldError('schedule.interval_seconds')}
                      >
                        <input
                          id="interval_seconds"
                          type="number"
                          min="1"
                          value=${form.interval_seconds}
                          onInput=${set('interval_seconds')}
                        />
                      <//>`
                }
                ${
                  form.scheduleMode === 'cron'
                    ? html`<${Field} id="timezone" label="Time zone" error=${fieldError('schedule.timezone')}>
                        <select id="timezone" value=${form.timezone} onChange=${set('timezone')}>
                          ${TIME_ZONES.map((zone) => html`<option value=${zone}>${zone}</option>`)}
                        </select>
                      <//>`
                    : null
                }
                <${Field} id="overlap" label="When a run is still going" error=${fieldError('schedule.overlap')}>
                  <select id="overlap" value=${form.overlap} onChange=${set('overlap')}>
                    ${overlap.map(({ name, summary }) => html`<option value=${name}>${summary}</option>`)}
                  </select>
                <//>
                <label class="check"
                  ><input type="checkbox" checked=${form.paused} onChange=${set('paused')} /> Schedule paused</label
                >
              </div>`
            : null
        }
        ${
          form.trigger_type === 'event'
            ? html`<div class="grid-2">
                <${Field}
                  id="event_types"
                  label="Event types"
                  hint="Comma-separated, e.g. lead.created, deal.won"
                  error=${fieldError('event_types')}
                >
                  <input id="event_types" value=${form.event_types} onInput=${set('event_types')} class="mono" />
                <//>
                <${Field}
                  id="max_concurrent_runs"
                  label="Runs at once"
                  hint="Further events wait their turn, in order."
                  error=${fieldError('max_concurrent_runs')}
                >
                  <input
                    id="max_concurrent_runs"
                    type="number"
                    min=${limits.max_concurrent_runs.min}
                    max=${limits.max_concurrent_runs.max}
                    value=${form.max_concurrent_runs}
                    onInput=${set('max_concurrent_runs')}
                  />
                <//>
              </div>`
            : null
        }
      </fieldset>

      <fieldset>
        <legend>Tools</legend>
        <${Checks} field="tools" options=${tools} form=${form} toggleIn=${toggleIn} error=${error} />
      </fieldset>

      <${ClaudeOptions}
        form=${form}
        set=${set}
        fieldError=${fieldError}
        limits=${limits}
        searchPrice=${models.data?.server_tools?.web_search?.usd_per_search}
      />

      <${Delegates}
        selfId=${id}
        saved=${existing.data?.delegates ?? []}
        form=${form}
        toggleIn=${toggleIn}
        error=${error}
      />

      <fieldset>
        <legend>Credentials web_fetch may use</legend>
        ${
          credentials.data?.items.length
            ? html`<${Checks}
                field="credential_refs"
                options=${credentials.data.items.map((c) => [c.name, c.name, c.allowed_hosts.join(', ') || 'any public host when named'])}
                form=${form}
                toggleIn=${toggleIn}
                error=${error}
              />`
            : html`<p class="muted small">
                No credentials stored. <${Link} to="/credentials">Add one<//> to let the genie call APIs that need a key.
              </p>`
        }
      </fieldset>

      <fieldset>
        <legend>Needs your approval</legend>
        <p class="hint">
          These calls wait until you approve them (in the console, by the email link, or the API); denied or expired,
          the genie is told and goes on.
        </p>
        <${Checks}
          field="approval_required"
          options=${gates.filter(([rule]) => form.tools.includes(rule.split(':')[0]) || form.approval_required.includes(rule))}
          form=${form}
          toggleIn=${toggleIn}
          error=${error}
        />
        <${Field}
          id="approval_timeout_minutes"
          label="Expires after (minutes)"
          hint=${`${Math.ceil(timeout.min / 60)} to ${Math.floor(timeout.max / 60)} (${timeSpan(timeout.max)}); an expired approval counts as a denial.`}
          error=${fieldError('approval_timeout_seconds')}
        >
          <input
            id="approval_timeout_minutes"
            type="number"
            min=${Math.ceil(timeout.min / 60)}
            max=${Math.floor(timeout.max / 60)}
            value=${form.approval_timeout_minutes}
            onInput=${set('approval_timeout_minutes')}
          />
        <//>
      </fieldset>

      <${McpServers}
        servers=${form.mcp_servers}
        onChange=${(update) => setForm((current) => ({ ...current, mcp_servers: update(current.mcp_servers) }))}
        credentials=${credentials.data?.items ?? []}
        policies=${mcpApproval}
        approvalRequired=${form.approval_required}
        error=${error}
      />

      <details open=${Boolean(form.webhook_url)}>
        <summary>Webhook</summary>
        <${Field}
          id="webhook_url"
          label="POST run events to"
          hint="An https URL of yours; each delivery is signed (Standard Webhooks) and retried for up to a day."
          error=${fieldError('webhook_url')}
        >
          <input
            id="webhook_url"
            type="url"
            value=${form.webhook_url}
            onInput=${set('webhook_url')}
            class="mono"
            placeholder="https://example.com/hooks/genies"
          />
        <//>
        <${Checks}
          field="webhook_events"
          options=${webhookEvents}
          form=${form}
          toggleIn=${toggleIn}
          error=${error}
        />
      </details>

      <details open=${limitsOpen} onToggle=${(e) => setLimitsOpen(e.currentTarget.open)}>
        <summary>Limits and model</summary>
        <div class="grid-2">
          <${Field}
            id="model"
            label="Model"
            hint=${modelPriceHint(models.data, form.model, form.model_mode)}
            error=${fieldError('model')}
          >
            <input
              id="model"
              value=${form.model}
              onInput=${set('model')}
              class="mono"
              placeholder="default"
              list="model-prices"
              autocomplete="off"
            />
            <datalist id="model-prices">
              ${(models.data?.items ?? []).map((m) => html`<option value=${m.id}></option>`)}
            </datalist>
          <//>
          <${Field}
            id="model_mode"
            className="wide"
            label="Model calls"
            hint=${
              form.model_mode === 'batch'
                ? 'Every call goes through the Message Batches API at half price; each turn can take minutes to hours.'
                : 'Each call is answered at once, at the full price.'
            }
            error=${fieldError('model_mode')}
          >
            <select id="model_mode" value=${form.model_mode} onChange=${set('model_mode')}>
              ${MODEL_MODES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
            </select>
          <//>
          <${Field} id="max_turns" label="Max turns per run" error=${fieldError('max_turns')}>
            <input
              id="max_turns"
              type="number"
              min=${limits.max_turns.min}
              max=${limits.max_turns.max}
              value=${form.max_turns}
              onInput=${set('max_turns')}
            />
          <//>
          <${Field}
            id="max_tokens_per_run"
            label="Max tokens per run"
            hint="Empty: no limit"
            error=${fieldError('max_tokens_per_run')}
          >
            <input
              id="max_tokens_per_run"
              type="number"
              min=${limits.max_tokens_per_run.min}
              max=${limits.max_tokens_per_run.max}
              value=${form.max_tokens_per_run}
              onInput=${set('max_tokens_per_run')}
            />
          <//>
          <${Field}
            id="max_cost_per_run_usd"
            className="row-start"
            label="Max cost per run (USD)"
            hint="Once a run's Claude calls have cost this much, it makes no further call and fails (budget exceeded). Needs a model with a price. Empty: no cap."
            error=${fieldError('max_cost_per_run_usd')}
          >
            <div class="money-input">
              <span aria-hidden="true">$</span>
              <input
                id="max_cost_per_run_usd"
                type="number"
                min="0"
                step="any"
                inputmode="decimal"
                value=${form.max_cost_per_run_usd}
                onInput=${set('max_cost_per_run_usd')}
                placeholder="no cap"
                aria-describedby=${fieldError('max_cost_per_run_usd') ? 'max_cost_per_run_usd-error' : undefined}
              />
            </div>
          <//>
          <${Field}
            id="monthly_budget_usd"
            label="Monthly budget (USD)"
            hint="For all this genie's runs in a UTC month. Once spent, its runs wait before their next Claude call until you raise it or the month ends. Needs a model with a price. Empty: no budget."
            error=${fieldError('monthly_budget_usd')}
          >
            <div class="money-input">
              <span aria-hidden="true">$</span>
              <input
                id="monthly_budget_usd"
                type="number"
                min="0"
                step="any"
                inputmode="decimal"
                value=${form.monthly_budget_usd}
                onInput=${set('monthly_budget_usd')}
                placeholder="no budget"
                aria-describedby=${fieldError('monthly_budget_usd') ? 'monthly_budget_usd-error' : undefined}
              />
            </div>
          <//>
        </div>
      </details>

      <label class="check"><input type="checkbox" checked=${form.enabled} onChange=${set('enabled')} /> Enabled</label>
      ${error && !Array.isArray(error.details) ? html`<${ErrorBox} error=${error} />` : null}
      ${error && Array.isArray(error.details) ? html`<p class="field-error" role="alert">${error.message}</p>` : null}
      <div class="form-actions">
        <button class="primary" type="submit" disabled=${busy}>
          ${busy ? 'Saving…' : editing ? 'Save changes' : 'Create genie'}
        </button>
        <button type="button" class="link" onClick=${() => history.back()}>Cancel</button>
      </div>
    </form>
  </section>`;
}
