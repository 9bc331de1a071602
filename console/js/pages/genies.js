import { useState } from 'preact/hooks';
import { get, patch, post } from '../api.js';
import { BudgetBar, EmptyState, ErrorBox, go, html, Link, Loading, StatusBadge, Time, usd, useLoad } from '../ui.js';

/** How a genie is started, in a few words. */
export function triggerSummary(genie) {
  if (genie.trigger_type === 'schedule' && genie.schedule) {
    const s = genie.schedule;
    const when = s.cron ? `cron ${s.cron}` : `every ${s.interval_seconds} s`;
    return `${when}${s.cron && s.timezone && s.timezone !== 'UTC' ? ` (${s.timezone})` : ''}${s.paused ? ' · paused' : ''}`;
  }
  if (genie.trigger_type === 'event') return `on ${genie.event_types.length ? genie.event_types.join(', ') : 'events'}`;
  return 'on demand';
}

function GenieRow({ genie, onChanged }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState();
  const run = async () => {
    setBusy(true);
    try {
      const started = await post(`/v1/worker-genies/${genie.id}/run`, {});
      go(`/runs/${started.run_id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const toggle = async () => {
    setBusy(true);
    try {
      await patch(`/v1/worker-genies/${genie.id}`, { enabled: !genie.enabled });
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<tr class=${genie.enabled ? '' : 'disabled'}>
    <td>
      <${Link} to=${`/genies/${genie.id}`} class="strong">${genie.name}<//> ${genie.description ? html`<div class="muted small">${genie.description}</div>` : null}
      ${error ? html`<div class="field-error small">${error.message}</div>` : null}
    </td>
    <td><span class="trigger">${triggerSummary(genie)}</span></td>
    <td>
      ${
        genie.last_run
          ? html`<${Link} to=${`/runs/${genie.last_run.id}`} class="plain"
              ><${StatusBadge} status=${genie.last_run.status} /> <${Time} value=${genie.last_run.created_at}
            /><//>`
          : html`<span class="muted">never run</span>`
      }
    </td>
    <td class="num spend" data-spend title="What its runs' Claude calls cost (UTC)">
      ${
        genie.spend
          ? html`<div>${usd(genie.spend.today_usd)} <span class="muted small">today</span></div>
              <div class="muted small">${usd(genie.spend.month_usd)} this month</div>`
          : html`<span class="muted">—</span>`
      }
    </td>
    <td class="actions">
      <label class="switch" title=${genie.enabled ? 'Enabled: click to disable' : 'Disabled: click to enable'}>
        <input
          type="checkbox"
          checked=${genie.enabled}
          disabled=${busy}
          onChange=${toggle}
          aria-label=${`Enable ${genie.name}`}
        />
        <span></span>
      </label>
      <button class="small" onClick=${run} disabled=${busy || !genie.enabled}>Run now</button>
    </td>
  </tr>`;
}

/**
 * The account's spend (all genies together, UTC) and its monthly budget: a bar when there is one,
 * and a small form to set, change or remove it (PATCH /v1/account).
 */
function AccountSpend() {
  const loaded = useLoad(() => get('/v1/account'));
  const [account, setAccount] = useState();
  // What the owner typed; until they type, the input shows the budget as loaded (no render without it).
  const [typed, setValue] = useState();
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState('');
  const current = account ?? loaded.data;
  const budget = current?.monthly_budget_usd ?? null;
  const value = typed ?? (budget === null ? '' : String(budget));

  const save = async (monthly_budget_usd) => {
    setBusy(true);
    setError(undefined);
    setSaved('');
    try {
      const updated = await patch('/v1/account', { monthly_budget_usd });
      setAccount(updated);
      setValue(updated.monthly_budget_usd === null ? '' : String(updated.monthly_budget_usd));
      setSaved(updated.monthly_budget_usd === null ? 'Budget removed' : 'Budget saved');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event) => {
    event.preventDefault();
    void save(value.trim() === '' ? null : Number(value));
  };

  if (loaded.error) return html`<${ErrorBox} error=${loaded.error} />`;
  if (!current) return null;
  const message = error ? (error.fieldMessage?.('monthly_budget_usd') ?? error.message) : undefined;
  return html`<div class="card account-spend" data-account-spend>
    <div class="account-numbers">
      <h2>Your spend <span class="muted small">all genies, UTC</span></h2>
      <div class="account-amounts">
        <div><strong class="spend-month">${usd(current.spend.month_usd)}</strong> this month</div>
        <div class="muted"><span class="spend-today">${usd(current.spend.today_usd)}</span> today</div>
      </div>
      ${
        budget === null
          ? html`<p class="muted small">No monthly budget: runs are not held back by what they cost.</p>`
          : html`<${BudgetBar} spent=${current.spend.month_usd} budget=${budget} whose="all your genies’ runs" />`
      }
    </div>
    <form class="account-budget-form" onSubmit=${submit} novalidate>
      <label for="account-budget">Monthly budget (USD)</label>
      <div class="inline-form">
        <div class="money-input">
          <span aria-hidden="true">$</span>
          <input
            id="account-budget"
            type="number"
            min="0"
            step="any"
            inputmode="decimal"
            value=${value}
            onInput=${(e) => setValue(e.currentTarget.value)}
            placeholder="no budget"
            aria-invalid=${message ? 'true' : undefined}
            aria-describedby=${message ? 'account-budget-error' : 'account-budget-hint'}
          />
        </div>
        <button type="submit" disabled=${busy}>${busy ? 'Saving…' : budget === null ? 'Set' : 'Save'}</button>
        ${
          budget !== null
            ? html`<button type="button" class="link" onClick=${() => save(null)} disabled=${busy}>Remove</button>`
            : null
        }
      </div>
      ${
        message
          ? html`<p class="field-error" id="account-budget-error" role="alert">${message}</p>`
          : html`<p class="hint" id="account-budget-hint">
              For all your genies together. Once spent, runs wait before their next Claude call until you raise it or the
              month ends. Empty: none.
            </p>`
      }
      ${saved && !message ? html`<p class="ok small" role="status">${saved}</p>` : null}
    </form>
  </div>`;
}

export function GenieList() {
  const { data, error, loading, reload } = useLoad(() => get('/v1/worker-genies?limit=100'));
  return html`<section>
    <div class="page-head">
      <div>
        <h1>Genies</h1>
        <p class="muted">Agents that work in the background: on demand, on a schedule or on events.</p>
      </div>
      <button class="primary" onClick=${() => go('/genies/new')}>New genie</button>
    </div>
    <${AccountSpend} />
    <${ErrorBox} error=${error} />
    ${
      loading && !data
        ? html`<${Loading} what="Loading genies" />`
        : data && data.items.length === 0
          ? html`<${EmptyState}
              title="No genies yet"
              action=${html`<button class="primary" onClick=${() => go('/genies/new')}>Create your first genie</button>`}
              >Give a genie a soul prompt (what it should do), a trigger and tools, and it works in the background; every run is recorded here.<//>`
          : data
            ? html`<div class="table-wrap">
                <table class="list">
                  <thead>
                    <tr>
                      <th>Genie</th>
                      <th>Trigger</th>
                      <th>Last run</th>
                      <th class="num">Spend</th>
                      <th class="actions-head">Enabled</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${data.items.map((genie) => html`<${GenieRow} key=${genie.id} genie=${genie} onChanged=${reload} />`)}
                  </tbody>
                </table>
              </div>`
            : null
    }
  </section>`;
}
