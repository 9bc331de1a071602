import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { followRun, get, post } from '../api.js';
import {
  Cost,
  ErrorBox,
  html,
  Json,
  Link,
  Loading,
  Output,
  StatusBadge,
  Time,
  duration,
  tokens,
  usd,
  useLoad,
} from '../ui.js';
import { phaseLabel, useCatalogue } from '../catalogue.js';
import { ApprovalCard, approvalsChanged } from './approvals.js';
import { SourceBadge } from './eval.js';

function LivePanel({ live, writing }) {
  const catalogue = useCatalogue();
  if (!live) return null;
  const retrying = live.attempt > 1;
  // Text arriving says more than the last account of the workflow (which may be a moment old).
  const writes =
    writing && ['starting', 'calling_model', 'running_tools'].includes(live.phase) && writing.turn >= live.turn;
  const turn = writes ? writing.turn : live.turn;
  return html`<div class=${`live ${retrying ? 'retrying' : ''}`} aria-live="polite">
    <span class="pulse" aria-hidden="true"></span>
    <div>
      <strong>${writes ? 'Claude is writing' : phaseLabel(catalogue.data, live.phase)}</strong
      >${turn ? html` <span class="muted">· turn ${turn}</span>` : null}
      ${!writes && live.current_tools?.length ? html`<div class="small mono">${live.current_tools.join(' · ')}</div>` : null}
      ${
        retrying
          ? html`<div class="small warn">
              Retrying ${live.activity ?? 'the current step'} (attempt ${live.attempt})${live.last_failure ? html`: ${live.last_failure}` : ''}
            </div>`
          : null
      }
    </div>
  </div>`;
}

