// "Try a change": a change to a genie's soul prompt, model or max turns, tried against its past runs
// (an eval) before it is saved. Only the fields that differ from the genie are sent.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { useCatalogue } from '../catalogue.js';
import { ErrorBox, Field, go, html, Link, Loading, StatusBadge, Time, useLoad } from '../ui.js';
import { fieldLabel } from './eval.js';
import { modelPriceHint } from './genie-form.js';

/** Past runs an eval may replay (the API's limit), and how many of the latest it takes by default. */
const MAX_RUNS = 50;
const DEFAULT_LAST = 10;
/** The fields this form changes; an eval it starts again from keeps its others (see `others`). */
const FORM_FIELDS = ['soul_prompt', 'model', 'max_turns'];
const ENDED = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/** The form's state: the genie's values, or those of an earlier eval tried again (`source`). */
function initialForm(genie, source) {
  const changes = source?.changes ?? {};
  return {
    soul_prompt: changes.soul_prompt ?? genie.soul_prompt,
    model: ('model' in changes ? changes.model : genie.model) ?? '',
    max_turns: String(changes.max_turns ?? genie.max_turns),
    mode: 'last',
    last: String(source?.cases?.length || DEFAULT_LAST),
    picked: [],
    rubric: source?.rubric ?? '',
    keepOthers: true,
  };
}

/** The changes of an earlier eval this form does not show (tools, approvals…). */
const othersOf = (source) =>
  Object.fromEntries(Object.entries(source?.changes ?? {}).filter(([field]) => !FORM_FIELDS.includes(field)));

/** What differs from the genie: the eval's `changes`. */
function changesOf(form, genie, others) {
  const changes = { ...others };
  if (form.soul_prompt !== genie.soul_prompt) changes.soul_prompt = form.soul_prompt;
  const model = form.model.trim() || null;
  if (model !== (genie.model ?? null)) changes.model = model;
  if (Number(form.max_turns) !== genie.max_turns) changes.max_turns = Number(form.max_turns);
  return changes;
}

/** A line of a past run to pick it by: its answer, its error, or its input. */
function runText(run) {
  const text =
    run.output ?? run.error?.message ?? (typeof run.input === 'string' ? run.input : JSON.stringify(run.input));
  if (!text) return '';
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}

/** The genie's recent ended runs as checkboxes. */
function RunPicker({ runs, picked, onToggle, error }) {
  if (runs.loading) return html`<${Loading} what="Loading its runs" />`;
  if (runs.error) return html`<${ErrorBox} error=${runs.error} />`;
  const ended = runs.data.items.filter((run) => ENDED.includes(run.status));
  if (ended.length === 0) return html`<p class="muted small">It has no ended runs yet: run it first.</p>`;
  return html`<div class="run-picker" role="group" aria-label="Past runs to try the change against" aria-describedby=${error ? 'try-runs-error' : undefined}>
    <ul>
      ${ended.map(
        (run) =>
          html`<li>
            <label class="check run-pick" for=${`try-run-${run.id}`}>
              <input
                type="checkbox"
                id=${`try-run-${run.id}`}
                value=${run.id}
                checked=${picked.includes(run.id)}
                onChange=${() => onToggle(run.id)}
              />
              <span class="run-pick-head">
                <${StatusBadge} status=${run.status} />
                <span class="small"><${Time} value=${run.started_at ?? run.created_at} /></span>
                <span class="muted small">${run.trigger_type}</span>
                <span class="mono muted small">${run.id.slice(0, 8)}</span>
              </span>
              <span class="run-pick-text small">${runText(run)}</span>
            </label>
          </li>`
      )}
    </ul>
  </div>`;
}

export function TryChange({ id, from }) {
  const catalogue = useCatalogue();
  const genie = useLoad(() => get(`/v1/worker-genies/${id}`), [id]);
  const source = useLoad(() => (from ? get(`/v1/evals/${from}`) : Promise.resolve(null)), [from]);
  const failed = catalogue.error ?? genie.error ?? source.error;
  if (failed) return html`<${ErrorBox} error=${failed} />`;
  if (!catalogue.data || genie.loading || source.loading) return html`<${Loading} what="Loading the genie" />`;
  const earlier = source.data?.genie_id === id ? source.data : null;
  return html`<${TryForm} genie=${genie.data} limits=${catalogue.data.genie_limits} source=${earlier} />`;
}

