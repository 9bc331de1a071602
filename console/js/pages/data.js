import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { EmptyState, ErrorBox, go, html, Loading, useLoad } from '../ui.js';

const TABLES = ['leads', 'lead_activities', 'agents', 'conversations', 'call_logs', 'documents', 'email_logs'];
const PAGE = 50;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const cell = (value) => {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  if (typeof value === 'string' && UUID.test(value))
    return html`<code class="small" title=${value}>${value.slice(0, 8)}</code>`;
  if (typeof value === 'string' && ISO_TIME.test(value)) {
    return html`<span class="nowrap" title=${value}>${new Date(value).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</span>`;
  }
  if (typeof value === 'object') return html`<code class="small">${JSON.stringify(value)}</code>`;
  const text = String(value);
  return text.length > 120 ? html`<span title=${text}>${text.slice(0, 119)}…</span>` : text;
};

/** The business tables genies read with query_data, page by page. */
export function DataTables({ table = 'leads' }) {
  const [offset, setOffset] = useState(0);
  const { data, error, loading } = useLoad(
    () => get(`/v1/data/${table}?limit=${PAGE}&offset=${offset}`),
    [table, offset]
  );
  const count = useLoad(() => get(`/v1/data/${table}?count_only=true`), [table]);
  const columns = data?.rows[0] ? Object.keys(data.rows[0]).filter((c) => c !== 'metadata') : [];
  return html`<section>
    <div class="page-head">
      <div>
        <h1>Business data</h1>
        <p class="muted">
          What <code>query_data</code> reads. Add rows with <code>POST /v1/data/{table}</code>, or <code>npm run cli -- seed-demo</code>.
        </p>
      </div>
      <label class="inline"
        >Table
        <select
          value=${table}
          onChange=${(e) => {
            setOffset(0);
            go(`/data/${e.currentTarget.value}`);
          }}
        >
          ${TABLES.map((t) => html`<option value=${t}>${t}</option>`)}
        </select>
      </label>
    </div>
    <${ErrorBox} error=${error} />
    ${
      loading && !data
        ? html`<${Loading} what=${`Loading ${table}`} />`
        : data?.rows.length === 0
          ? html`<${EmptyState} title=${`No ${table} yet`}
              >Load a demo business with <code>npm run cli -- seed-demo --email you@example.com</code>, or send your own rows to the API.<//>`
          : html`<p class="muted small">
                ${count.data ? `${count.data.row_count.toLocaleString()} rows · ` : ''}${'showing '}${offset + 1}–${offset + (data?.rows.length ?? 0)}
              </p>
              <div class="table-wrap">
                <table class="list dense">
                  <thead>
                    <tr>
                      ${columns.map((c) => html`<th>${c}</th>`)}
                    </tr>
                  </thead>
                  <tbody>
                    ${data?.rows.map(
                      (row) =>
                        html`<tr>
                          ${columns.map((c) => html`<td>${cell(row[c])}</td>`)}
                        </tr>`
                    )}
                  </tbody>
                </table>
              </div>
              <div class="pager">
                <button disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>
                  Previous
                </button>
                <button disabled=${!data?.truncated} onClick=${() => setOffset(offset + PAGE)}>Next</button>
              </div>`
    }
  </section>`;
}
