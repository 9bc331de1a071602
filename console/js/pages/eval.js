// An eval: a change to a genie tried against its past runs, each case side by side with the run it
// replays; followed while it runs, cancelled, applied. Also the genie page's list of its evals.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import {
  Cost,
  EmptyState,
  ErrorBox,
  go,
  html,
  Json,
  Link,
  Loading,
  Output,
  StatusBadge,
  Time,
  duration,
  usd,
  useLoad,
} from '../ui.js';

/** How often a running eval is asked again. */
const POLL_MS = 1500;

/** The genie fields an eval can change, as people read them (others show as their API name). */
const FIELD_LABELS = {
  soul_prompt: 'Soul prompt',
  model: 'Model',
  max_turns: 'Max turns',
  model_mode: 'Model calls',
  max_tokens_per_run: 'Max tokens per run',
  max_cost_per_run_usd: 'Max cost per run',
  monthly_budget_usd: 'Monthly budget',
  tools: 'Tools',
  credential_refs: 'Credentials',
  approval_required: 'Needs approval',
  approval_timeout_seconds: 'Approval expires after (s)',
  mcp_servers: 'MCP servers',
};
export const fieldLabel = (field) => FIELD_LABELS[field] ?? field;

/** What each source of a case's tool call means. */
const SOURCES = {
  recorded: ['recorded', 'Answered from the past run: it made the same call with the same input'],
  live: ['live', 'Run for real: a read the past run did not make (reads only)'],
  refused: ['refused', 'Not run: it would have changed something or reached outside, and the past run did not make it'],
};

/** Where a case's tool call got its answer: recorded, live or refused. */
export function SourceBadge({ source }) {
  const [label, title] = SOURCES[source] ?? [source, source];
  return html`<span class=${`badge source source-${source}`} title=${title} data-source=${source}>${label}</span>`;
}

/** A value of a genie field as the change list shows it. */
function Value({ field, value }) {
  if (value === undefined) return html`<span class="muted">unknown</span>`;
  if (value === null || (Array.isArray(value) && value.length === 0)) {
    return html`<span class="muted">${field === 'model' ? 'platform default' : 'none'}</span>`;
  }
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.map((item) => html`<code class="tag">${item}</code>`);
  }
  if (typeof value === 'object') return html`<${Json} value=${value} />`;
  if (/_usd$/.test(field) && typeof value === 'number') return usd(value);
  return html`<span class=${field === 'model' ? 'mono' : ''}>${String(value)}</span>`;
}

/**
 * The words (and the spaces between them) of `after` against `before`: parts that are the same,
 * removed or added, in order. Null when the texts are too long to compare word by word.
 */
function diffWords(before, after) {
  const a = before.split(/(\s+)/).filter(Boolean);
  const b = after.split(/(\s+)/).filter(Boolean);
  if (a.length * b.length > 1_000_000) return null;
  // Longest common subsequence, from the end.
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const steps = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) steps.push(['same', a[i++], j++]);
    else if (j >= b.length || (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1])) steps.push(['del', a[i++]]);
    else steps.push(['ins', b[j++]]);
  }
  // A space alone between two changes belongs to the change; each change reads removed, then added.
  const parts = [];
  let removed = '';
  let added = '';
  const flush = () => {
    if (removed) parts.push({ kind: 'del', text: removed });
    if (added) parts.push({ kind: 'ins', text: added });
    removed = '';
    added = '';
  };
  steps.forEach(([kind, text], k) => {
    const changing = removed || added;
    const nextChanges = steps[k + 1] && steps[k + 1][0] !== 'same';
    if (kind === 'same' && changing && /^\s+$/.test(text) && nextChanges) {
      removed += text;
      added += text;
    } else if (kind === 'same') {
      flush();
      const last = parts.at(-1);
      if (last?.kind === 'same') last.text += text;
      else parts.push({ kind: 'same', text });
    } else if (kind === 'del') removed += text;
    else added += text;
  });
  flush();
  return parts;
}