function TryForm({ genie, limits, source }) {
  const runs = useLoad(() => get(`/v1/worker-genies/${genie.id}/runs?limit=${MAX_RUNS}`), [genie.id]);
  const models = useLoad(() => get('/v1/models'));
  const [form, setForm] = useState(() => initialForm(genie, source));
  const [error, setError] = useState();
  const [local, setLocal] = useState({});
  const [busy, setBusy] = useState(false);
  const others = othersOf(source);
  const kept = form.keepOthers ? others : {};
  const changes = changesOf(form, genie, kept);
  const changed = Object.keys(changes);
  const succeeded = runs.data?.items.filter((run) => run.status === 'succeeded').length;

  const set = (field) => (event) => {
    const target = event.currentTarget;
    setForm({ ...form, [field]: target.type === 'checkbox' ? target.checked : target.value });
    // Another way to choose runs: the other way's message goes.
    setLocal(field === 'mode' ? {} : { ...local, [field]: undefined, changes: undefined });
  };
  const toggleRun = (runId) => {
    const picked = form.picked.includes(runId) ? form.picked.filter((r) => r !== runId) : [...form.picked, runId];
    setForm({ ...form, picked });
    setLocal({ ...local, runs: undefined });
  };
  /** What is wrong with `field`: the form's own check, or the API's message about it. */
  const fieldError = (field) =>
    local[field] ??
    error?.fieldMessage?.(`changes.${field}`) ??
    (FORM_FIELDS.includes(field) && error?.status === 409 ? error.fieldMessage(field) : undefined) ??
    (FORM_FIELDS.includes(field) ? undefined : error?.fieldMessage?.(field));
  const describedBy = (field) => (fieldError(field) ? `try-${field}-error` : undefined);

  /** The form's own checks, before anything is sent. */
  function check() {
    const problems = {};
    if (changed.length === 0) {
      problems.changes = 'Nothing is changed yet: edit the soul prompt, the model or the max turns, then run the eval.';
    }
    if (String(form.max_turns).trim() === '') problems.max_turns = 'Give a number of turns.';
    if (form.mode === 'last' && String(form.last).trim() === '') {
      problems.last = `Give how many of its latest succeeded runs to try (1 to ${MAX_RUNS}).`;
    }
    if (form.mode === 'pick' && form.picked.length === 0) problems.runs = 'Pick at least one run.';
    if (form.mode === 'pick' && form.picked.length > MAX_RUNS) problems.runs = `Pick at most ${MAX_RUNS} runs.`;
    return problems;
  }

  const submit = async (event) => {
    event.preventDefault();
    setError(undefined);
    const problems = check();
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      const rubric = form.rubric.trim();
      const started = await post(`/v1/worker-genies/${genie.id}/evals`, {
        changes,
        ...(form.mode === 'last' ? { last: Number(form.last) } : { runs: form.picked }),
        ...(rubric ? { rubric } : {}),
      });
      go(`/evals/${started.eval_id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const turns = limits.max_turns ?? {};
  return html`<section class="narrow try-change">
    <p class="crumbs">
      <${Link} to="/genies">Genies<//> / <${Link} to=${`/genies/${genie.id}`}>${genie.name}<//>
    </p>
    <h1>Try a change</h1>
    <p class="muted lead">
      Change ${genie.name} here and see how its past runs would have gone: Claude is asked again with the change,
      while tool calls are answered from what the runs recorded (reads may run live). Nothing is written, sent or
      saved until you apply the change.
    </p>
    ${
      source
        ? html`<p class="notice" data-from-eval>
            Starting from <${Link} to=${`/evals/${source.id}`}>eval ${source.id.slice(0, 8)}<//>, against the genie as
            it is now (version ${genie.version}).
          </p>`
        : null
    }
    <form onSubmit=${submit} class="stack" novalidate>
      <${Field}
        id="try-soul_prompt"
        label="Soul prompt"
        hint="What the genie is for and how it should work."
        error=${fieldError('soul_prompt')}
      >
        <textarea
          id="try-soul_prompt"
          rows="8"
          value=${form.soul_prompt}
          onInput=${set('soul_prompt')}
          maxlength=${limits.soul_prompt?.max_length}
          aria-describedby=${describedBy('soul_prompt')}
        ></textarea>
      <//>
      <div class="grid-2">
        <${Field}
          id="try-model"
          label="Model"
          hint=${modelPriceHint(models.data, form.model, genie.model_mode)}
          error=${fieldError('model')}
        >
          <input
            id="try-model"
            class="mono"
            value=${form.model}
            onInput=${set('model')}
            placeholder="default"
            list="try-model-prices"
            autocomplete="off"
            aria-describedby=${describedBy('model')}
          />
          <datalist id="try-model-prices">
            ${(models.data?.items ?? []).map((m) => html`<option value=${m.id}></option>`)}
          </datalist>
        <//>
        <${Field} id="try-max_turns" label="Max turns per run" error=${fieldError('max_turns')}>
          <input
            id="try-max_turns"
            type="number"
            min=${turns.min}
            max=${turns.max}
            value=${form.max_turns}
            onInput=${set('max_turns')}
            aria-describedby=${describedBy('max_turns')}
          />
        <//>
      </div>
      ${
        Object.keys(others).length
          ? html`<label class="check">
              <input type="checkbox" checked=${form.keepOthers} onChange=${set('keepOthers')} />
              <span>Also try the eval’s other changes: ${Object.keys(others).map((f) => html`<code class="tag">${fieldLabel(f)}</code>`)}</span>
            </label>`
          : null
      }

      <fieldset class="try-runs">
        <legend>Try it against</legend>
        <div class="segmented" role="radiogroup" aria-label="Which past runs">
          ${[
            ['last', 'Last N succeeded runs'],
            ['pick', 'Runs I pick'],
          ].map(
            ([value, label]) =>
              html`<label class=${form.mode === value ? 'selected' : ''}>
                <input type="radio" name="try-mode" value=${value} checked=${form.mode === value} onChange=${set('mode')} />
                ${label}
              </label>`
          )}
        </div>
        ${
          form.mode === 'last'
            ? html`<${Field}
                id="try-last"
                className="try-last"
                label="How many of its latest succeeded runs"
                hint=${`1 to ${MAX_RUNS}.${succeeded === undefined ? '' : succeeded === 0 ? ' It has no succeeded run yet: run it first.' : ` It has ${succeeded}${runs.data?.next_cursor ? '+' : ''} succeeded ${succeeded === 1 ? 'run' : 'runs'}.`}`}
                error=${fieldError('last')}
              >
                <input
                  id="try-last"
                  type="number"
                  min="1"
                  max=${MAX_RUNS}
                  value=${form.last}
                  onInput=${set('last')}
                  aria-describedby=${describedBy('last')}
                />
              <//>`
            : html`<div class=${`field${fieldError('runs') ? ' has-error' : ''}`}>
                <p class="hint">
                  Its ended runs, newest first: ${form.picked.length} picked (at most ${MAX_RUNS}).
                </p>
                <${RunPicker} runs=${runs} picked=${form.picked} onToggle=${toggleRun} error=${fieldError('runs')} />
                ${fieldError('runs') ? html`<p class="field-error" id="try-runs-error">${fieldError('runs')}</p>` : null}
              </div>`
        }
        ${form.mode === 'last' && fieldError('runs') ? html`<p class="field-error" id="try-runs-error">${fieldError('runs')}</p>` : null}
      </fieldset>

      <${Field}
        id="try-rubric"
        label="Rubric (optional)"
        hint="With one, Claude judges each case’s answer against it and scores it 1 to 5 (that costs a model call per case)."
        error=${fieldError('rubric')}
      >
        <textarea
          id="try-rubric"
          rows="3"
          value=${form.rubric}
          onInput=${set('rubric')}
          placeholder="Is the answer right, short and friendly? Does it name the three best leads?"
          aria-describedby=${describedBy('rubric')}
        ></textarea>
      <//>

      ${local.changes ? html`<p class="field-error try-empty" role="alert" data-empty-change>${local.changes}</p>` : null}
      ${error && !Array.isArray(error.details) ? html`<${ErrorBox} error=${error} />` : null}
      ${error && Array.isArray(error.details) ? html`<p class="field-error" role="alert">${error.message}</p>` : null}
      <div class="form-actions">
        <button class="primary" type="submit" disabled=${busy}>${busy ? 'Starting…' : 'Run eval'}</button>
        <${Link} to=${`/genies/${genie.id}`}>Cancel<//>
        <span class="muted small" aria-live="polite" data-changed>
          ${changed.length ? `Changes: ${changed.map(fieldLabel).join(', ')}` : 'Nothing changed yet'}
        </span>
      </div>
    </form>
  </section>`;
}
