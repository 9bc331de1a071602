import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { EmptyState, ErrorBox, html, Json, Link, Loading, StatusBadge, Time, useLoad } from '../ui.js';

/** Tells the shell (its pending count) and other pages that an approval was decided. */
export const approvalsChanged = () => window.dispatchEvent(new Event('genies:approvals-changed'));

/**
 * One gated tool call: what the genie wants to do, and, while it waits, a note and the two
 * buttons. `onDecided(approval)` gets the decided approval; a conflict (decided elsewhere,
 * expired) shows the API's message and the fresh state.
 */
export function ApprovalCard({ approval, onDecided, showRun = true, genieName }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState();
  const [error, setError] = useState();
  // Taken by the API but not yet by the run (no worker is running it now): it lands when one is back.
  const [sent, setSent] = useState();
  const decide = async (verdict) => {
    setBusy(verdict);
    setError(undefined);
    try {
      const decided = await post(`/v1/approvals/${approval.id}/${verdict}`, note.trim() ? { note: note.trim() } : {});
      approvalsChanged();
      if (decided.status === 'pending') setSent(verdict);
      else onDecided?.(decided);
    } catch (err) {
      setError(err);
      if (err.status === 409)
        get(`/v1/approvals/${approval.id}`).then(
          (fresh) => onDecided?.(fresh),
          () => undefined
        );
    } finally {
      setBusy(undefined);
    }
  };
  const pending = approval.status === 'pending';
  const method = approval.tool === 'web_fetch' ? (approval.input?.method ?? 'GET') : null;
  return html`<article class=${`card approval approval-${approval.status}`} data-approval=${approval.id}>
    <div class="approval-head">
      <${StatusBadge} status=${approval.status} />
      ${genieName ? html`<${Link} to=${`/genies/${approval.genie_id}`}>${genieName}<//>` : null}
      <strong><code>${approval.tool}</code>${method ? ` ${method}` : ''}</strong>
      ${approval.tool === 'web_fetch' && approval.input?.url ? html`<span class="mono small approval-url">${approval.input.url}</span>` : null}
    </div>
    <p class="small muted">
      Asked <${Time} value=${approval.requested_at} />${pending ? html` · expires <${Time} value=${approval.expires_at} />` : html` · ${approval.status} <${Time} value=${approval.decided_at} />`}${showRun ? html` · <${Link} to=${`/runs/${approval.run_id}`}>the run<//>` : null}
    </p>
    <details open=${pending}>
      <summary class="small">What it would send</summary>
      <${Json} value=${approval.input} />
    </details>
    ${approval.note ? html`<p class="approval-note"><span class="muted">Note:</span> ${approval.note}</p>` : null}
    <${ErrorBox} error=${error} />
    ${sent ? html`<p class="notice" role="status">Your ${sent === 'approve' ? 'approval' : 'denial'} is on its way: no worker is running this genie right now, and the run takes it as soon as one is back.</p>` : null}
    ${
      pending && !sent
        ? html`<div class="approval-actions">
            <input
              aria-label="Note for the genie (optional)"
              placeholder="Note for the genie (optional)"
              maxlength="2000"
              value=${note}
              onInput=${(e) => setNote(e.currentTarget.value)}
            />
            <button class="primary" onClick=${() => decide('approve')} disabled=${Boolean(busy)}>
              ${busy === 'approve' ? 'Approving…' : 'Approve'}
            </button>
            <button class="danger" onClick=${() => decide('deny')} disabled=${Boolean(busy)}>
              ${busy === 'deny' ? 'Denying…' : 'Deny'}
            </button>
          </div>`
        : null
    }
  </article>`;
}

/** The approval a notification asks about, loaded when the notification is opened. */
export function ApprovalById({ id }) {
  const { data, error, loading, reload } = useLoad(() => get(`/v1/approvals/${id}`), [id]);
  if (loading && !data) return html`<${Loading} what="Loading the approval" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  return html`<${ApprovalCard} approval=${data} onDecided=${reload} />`;
}

export function Approvals() {
  const [all, setAll] = useState(false);
  const { data, error, loading, reload } = useLoad(
    () => get(`/v1/approvals?limit=100${all ? '' : '&status=pending'}`),
    [all]
  );
  const genies = useLoad(() => get('/v1/worker-genies?limit=100'));
  const names = Object.fromEntries((genies.data?.items ?? []).map((g) => [g.id, g.name]));
  return html`<section class="narrow">
    <div class="page-head">
      <div>
        <h1>Approvals</h1>
        <p class="muted">Calls your genies may make only once you say so; the run waits meanwhile.</p>
      </div>
      <div class="buttons">
        <label class="check"
          ><input type="checkbox" checked=${all} onChange=${(e) => setAll(e.currentTarget.checked)} /> Decided too</label
        >
      </div>
    </div>
    <${ErrorBox} error=${error} />
    ${
      loading && !data
        ? html`<${Loading} what="Loading approvals" />`
        : data?.items.length === 0
          ? html`<${EmptyState} title=${all ? 'No approvals yet' : 'Nothing is waiting for you'}>
              List a tool under <em>Needs your approval</em> in a genie's settings (for example <code>web_fetch:POST</code>) and its calls wait here for you.
            <//>`
          : html`<div class="approvals">
              ${data?.items.map((item) => html`<${ApprovalCard} key=${item.id} approval=${item} onDecided=${reload} genieName=${names[item.genie_id]} />`)}
            </div>`
    }
  </section>`;
}