/** A changed text: the new one with what was removed struck out and what was added marked. */
function TextDiff({ before, after }) {
  const parts = typeof before === 'string' && typeof after === 'string' ? diffWords(before, after) : null;
  if (!parts) return html`<pre class="prompt">${after}</pre>`;
  return html`<pre class="prompt diff" data-diff>${parts.map((part) =>
    part.kind === 'same'
      ? part.text
      : part.kind === 'del'
        ? html`<del><span class="sr-only">removed: </span>${part.text}</del>`
        : html`<ins><span class="sr-only">added: </span>${part.text}</ins>`
  )}</pre>`;
}

/**
 * The change the eval tried, field by field: before → with the change. `before` is the genie as
 * the eval found it, when it is known (else only the new values show).
 */
function ChangeList({ changes, before }) {
  return html`<div class="card change-list">
    <table class="list">
      <thead>
        <tr>
          <th>Field</th>
          <th>Before → with the change</th>
        </tr>
      </thead>
      <tbody>
        ${Object.entries(changes).map(([field, value]) =>
          field === 'soul_prompt'
            ? html`<tr data-field=${field}>
                <th scope="row">${fieldLabel(field)}</th>
                <td>
                  <${TextDiff} before=${before?.soul_prompt} after=${value} />
                  <p class="hint">
                    ${before ? html`<del>Struck out</del>: removed · <ins>marked</ins>: added` : 'The soul prompt it replaced is not known here.'}
                  </p>
                </td>
              </tr>`
            : html`<tr data-field=${field}>
                <th scope="row">${fieldLabel(field)}</th>
                <td>
                  <span class="before"><${Value} field=${field} value=${before ? before[field] : undefined} /></span>
                  <span class="arrow" aria-label="changed to"> → </span>
                  <span class="after"><${Value} field=${field} value=${value} /></span>
                </td>
              </tr>`
        )}
      </tbody>
    </table>
  </div>`;
}

/** A case's (or its past run's) tool calls, in order; with `sources`, where each got its answer. */
function ToolCalls({ calls, sources = false }) {
  if (!calls.length) return html`<p class="muted small calls-none">No tool calls</p>`;
  return html`<ol class="calls" aria-label="Tool calls">
    ${calls.map((call) => {
      const input = call.input === undefined ? '' : JSON.stringify(call.input);
      return html`<li class=${`call${call.is_error ? ' is-error' : ''}`} data-tool=${call.tool}>
        <code>${call.tool}</code>
        ${sources ? html`<${SourceBadge} source=${call.source} />` : null}
        ${call.is_error ? html`<span class="badge status-failed" title="The tool answered with an error">error</span>` : null}
        ${input ? html`<span class="call-input mono small muted" title=${input}>${input}</span>` : null}
      </li>`;
    })}
  </ol>`;
}

