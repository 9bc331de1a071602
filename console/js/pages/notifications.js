import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { EmptyState, ErrorBox, html, Link, Loading, Time, useLoad } from '../ui.js';
import { ApprovalById } from './approvals.js';

const changed = () => window.dispatchEvent(new Event('genies:notifications-changed'));

function Notification({ item, onRead }) {
  const [open, setOpen] = useState(false);
  const markRead = async () => {
    await post(`/v1/notifications/${item.id}/read`);
    onRead();
    changed();
  };
  return html`<li class=${`notification priority-${item.priority} ${item.read ? 'read' : 'unread'}`}>
    <button class="notification-head" onClick=${() => setOpen(!open)} aria-expanded=${open}>
      ${item.read ? null : html`<span class="dot" aria-label="unread"></span>`}
      <strong>${item.subject}</strong>
      <span class="muted small"><${Time} value=${item.created_at} /></span>
    </button>
    ${
      open
        ? html`<div class="notification-body">
            <p class="message">${item.message}</p>
            ${item.approval_id ? html`<${ApprovalById} id=${item.approval_id} />` : null}
            <p class="small muted">
              ${item.channel !== 'dashboard' ? html`Email: ${item.email_status}${item.email_error ? ` (${item.email_error})` : ''} · ` : null}
              ${item.run_id ? html`<${Link} to=${`/runs/${item.run_id}`}>the run that sent it<//>` : null}
            </p>
            ${item.read ? null : html`<button class="small" onClick=${markRead}>Mark read</button>`}
          </div>`
        : null
    }
  </li>`;
}

export function Notifications() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const { data, error, loading, reload } = useLoad(
    () => get(`/v1/notifications?limit=100${unreadOnly ? '&unread=true' : ''}`),
    [unreadOnly]
  );
  const markAll = async () => {
    await Promise.all(data.items.filter((n) => !n.read).map((n) => post(`/v1/notifications/${n.id}/read`)));
    reload();
    changed();
  };
  return html`<section class="narrow">
    <div class="page-head">
      <div>
        <h1>Notifications</h1>
        <p class="muted">What your genies told you with <code>notify_owner</code>.</p>
      </div>
      <div class="buttons">
        <label class="check"
          ><input type="checkbox" checked=${unreadOnly} onChange=${(e) => setUnreadOnly(e.currentTarget.checked)} />
          Unread only</label
        >
        ${data?.items.some((n) => !n.read) ? html`<button onClick=${markAll}>Mark all read</button>` : null}
      </div>
    </div>
    <${ErrorBox} error=${error} />
    ${
      loading && !data
        ? html`<${Loading} what="Loading notifications" />`
        : data?.items.length === 0
          ? html`<${EmptyState} title=${unreadOnly ? 'All caught up' : 'No notifications yet'}>
              A genie with the <code>notify_owner</code> tool writes here (and emails you when SMTP is set).
            <//>`
          : html`<ul class="notifications">
              ${data?.items.map((item) => html`<${Notification} key=${item.id} item=${item} onRead=${reload} />`)}
            </ul>`
    }
  </section>`;
}
