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

function Step({ step }) {
  const [open, setOpen] = useState(false);
  const isModel = step.kind === 'model';
  return html`<li class=${`step ${step.kind} ${step.is_error ? 'is-error' : ''}`} data-seq=${step.seq}>
    <div class="step-head">
      <span class="step-icon" aria-hidden="true">${isModel ? '✦' : '⚙'}</span>
      <strong>${isModel ? `Claude · turn ${step.turn}` : step.tool}</strong>
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
    ${step.output_preview ? html`<p class="preview">${step.output_preview}</p>` : null}
    ${
      !isModel && step.input !== undefined
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
  // What the event stream does not carry: the genie version it ran with, webhook deliveries.
  const [detail, setDetail] = useState();
  const keepApproval = (approval) => setApprovals((seen) => [...seen.filter((a) => a.id !== approval.id), approval]);
  const loadDetail = () => get(`/v1/runs/${id}`).then(setDetail, () => undefined);

  useEffect(() => {
    setSteps([]);
    setApprovals([]);
    setWriting(null);
    void loadDetail();
    const stop = followRun(id, (event, data) => {
      if (event === 'run') {
        const { live: now, ...current } = data;
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
            ${steps.map((step) => html`<${Step} key=${step.seq} step=${step} />`)}
            ${writing ? html`<${Writing} key="writing" writing=${writing} />` : null}
          </ol>`
    }
  </section>`;
}
