import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { EmptyState, ErrorBox, html, Link, Loading, statusLabel, useLoad } from '../ui.js';
import { RunRows } from './genie.js';

const STATUSES = [
  '',
  'queued',
  'running',
  'waiting_approval',
  'waiting_budget',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
];

/** Every run of yours (or of one genie), newest first, with a status filter and paging. */
export function RunList({ genie }) {
  const [status, setStatus] = useState('');
  const [pages, setPages] = useState([]);
  const base = genie ? `/v1/worker-genies/${genie}/runs` : '/v1/runs';
  const query = (cursor) => `${base}?limit=25${status ? `&status=${status}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
  const first = useLoad(() => get(query()).then((page) => (setPages([]), page)), [status, genie]);
  const genies = useLoad(() => get('/v1/worker-genies?limit=100'));
  const names = Object.fromEntries((genies.data?.items ?? []).map((g) => [g.id, g.name]));
  const all = first.data ? [first.data, ...pages] : [];
  const runs = all.flatMap((page) => page.items);
  const next = all.at(-1)?.next_cursor;
  const more = async () => setPages([...pages, await get(query(next))]);
  return html`<section>
    <div class="page-head">
      <div>
        <h1>${genie && names[genie] ? html`Runs of <${Link} to=${`/genies/${genie}`}>${names[genie]}<//>` : 'Runs'}</h1>
        <p class="muted">Every run is a Temporal workflow; open one to see its steps.</p>
      </div>
      <label class="inline"
        >Status
        <select value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
          ${STATUSES.map((s) => html`<option value=${s}>${s ? statusLabel(s) : 'any'}</option>`)}
        </select>
      </label>
    </div>
    <${ErrorBox} error=${first.error} />
    ${
      first.loading && !first.data
        ? html`<${Loading} what="Loading runs" />`
        : runs.length === 0
          ? html`<${EmptyState} title=${status ? `No runs “${statusLabel(status)}”` : 'No runs yet'}>
              Runs appear here when a genie runs: on demand (<${Link} to="/genies">Run now<//>), on its schedule, or on an event.
            <//>`
          : html`<${RunRows} runs=${runs} showGenie=${!genie} genieNames=${names} />
              ${next ? html`<button class="more" onClick=${more}>Load more</button>` : null}`
    }
  </section>`;
}
