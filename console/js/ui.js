// Small pieces every page uses: links, status badges, relative times, empty states, errors.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/** Navigates within the console (hash routes, so `/` serves every page). */
export const go = (path) => {
  window.location.hash = `#${path}`;
};

export function Link({ to, children, ...rest }) {
  return html`<a href=${`#${to}`} ...${rest}>${children}</a>`;
}

const STATUS_LABELS = {
  queued: 'Queued',
  running: 'Running',
  waiting_approval: 'Waiting for approval',
  waiting_budget: 'Waiting for budget',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
  // approvals
  pending: 'Waiting for you',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
};

/** A run's (or an approval's) status as people read it: "Waiting for budget". */
export const statusLabel = (status) => STATUS_LABELS[status] ?? status;

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`} title=${status}>${statusLabel(status)}</span>`;
}

const UNITS = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", "in 2 hours" (the full time in its tooltip); re-rendered every 30 s. */
export function Time({ value }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  if (!value) return html`<span class="muted">—</span>`;
  const date = new Date(value);
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const [unit, size] = UNITS.find(([, s]) => Math.abs(seconds) >= s) ?? ['second', 1];
  const text = Math.abs(seconds) < 5 ? 'just now' : relativeFormat.format(Math.round(seconds / size), unit);
  return html`<time datetime=${value} title=${date.toLocaleString()}>${text}</time>`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A span of whole seconds in its largest exact unit: "1 day", "4 hours", "90 minutes". */
export function timeSpan(seconds) {
  for (const [unit, size] of [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ]) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}${seconds === size ? '' : 's'}`;
  }
  return `${seconds} seconds`;
}

export const tokens = (usage) =>
  usage
    ? usage.input_tokens + usage.output_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
    : 0;

const dollars = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * An amount of USD as people read it: "$1.25", "$0.0091" (four decimals under a dollar, trailing
 * zeros dropped to two), "<$0.0001" for a tiny one that is not 0, "—" for null (no price).
 * The API's amounts are whole micro-dollars, so rounding goes through them (no float drift).
 */
export function usd(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const micro = Math.round(Math.abs(value) * 1e6);
  const sign = value < 0 ? '-' : '';
  if (micro === 0) return '$0.00';
  if (micro < 100) return `${sign}<$0.0001`;
  if (micro < 1_000_000) {
    const text = (Math.round(micro / 100) / 10_000).toFixed(4).replace(/0{1,2}$/, '');
    return `${sign}$${text}`;
  }
  return `${sign}$${dollars.format(Math.round(micro / 10_000) / 100)}`;
}

/** A cost: the amount, or "no price" (muted) when the model it was run with has none. */
export function Cost({ value, empty = 'no price' }) {
  if (value === null || value === undefined) {
    return html`<span class="muted no-price" title="This model has no price here (GET /v1/models)">${empty}</span>`;
  }
  return html`<span class="cost" title=${`$${value} (USD)`}>${usd(value)}</span>`;
}

/**
 * This month's spend against a monthly budget: the amounts in words ("$0.006 of $0.005 this
 * month"), and a bar that turns amber at 80 % and red at 100 %, where runs wait (`whose`: "this
 * genie's runs").
 */
export function BudgetBar({ spent, budget, whose = 'runs' }) {
  const share = budget > 0 ? spent / budget : 0;
  const percent = Math.round(share * 100);
  const level = share >= 1 ? 'stop' : share >= 0.8 ? 'warn' : 'ok';
  const text = `${usd(spent)} of ${usd(budget)} this month`;
  return html`<div class=${`budget-bar level-${level}`} data-level=${level}>
    <div class="budget-text">
      <span class="budget-amounts">${text}</span>
      <span class="budget-percent">${percent > 999 ? '>999' : percent} %</span>
    </div>
    <div
      class="budget-track"
      role="meter"
      aria-label="Monthly budget spent"
      aria-valuemin="0"
      aria-valuemax="100"
      aria-valuenow=${Math.min(percent, 100)}
      aria-valuetext=${`${percent} % (${text})`}
    >
      <span class="budget-fill" style=${`width: ${Math.min(share, 1) * 100}%`}></span>
    </div>
    ${
      level === 'stop'
        ? html`<p class="budget-note">
            Budget spent: ${whose} wait until the budget is raised or the month ends (UTC).
          </p>`
        : level === 'warn'
          ? html`<p class="budget-note">Nearly spent: ${whose} will wait once it is all spent.</p>`
          : null
    }
  </div>`;
}

export function EmptyState({ title, children, action }) {
  return html`<div class="empty">
    <h3>${title}</h3>
    <p>${children}</p>
    ${action}
  </div>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">${error.message ?? String(error)}</div>`;
}

export function Loading({ what = 'Loading' }) {
  return html`<p class="loading" aria-live="polite">${what}…</p>`;
}

/** Loads `load()` on mount and whenever `deps` change; gives {data, error, loading, reload}. */
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error) => live && setState({ data: undefined, error, loading: false })
    );
    return () => {
      live = false;
    };
  }, [...deps, version]);
  return { ...state, reload: () => setVersion((v) => v + 1) };
}

/** A labelled form field with the API's message for it, when it refused it. */
export function Field({ label, hint, error, children, id, className }) {
  return html`<div class=${`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
    <label for=${id}>${label}</label>
    ${children}
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : hint ? html`<p class="hint">${hint}</p>` : null}
  </div>`;
}

/**
 * What Claude answered, as the console shows it everywhere: its text as written (line breaks kept,
 * no markup rendered), or a muted `empty` when there is none.
 */
export function Output({ value, empty = 'No answer' }) {
  if (value === null || value === undefined || value === '') return html`<p class="output-text muted">${empty}</p>`;
  return html`<p class="output-text">${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</p>`;
}

export function Json({ value }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return html`<pre class="json">${text}</pre>`;
}