/** One case: the past run on the left, the run with the change on the right. */
function EvalCase({ item, index, rubric }) {
  const ended = !['queued', 'running', 'waiting_approval', 'waiting_budget'].includes(item.status);
  const headingId = `case-${index + 1}`;
  return html`<article class="card eval-case" data-case=${item.run_id} aria-labelledby=${headingId}>
    <header class="eval-case-head">
      <h3 id=${headingId}>Case ${index + 1}</h3>
      <${StatusBadge} status=${item.status} />
      ${
        typeof item.score === 'number'
          ? html`<span class=${`badge score score-${item.score}`} data-score=${item.score} title="The judge’s score against the rubric, 1 (poor) to 5 (excellent)"
              >Score ${item.score}/5</span
            >`
          : null
      }
      ${
        ended && item.status === 'succeeded'
          ? item.same_tool_sequence
            ? html`<span class="badge same-tools" title="It called the same tools in the same order as the past run">Same tool calls</span>`
            : html`<span class="badge other-tools" title="It called other tools, or in another order, than the past run">Other tool calls</span>`
          : null
      }
      <span class="eval-case-links small">
        <${Link} to=${`/runs/${item.run_id}`}>Past run<//>${' · '}<${Link} to=${`/runs/${item.case_run_id}`}
          >Run with the change<//
        >
      </span>
    </header>
    ${
      item.reason
        ? html`<p class="judge-reason"><strong>Judge:</strong> ${item.reason}</p>`
        : rubric && ended && item.status === 'succeeded' && typeof item.score !== 'number'
          ? html`<p class="muted small">Not scored.</p>`
          : null
    }
    ${item.error ? html`<div class="error-box" role="alert" data-error=${item.error.type}><strong>${item.error.type}</strong>: ${item.error.message}</div>` : null}
    <div class="side-by-side">
      <section class="side before" aria-label=${`Case ${index + 1}, before`}>
        <div class="side-head">
          <h4>Before</h4>
          <span class="small muted" data-cost>cost <${Cost} value=${item.baseline_cost_usd} empty="no price" /></span>
        </div>
        <${Output} value=${item.baseline_output} empty="The past run gave no answer." />
        <${ToolCalls} calls=${item.baseline_tool_calls} />
      </section>
      <section class="side after" aria-label=${`Case ${index + 1}, with the change`}>
        <div class="side-head">
          <h4>With the change</h4>
          <span class="small muted" data-cost
            >cost <${Cost} value=${item.cost_usd} empty="no price" />${typeof item.score === 'number' ? ' (judging included)' : ''}</span
          >
        </div>
        ${
          ended
            ? html`<${Output} value=${item.output} empty="No answer." />`
            : html`<p class="output-text muted" aria-live="polite">
                <span class="pulse inline-pulse" aria-hidden="true"></span> ${item.status === 'queued' ? 'Waiting to start…' : 'Running…'}
              </p>`
        }
        <${ToolCalls} calls=${item.tool_calls} sources=${true} />
      </section>
    </div>
  </article>`;
}

/** The eval's numbers: cases finished, failed, same tool calls, mean score, cost against the past runs'. */
function Summary({ summary, rubric }) {
  return html`<div class="stats eval-summary" data-summary>
    <div data-stat="finished"><span class="label">Cases finished</span>${summary.finished} / ${summary.cases}</div>
    <div data-stat="failed"><span class="label">Failed</span>${summary.failed}</div>
    <div data-stat="same" title="Cases that called the same tools, in the same order, as their past run">
      <span class="label">Same tool calls</span>${summary.same_tool_sequence} of ${summary.cases}
    </div>
    <div data-stat="score" title=${rubric ? 'The judge’s mean score, 1 to 5' : 'No rubric: the cases are not scored'}>
      <span class="label">Mean score</span>${summary.mean_score === null ? html`<span class="muted">—</span>` : `${summary.mean_score} / 5`}
    </div>
    <div data-stat="cost">
      <span class="label">Cost</span><${Cost} value=${summary.cost_usd} />
      <span class="muted small cap">vs ${usd(summary.baseline_cost_usd)} before</span>
    </div>
  </div>`;
}

/** The genie as the eval found it (its version then), when the console can know it. */
function useBefore(evaluation, genie) {
  const [before, setBefore] = useState();
  useEffect(() => {
    if (before || !evaluation || !genie) return;
    if (genie.version === evaluation.genie_version) {
      setBefore(genie);
      return;
    }
    // The genie changed since: a past run made with that version has its settings.
    const first = evaluation.cases?.[0];
    if (!first) return;
    get(`/v1/runs/${first.run_id}`).then(
      (run) => run.genie_config?.version === evaluation.genie_version && setBefore(run.genie_config),
      () => undefined
    );
  }, [evaluation?.id, genie?.version]);
  return before;
}

