import { useState } from 'preact/hooks';
import { get, patch, post } from '../api.js';
import { EmptyState, ErrorBox, go, html, Link, Loading, StatusBadge, Time, usd, useLoad } from '../ui.js';

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