/** Where an ask_genie call's answer (`{run_id, status, output}`) says its run is; its preview may be cut short. */
function askedRunOf(step) {
  const preview = step.output_preview ?? '';
  try {
    const answer = JSON.parse(preview);
    if (typeof answer?.run_id === 'string') return { runId: answer.run_id, answer };
  } catch {
    // a long answer's preview is cut short: its run_id comes first
  }
  const match = /^\{"run_id":"([0-9a-f-]{36})"/.exec(preview);
  return match ? { runId: match[1] } : null;
}

/**
 * A search's results as its preview lists them (`[{title, url}]`): every entry complete in it (a
 * long list's preview is cut short), and whether some were cut; null when it is no such list.
 */
function searchResultsOf(preview) {
  if (!preview?.startsWith('[')) return null;
  try {
    const all = JSON.parse(preview);
    return Array.isArray(all) ? { items: all.filter((item) => item && typeof item === 'object'), cut: false } : null;
  } catch {
    const items = [];
    for (const [entry] of preview.matchAll(/\{[^{}]*\}/g)) {
      try {
        items.push(JSON.parse(entry));
      } catch {
        // an entry whose text has braces in it: left out
      }
    }
    return { items, cut: true };
  }
}

/** A URL fit to follow from the console: http or https only (never javascript:, data:, …). */
function webUrl(value) {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** One search result: its title linking to its page (an http(s) one), its host beside it. */
function SearchResult({ item }) {
  const url = webUrl(item.url);
  const title = typeof item.title === 'string' && item.title ? item.title : String(item.url ?? 'untitled');
  if (!url) {
    const shown = item.url && item.url !== title ? String(item.url) : null;
    return html`<li>${title}${shown ? html`${' '}<span class="muted small">${shown}</span>` : null}</li>`;
  }
  return html`<li>
    <a href=${url.href} target="_blank" rel="noopener noreferrer">${title}</a>${' '}<span class="muted small">${url.host}</span>
  </li>`;
}

/** A web search Claude ran (a server tool): its query, and the pages it found (folded past three). */
function WebSearch({ step }) {
  const query = step.input?.query;
  const listed = step.is_error ? null : searchResultsOf(step.output_preview);
  // A preview cut short before its first whole entry says no more than its text.
  const found = listed && (listed.items.length > 0 || !listed.cut) ? listed : null;
  let results = step.output_preview ? html`<p class="preview">${step.output_preview}</p>` : null;
  if (found && found.items.length === 0) results = html`<p class="muted small">No results.</p>`;
  else if (found) {
    const list = html`<ul class="search-results">
      ${found.items.map((item) => html`<${SearchResult} item=${item} />`)}
    </ul>`;
    const count = `${found.items.length}${found.cut ? '+' : ''} results`;
    results =
      found.items.length > 3
        ? html`<details class="search-fold">
            <summary>${count}</summary>
            ${list}
          </details>`
        : list;
  }
  return html`<div class="web-search">
    ${typeof query === 'string' ? html`<p class="search-query"><span class="muted">Searched for</span> <q>${query}</q></p>` : null}
    ${results}
    ${found?.cut ? html`<p class="muted small">The preview ends here; the search found more.</p>` : null}
  </div>`;
}

/** An ask_genie call's answer: the run it started (linked), how it ended, and what it answered. */
function AskedRun({ step, asked, names }) {
  const name = names?.[asked.runId] ?? (typeof step.input?.genie === 'string' ? step.input.genie : 'a genie');
  const { answer } = asked;
  const link = html`<${Link} to=${`/runs/${asked.runId}`} data-child-run=${asked.runId}>
    run <span class="mono">${asked.runId.slice(0, 8)}</span>
  <//>`;
  let said = step.output_preview ? html`<p class="preview">${step.output_preview}</p>` : null;
  if (answer?.error) said = html`<p class="preview">${answer.error}</p>`;
  else if (answer) said = html`<${Output} value=${answer.output} />`;
  return html`<div class="asked-run">
    <p class="asked-run-link">
      Asked <strong>${name}</strong> · ${link}${answer?.status ? html` <${StatusBadge} status=${answer.status} />` : null}
    </p>
    ${said}
  </div>`;
}

/** What Claude thought before it answered (extended thinking), folded; plain text, never markup. */
function Thinking({ text }) {
  return html`<details class="thinking">
    <summary>Claude’s thinking</summary>
    <p class="thinking-text">${text}</p>
  </details>`;
}

function Step({ step, childNames }) {
  const [open, setOpen] = useState(false);
  const isModel = step.kind === 'model';
  const search = step.kind === 'server_tool' && step.tool === 'web_search';
  const asked = step.kind === 'tool' && step.tool === 'ask_genie' ? askedRunOf(step) : null;
  return html`<li class=${`step ${step.kind} ${step.is_error ? 'is-error' : ''}`} data-seq=${step.seq}>
    <div class="step-head">
      <span class="step-icon" aria-hidden="true">${isModel ? '✦' : search ? '⌕' : '⚙'}</span>
      <strong>${isModel ? `Claude · turn ${step.turn}` : search ? 'Web search' : step.tool}</strong>
      ${step.source ? html`<${SourceBadge} source=${step.source} />` : null}
      ${step.is_error ? html`<span class="badge status-failed">error</span>` : null}
      ${
        isModel && step.input?.mode === 'batch'
          ? html`<span class="badge mode-batch" title="Sent through the Message Batches API, at half price">batch</span>`
          : null
      }
      <span class="muted small step-meta">
        ${duration(step.duration_ms)}${step.usage ? ` · ${tokens(step.usage).toLocaleString()} tokens` : ''}${isModel && step.cost_usd !== undefined ? html` · <span class="step-cost" title=${step.cost_usd === null ? 'This model has no price here' : `$${step.cost_usd} (USD)`}>${step.cost_usd === null ? 'no price' : usd(step.cost_usd)}</span>` : ''} ·
        #${step.seq}
      </span>
    </div>
    ${isModel && step.thinking_preview ? html`<${Thinking} text=${step.thinking_preview} />` : null}
    ${
      search
        ? html`<${WebSearch} step=${step} />`
        : asked
          ? html`<${AskedRun} step=${step} asked=${asked} names=${childNames} />`
          : step.output_preview
            ? html`<p class="preview">${step.output_preview}</p>`
            : null
    }
    ${
      !isModel && !search && step.input !== undefined
        ? html`<button class="link small" onClick=${() => setOpen(!open)} aria-expanded=${open}>
              ${open ? 'Hide input' : 'Show input'}
            </button>
            ${open ? html`<${Json} value=${step.input} />` : null}`
        : null
    }
  </li>`;
}

/**
 * The text Claude is writing in the current turn, as it arrives (plain text: set as textContent,
 * never parsed as HTML); the saved step takes its place.
 */
function Writing({ writing }) {
  const text = useRef();
  useLayoutEffect(() => {
    if (text.current) text.current.textContent = writing.text;
  }, [writing.text]);
  return html`<li class="step model writing" data-turn=${writing.turn} data-attempt=${writing.attempt} aria-busy="true">
    <div class="step-head">
      <span class="step-icon" aria-hidden="true">✦</span>
      <strong>Claude is writing…</strong>
      <span class="muted small step-meta">turn ${writing.turn}${writing.attempt > 1 ? ` · attempt ${writing.attempt}` : ''}</span>
    </div>
    <p class="preview live-text" ref=${text}></p>
  </li>`;
}

/** The live text after a `text` event: more of the same attempt, or a later turn's or attempt's first words. */
function withText(writing, { turn, attempt, delta }) {
  if (writing && writing.turn === turn && writing.attempt === attempt)
    return { ...writing, text: writing.text + delta };
  if (writing && (writing.turn > turn || (writing.turn === turn && writing.attempt > attempt))) return writing;
  return { turn, attempt, text: delta };
}

/**
 * A run's turns and usage: the recorded totals once it has ended, and while it runs the sum of the
 * model steps seen so far (the run row is totalled at its end).
 */
function totalsOf(run, steps) {
  const model = steps.filter((step) => step.kind === 'model' && step.usage);
  const cost = costOf(run, model);
  if (run.turns > 0 || model.length === 0) return { turns: run.turns, usage: run.usage, cost };
  const usage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  for (const step of model) for (const field of Object.keys(usage)) usage[field] += step.usage[field] ?? 0;
  return { turns: Math.max(...model.map((step) => step.turn)), usage, cost };
}

/**
 * What the run cost: the run's own amount (every response billed, a retried call's too), or while
 * it runs the model steps' sum when that is ahead; null when its model has no price.
 */
function costOf(run, modelSteps) {
  const priced = modelSteps.filter((step) => typeof step.cost_usd === 'number');
  if (priced.length === 0) return run.cost_usd ?? null;
  const micro = priced.reduce((sum, step) => sum + Math.round(step.cost_usd * 1e6), 0);
  return Math.max(run.cost_usd ?? 0, micro / 1e6);
}

/** Why the run ended badly, in words; a run stopped at its cost cap says so and where to change it. */
function RunError({ run, config, genieId }) {
  if (!run.error) return null;
  if (run.error.type === 'budget_exceeded') {
    const cap = config?.max_cost_per_run_usd;
    return html`<div class="error-box budget" role="alert" data-error=${run.error.type}>
      <strong>Cost cap reached</strong>${cap ? ` (${usd(cap)} per run)` : ''}: ${run.error.message}
      <p class="small">
        Once its Claude calls had cost that much, the run made no further call and failed.${run.output ? ' Its last answer is below.' : ''}
        ${genieId ? html` <${Link} to=${`/genies/${genieId}/edit`}>Raise or remove the cap<//> under Limits and model.` : null}
      </p>
    </div>`;
  }
  return html`<div class="error-box" role="alert" data-error=${run.error.type}>
    <strong>${run.error.type}</strong>: ${run.error.message}
  </div>`;
}

function Elapsed({ since }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return html`<span>${duration(now - new Date(since).getTime())}</span>`;
}

/**
 * What the live panel shows: the workflow's own account, but "waiting for your approval" as soon as
 * the run says so (the two arrive a moment apart), and a guess before the first account.
 */
function livePhase(run, live, waiting) {
  const phase =
    run.status === 'queued'
      ? 'starting'
      : waiting
        ? 'waiting_approval'
        : run.status === 'waiting_budget'
          ? 'waiting_budget'
          : 'calling_model';
  if (!live) return { phase, turn: 0, attempt: 1 };
  // The row says "waiting for budget" a moment before the workflow's own account does.
  if (run.status === 'waiting_budget' && live.phase === 'calling_model') return { ...live, phase: 'waiting_budget' };
  return waiting && live.phase === 'running_tools' ? { ...live, phase: 'waiting_approval' } : live;
}

/** Whether a monthly budget is spent: `spend.month_usd` has reached `monthly_budget_usd`. */
const spentOut = (holder) =>
  typeof holder?.monthly_budget_usd === 'number' && (holder.spend?.month_usd ?? 0) >= holder.monthly_budget_usd;

/**
 * Why a `waiting_budget` run waits: the genie's or the account's monthly budget is spent (which one,
 * when the amounts say so), what releases it, and where to raise it.
 */
function BudgetWait({ run, genie }) {
  const account = useLoad(() => get('/v1/account'), [run.id]);
  const genieSpent = spentOut(genie);
  const accountSpent = spentOut(account.data);
  const whose =
    genieSpent && accountSpent
      ? 'This genie’s and your account’s monthly budgets are spent'
      : genieSpent
        ? `This genie’s monthly budget (${usd(genie.monthly_budget_usd)}) is spent`
        : accountSpent
          ? `Your account’s monthly budget (${usd(account.data.monthly_budget_usd)}) is spent`
          : 'This genie’s (or your account’s) monthly budget is spent';
  return html`<div class="warning-box budget-wait" role="status" data-wait="budget">
    <p><strong>Waiting for budget.</strong> ${whose}; the run goes on when you raise ${genieSpent && accountSpent ? 'them' : 'it'} or when the month ends (UTC).</p>
    <p class="small">
      <${Link} to=${`/genies/${run.genie_id}`}>${genie ? `Open ${genie.name}` : 'Open the genie'}<//>${' · '}
      <${Link} to=${`/genies/${run.genie_id}/edit`}>Change its budget<//>${' · '}
      <${Link} to="/genies">Change your account’s budget<//>
    </p>
  </div>`;
}

/** A case of an eval: which eval, which past run it replays, and how its tool calls were answered. */
function EvalCaseNote({ run }) {
  if (!run.eval_id) return null;
  return html`<p class="notice eval-note" data-eval-case>
    A case of <${Link} to=${`/evals/${run.eval_id}`}>eval ${run.eval_id.slice(0, 8)}<//>: the genie with a change,
    replaying${' '}${run.baseline_run_id ? html`<${Link} to=${`/runs/${run.baseline_run_id}`}>run ${run.baseline_run_id.slice(0, 8)}<//>` : 'a past run'}.
    Its tool calls were answered from that run (recorded), read live, or refused; nothing was written or sent.
  </p>`;
}

/** What the run went without (an MCP server it could not list when it started), in plain words. */
function RunWarnings({ warnings }) {
  if (!warnings?.length) return null;
  return html`<div class="warning-box" role="status">
    ${warnings.map(
      (w) =>
        html`<p data-warning=${w.type}>
          ${w.type === 'mcp_unavailable' ? html`MCP server <code>${w.server}</code> could not be listed` : w.type}: ${w.message}
        </p>`
    )}
  </div>`;
}

/** Where the run's events were POSTed (the genie's webhook_url), and how each delivery went. */
function WebhookDeliveries({ deliveries }) {
  if (!deliveries?.length) return null;
  return html`<details class="card">
    <summary>Webhook deliveries (${deliveries.length})</summary>
    <table class="list deliveries">
      <thead>
        <tr>
          <th>Event</th>
          <th>Status</th>
          <th class="num">Attempts</th>
          <th>Last answer</th>
        </tr>
      </thead>
      <tbody>
        ${deliveries.map(
          (d) =>
            html`<tr>
              <td class="mono">${d.event}</td>
              <td>${d.status}</td>
              <td class="num">${d.attempts}</td>
              <td class="small">${d.last_status_code ? `HTTP ${d.last_status_code}` : ''}${d.last_error ? html` <span class="muted">${d.last_error}</span>` : null}</td>
            </tr>`
        )}
      </tbody>
    </table>
  </details>`;
}

/**
 * Genies' names by id, each asked once (GET /v1/worker-genies/{id}): undefined while asked, null
 * for a genie that is gone (or could not be read).
 */
function useGenieNames(ids) {
  const [names, setNames] = useState({});
  const asked = useRef(new Set());
  const wanted = [...new Set(ids.filter(Boolean))];
  useEffect(() => {
    for (const genieId of wanted) {
      if (asked.current.has(genieId)) continue;
      asked.current.add(genieId);
      get(`/v1/worker-genies/${genieId}`).then(
        (found) => setNames((now) => ({ ...now, [genieId]: found.name })),
        () => setNames((now) => ({ ...now, [genieId]: null }))
      );
    }
  }, [wanted.join(',')]);
  return names;
}

/** A genie by name, or by the start of its id when its name is not known (yet, or any more). */
function GenieName({ id, names }) {
  const name = names[id];
  if (name) return html`${name}`;
  return html`<span class="mono muted" title=${name === null ? `Genie ${id} (gone)` : `Genie ${id}`}>genie ${id.slice(0, 8)}</span>`;
}

/** A run another run asked for (ask_genie): which one, linked, and its genie. */
function AskedBy({ parentId }) {
  const parent = useLoad(() => get(`/v1/runs/${parentId}`), [parentId]);
  const genieId = parent.data?.genie_id;
  const names = useGenieNames([genieId]);
  return html`<p class="asked-by" data-parent-run=${parentId}>
    Asked by run${' '}<${Link} to=${`/runs/${parentId}`} class="mono">${parentId.slice(0, 8)}<//>${genieId && names[genieId] ? html` of <${Link} to=${`/genies/${genieId}`}>${names[genieId]}<//>` : null}
  </p>`;
}

/** The runs this run asked for (ask_genie), in the order it asked: genie, status and cost, each linked. */
function ChildRuns({ runs, names }) {
  if (!runs?.length) return null;
  return html`<div class="card run-children" data-children>
    <h2>Genies it asked <span class="muted small">(${runs.length})</span></h2>
    <table class="list">
      <thead>
        <tr>
          <th>Genie</th>
          <th>Status</th>
          <th class="num">Cost</th>
          <th>Run</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (child) =>
            html`<tr key=${child.run_id} data-run-id=${child.run_id}>
              <td>
                <${Link} to=${`/runs/${child.run_id}`} class="child-genie"><${GenieName} id=${child.genie_id} names=${names} /><//>
              </td>
              <td><${StatusBadge} status=${child.status} /></td>
              <td class="num"><${Cost} value=${child.cost_usd} /></td>
              <td><${Link} to=${`/runs/${child.run_id}`} class="mono small">${child.run_id.slice(0, 8)}<//></td>
            </tr>`
        )}
      </tbody>
    </table>
  </div>`;
}

/** The statuses of a run that has not ended: it can be cancelled and is followed live. */
const ACTIVE = ['queued', 'running', 'waiting_approval', 'waiting_budget'];

export function RunPage({ id }) {
  const [run, setRun] = useState();
  const [steps, setSteps] = useState([]);
  const [live, setLive] = useState();
  const [error, setError] = useState();
  const [genie, setGenie] = useState();
  const [cancelling, setCancelling] = useState(false);
  const [approvals, setApprovals] = useState([]);
  // What Claude is writing now ({turn, attempt, text}), until the step of its turn is saved.
  const [writing, setWriting] = useState(null);
  // What the event stream does not carry: the genie version it ran with, webhook deliveries, the runs it asked.
  const [detail, setDetail] = useState();
  const keepApproval = (approval) => setApprovals((seen) => [...seen.filter((a) => a.id !== approval.id), approval]);
  // Only the latest request's answer is kept (an earlier one may come back later, with older children).
  const detailAsked = useRef(0);
  const loadDetail = () => {
    const asked = ++detailAsked.current;
    return get(`/v1/runs/${id}`).then(
      (data) => asked === detailAsked.current && setDetail(data),
      () => undefined
    );
  };
  const lastStatus = useRef();

  useEffect(() => {
    setSteps([]);
    setApprovals([]);
    setWriting(null);
    void loadDetail();
    const stop = followRun(id, (event, data) => {
      if (event === 'run') {
        const { live: now, ...current } = data;
        // Its children (GET /v1/runs/{id}) change with it: a run it asked for ends, or it does.
        if (lastStatus.current !== undefined && lastStatus.current !== current.status) void loadDetail();
        lastStatus.current = current.status;
        setRun(current);
        setLive(now ?? undefined);
      } else if (event === 'text') {
        setWriting((now) => withText(now, data));
      } else if (event === 'text_reset') {
        // That attempt's text is void: the retry writes it again.
        setWriting((now) => (now && now.turn === data.turn && now.attempt <= data.attempt ? null : now));
      } else if (event === 'end') {
        setRun(data);
        setLive(undefined);
        setWriting(null);
        window.dispatchEvent(new Event('genies:notifications-changed')); // it may have notified
        void loadDetail();
        setTimeout(loadDetail, 3000); // webhook deliveries go on after the run ends
      } else if (event === 'approval') {
        keepApproval(data);
        approvalsChanged();
      } else if (event === 'step') {
        if (data.kind === 'model') setWriting((now) => (now && data.turn >= now.turn ? null : now));
        if (data.tool === 'ask_genie') void loadDetail(); // a run it asked for has answered
        setSteps((seen) =>
          seen.some((s) => s.seq === data.seq) ? seen : [...seen, data].sort((a, b) => a.seq - b.seq)
        );
      } else if (event === 'error') {
        setError(new Error(data?.message ?? data?.error?.message ?? 'This run could not be followed.'));
      }
    });
    return stop;
  }, [id]);
  useEffect(() => {
    if (run?.genie_id) get(`/v1/worker-genies/${run.genie_id}`).then(setGenie, () => undefined);
  }, [run?.genie_id]);
  // While it asks genies (or waits for one), the runs it asked for are looked at again every 2 s.
  const children = detail?.children ?? [];
  const asking =
    ACTIVE.includes(run?.status) &&
    (live?.phase === 'waiting_child' ||
      live?.current_tools?.some((tool) => tool.startsWith('ask_genie')) ||
      children.some((child) => ACTIVE.includes(child.status)));
  useEffect(() => {
    if (!asking) return undefined;
    const timer = setInterval(loadDetail, 2000);
    return () => clearInterval(timer);
  }, [asking]);
  const names = useGenieNames(children.map((child) => child.genie_id));

  const cancel = async () => {
    setCancelling(true);
    try {
      setRun(await post(`/v1/runs/${id}/cancel`));
    } catch (err) {
      setError(err);
    } finally {
      setCancelling(false);
    }
  };

  if (error && !run) return html`<${ErrorBox} error=${error} />`;
  if (!run) return html`<${Loading} what="Connecting to the run" />`;
  const active = ACTIVE.includes(run.status);
  const totals = totalsOf(run, steps);
  const pending = approvals.filter((a) => a.status === 'pending');
  const decided = approvals.filter((a) => a.status !== 'pending');
  const version = detail?.genie_config?.version;
  const parentId = run.parent_run_id ?? detail?.parent_run_id;
  const childNames = Object.fromEntries(
    children.filter((child) => names[child.genie_id]).map((child) => [child.run_id, names[child.genie_id]])
  );
  return html`<section>
    <p class="crumbs">
      <${Link} to="/runs">Runs<//> ${genie ? html`/ <${Link} to=${`/genies/${genie.id}`}>${genie.name}<//>` : null}
    </p>
    <div class="page-head">
      <div>
        <h1 class="run-title">
          <${StatusBadge} status=${run.status} /> Run <span class="mono muted">${run.id.slice(0, 8)}</span>
        </h1>
        <p class="muted">
          ${`${run.trigger_type} run`}${version ? html`${' of '}<span title="The genie's settings this run used">version ${version}</span>` : null}${run.scheduled_at ? html`${', scheduled for '}<${Time} value=${run.scheduled_at} />` : null}${' · started '}<${Time}
            value=${run.started_at ?? run.created_at}
          />
        </p>
        ${parentId ? html`<${AskedBy} parentId=${parentId} />` : null}
      </div>
      <div class="buttons">
        <a class="button" href=${run.temporal_ui_url} target="_blank" rel="noopener">Open in Temporal UI ↗</a> ${active ? html`<button class="danger" onClick=${cancel} disabled=${cancelling}>${cancelling ? 'Cancelling…' : 'Cancel run'}</button>` : null}
      </div>
    </div>
    <${ErrorBox} error=${error} />
    <div class="stats">
      <div>
        <span class="label">Duration</span
        >${run.duration_ms !== null ? duration(run.duration_ms) : active && run.started_at ? html`<${Elapsed} since=${run.started_at} />` : '—'}
      </div>
      <div><span class="label">Turns</span>${totals.turns}</div>
      <div><span class="label">Tokens</span>${tokens(totals.usage).toLocaleString()}</div>
      <div><span class="label">Cache reads</span>${totals.usage.cache_read_input_tokens.toLocaleString()}</div>
      <div data-cost>
        <span class="label">Cost</span><${Cost} value=${totals.cost} />${detail?.genie_config?.max_cost_per_run_usd ? html`<span class="muted small cap"> of ${usd(detail.genie_config.max_cost_per_run_usd)} cap</span>` : null}
      </div>
    </div>
    ${active ? html`<${LivePanel} live=${livePhase(run, live, pending.length > 0)} writing=${writing} />` : null}
    ${
      pending.length
        ? html`<div class="approvals">
            <h2>Waiting for your approval</h2>
            ${pending.map((a) => html`<${ApprovalCard} key=${a.id} approval=${a} showRun=${false} onDecided=${keepApproval} />`)}
          </div>`
        : null
    }
    ${run.status === 'waiting_budget' ? html`<${BudgetWait} run=${run} genie=${genie} />` : null}
    <${EvalCaseNote} run=${run} />
    <${RunWarnings} warnings=${run.warnings ?? detail?.warnings} />
    <${RunError} run=${run} config=${detail?.genie_config} genieId=${run.genie_id} />
    ${
      run.output
        ? html`<div class="card output">
            <h2>Answer</h2>
            <${Output} value=${run.output} />
          </div>`
        : null
    }
    <${ChildRuns} runs=${children} names=${names} />
    ${
      run.input !== null && run.input !== undefined && run.input !== ''
        ? html`<details class="card">
            <summary>Input</summary>
            <${Json} value=${run.input} />
          </details>`
        : null
    }
    ${
      decided.length
        ? html`<details class="card">
            <summary>Approvals (${decided.length})</summary>
            <div class="approvals">
              ${decided.map((a) => html`<${ApprovalCard} key=${a.id} approval=${a} showRun=${false} />`)}
            </div>
          </details>`
        : null
    }
    <${WebhookDeliveries} deliveries=${detail?.webhook_deliveries} />
    <h2>Steps</h2>
    ${
      steps.length === 0 && !writing
        ? html`<p class="muted">${active ? 'Waiting for the first step…' : 'This run has no steps.'}</p>`
        : html`<ol class="steps">
            ${steps.map((step) => html`<${Step} key=${step.seq} step=${step} childNames=${childNames} />`)}
            ${writing ? html`<${Writing} key="writing" writing=${writing} />` : null}
          </ol>`
    }
  </section>`;
}