/** Applying the change: done (the genie's new version), or why not. */
function ApplyResult({ applied, evaluation, genie, error }) {
  if (error) {
    return html`<div class="error-box" role="alert" data-apply-error>
      ${error.message}
      ${
        error.status === 409
          ? html`<p class="small">
              <${Link} to=${`/genies/${evaluation.genie_id}/try?from=${evaluation.id}`}>Try the change again<//> against the genie as it is now.
            </p>`
          : null
      }
    </div>`;
  }
  if (applied) {
    return html`<div class="notice applied" role="status" data-applied>
      <strong>Change applied.</strong> <${Link} to=${`/genies/${applied.id}`}>${applied.name}<//> is now at version
      ${' '}${applied.version}; its next runs use it.
    </div>`;
  }
  if (evaluation.applied_at) {
    return html`<div class="notice applied" data-applied>
      Applied <${Time} value=${evaluation.applied_at} /> to
      ${' '}<${Link} to=${`/genies/${evaluation.genie_id}`}>${genie?.name ?? 'the genie'}<//>.
    </div>`;
  }
  return null;
}

export function EvalPage({ id }) {
  const [evaluation, setEvaluation] = useState();
  const [error, setError] = useState();
  const [genie, setGenie] = useState();
  const [cancelling, setCancelling] = useState(false);
  const [applying, setApplying] = useState(false);
  const [applied, setApplied] = useState();
  const [applyError, setApplyError] = useState();
  const before = useBefore(evaluation, genie);

  // Asked every 1.5 s while it runs; once it has ended, not again.
  useEffect(() => {
    let live = true;
    let timer;
    const load = async () => {
      try {
        const data = await get(`/v1/evals/${id}`);
        if (!live) return;
        setEvaluation(data);
        setError(undefined);
        if (data.status === 'running') timer = setTimeout(load, POLL_MS);
      } catch (err) {
        if (!live) return;
        setError(err);
        if (![401, 404].includes(err.status)) timer = setTimeout(load, POLL_MS * 2);
      }
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);
  useEffect(() => {
    if (evaluation?.genie_id) get(`/v1/worker-genies/${evaluation.genie_id}`).then(setGenie, () => undefined);
  }, [evaluation?.genie_id]);

  const cancel = async () => {
    setCancelling(true);
    try {
      setEvaluation(await post(`/v1/evals/${id}/cancel`));
    } catch (err) {
      setError(err);
      get(`/v1/evals/${id}`).then(setEvaluation, () => undefined);
    } finally {
      setCancelling(false);
    }
  };
  const apply = async () => {
    setApplying(true);
    setApplyError(undefined);
    try {
      const saved = await post(`/v1/evals/${id}/apply`);
      setApplied(saved);
      setGenie(saved);
      get(`/v1/evals/${id}`).then(setEvaluation, () => undefined);
    } catch (err) {
      setApplyError(err);
    } finally {
      setApplying(false);
    }
  };

  if (!evaluation) return error ? html`<${ErrorBox} error=${error} />` : html`<${Loading} what="Loading the eval" />`;
  const running = evaluation.status === 'running';
  const { summary } = evaluation;
  const took =
    evaluation.finished_at && new Date(evaluation.finished_at).getTime() - new Date(evaluation.created_at).getTime();
  // Refused because the genie changed since: trying again is the way on, not applying again.
  const canApply = !running && !evaluation.applied_at && !applied && applyError?.status !== 409;
  return html`<section class="eval-page">
    <p class="crumbs">
      <${Link} to="/genies">Genies<//> / <${Link} to=${`/genies/${evaluation.genie_id}`}>${genie?.name ?? 'Genie'}<//
      >${' / '}<${Link} to=${`/genies/${evaluation.genie_id}?tab=evals`}>Evals<//>
    </p>
    <div class="page-head">
      <div>
        <h1 class="run-title">
          <${StatusBadge} status=${evaluation.status} /> Eval <span class="mono muted">${evaluation.id.slice(0, 8)}</span>
        </h1>
        <p class="muted">
          A change to version ${evaluation.genie_version}, tried against ${summary.cases} past
          ${summary.cases === 1 ? ' run' : ' runs'} · started <${Time} value=${evaluation.created_at} />${took ? ` · took ${duration(took)}` : ''}
        </p>
      </div>
      <div class="buttons">
        ${
          running
            ? html`<button class="danger" onClick=${cancel} disabled=${cancelling}>
                ${cancelling ? 'Cancelling…' : 'Cancel eval'}
              </button>`
            : null
        }
        <${Link} class="button" to=${`/genies/${evaluation.genie_id}/try?from=${evaluation.id}`}>Try another change<//>
        ${
          canApply
            ? html`<button class="primary" onClick=${apply} disabled=${applying} title="Save this change to the genie, as its next version">
                ${applying ? 'Applying…' : 'Apply change'}
              </button>`
            : null
        }
      </div>
    </div>
    <${ErrorBox} error=${error} />
    <${ApplyResult} applied=${applied} evaluation=${evaluation} genie=${genie} error=${applyError} />
    ${
      evaluation.error
        ? html`<div class="error-box" role="alert">
            <strong>${evaluation.error.type ?? 'Error'}</strong>: ${evaluation.error.message ?? JSON.stringify(evaluation.error)}
          </div>`
        : null
    }
    ${
      running
        ? html`<div class="live" aria-live="polite">
            <span class="pulse" aria-hidden="true"></span>
            <div>
              <strong>Trying the change</strong>
              <span class="muted"> · ${summary.finished} of ${summary.cases} cases finished</span>
              <div class="small">
                Tool calls are answered from the past runs, reads may run live; nothing is written, sent or
                asked.
              </div>
            </div>
          </div>`
        : null
    }
    <${Summary} summary=${summary} rubric=${evaluation.rubric} />
    <h2>The change</h2>
    <${ChangeList} changes=${evaluation.changes} before=${before} />
    ${
      evaluation.rubric
        ? html`<div class="card rubric">
            <h3>Rubric</h3>
            <p class="output-text">${evaluation.rubric}</p>
          </div>`
        : null
    }
    <h2>Cases <span class="muted small">(${summary.cases})</span></h2>
    <div class="eval-cases">
      ${evaluation.cases.map(
        (item, index) =>
          html`<${EvalCase} key=${item.case_run_id} item=${item} index=${index} rubric=${evaluation.rubric} />`
      )}
    </div>
  </section>`;
}

/** A genie's evals, newest first: how each went, and whether it was applied. */
export function GenieEvals({ genie }) {
  const { data, error, loading } = useLoad(() => get(`/v1/worker-genies/${genie.id}/evals?limit=20`), [genie.id]);
  if (loading) return html`<${Loading} what="Loading evals" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (data.items.length === 0) {
    return html`<${EmptyState}
      title="No evals yet"
      action=${html`<${Link} class="button" to=${`/genies/${genie.id}/try`}>Try a change<//>`}
      >Try a change to its soul prompt, model or max turns against its past runs before you save it.<//>`;
  }
  return html`<div class="table-wrap">
    <table class="list evals">
      <thead>
        <tr>
          <th>Status</th>
          <th>Change</th>
          <th>Started</th>
          <th class="num">Cases</th>
          <th class="num">Mean score</th>
          <th>Applied</th>
        </tr>
      </thead>
      <tbody>
        ${data.items.map(
          (item) =>
            html`<tr class="clickable" data-eval=${item.id} onClick=${() => go(`/evals/${item.id}`)}>
              <td>
                <${Link} to=${`/evals/${item.id}`} class="plain"><${StatusBadge} status=${item.status} /><//>
              </td>
              <td>${Object.keys(item.changes).map(fieldLabel).join(', ')}</td>
              <td><${Time} value=${item.created_at} /></td>
              <td class="num">${item.summary.finished} / ${item.summary.cases}</td>
              <td class="num">${item.summary.mean_score === null ? html`<span class="muted">—</span>` : item.summary.mean_score}</td>
              <td>${item.applied_at ? html`<${Time} value=${item.applied_at} />` : html`<span class="muted">no</span>`}</td>
            </tr>`
        )}
      </tbody>
    </table>
  </div>`;
}
