// The owner console: a hash-routed single page over the /v1 API, signed in with an API key.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, onSignedOut, session } from './api.js';
import { html, Link } from './ui.js';
import { SignIn } from './pages/sign-in.js';
import { GenieList } from './pages/genies.js';
import { GenieForm } from './pages/genie-form.js';
import { GeniePage } from './pages/genie.js';
import { RunList } from './pages/runs.js';
import { RunPage } from './pages/run.js';
import { TryChange } from './pages/try-change.js';
import { EvalPage } from './pages/eval.js';
import { Notifications } from './pages/notifications.js';
import { Approvals } from './pages/approvals.js';
import { Credentials } from './pages/credentials.js';
import { DataTables } from './pages/data.js';

/** Path patterns and their pages; `:name` parts become props. */
const ROUTES = [
  ['/genies/new', GenieForm],
  ['/genies/:id/edit', GenieForm],
  ['/genies/:id/try', TryChange],
  ['/genies/:id', GeniePage],
  ['/genies', GenieList],
  ['/runs/:id', RunPage],
  ['/runs', RunList],
  ['/evals/:id', EvalPage],
  ['/notifications', Notifications],
  ['/approvals', Approvals],
  ['/credentials', Credentials],
  ['/data/:table', DataTables],
  ['/data', DataTables],
];

function match(fullPath) {
  const [path, query = ''] = fullPath.split('?');
  const search = Object.fromEntries(new URLSearchParams(query));
  for (const [pattern, page] of ROUTES) {
    const names = [];
    const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), '([^/]+)'))}$`);
    const found = regex.exec(path);
    if (found) {
      return {
        page,
        params: { ...search, ...Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])])) },
      };
    }
  }
  return { page: GenieList, params: {} };
}

const currentPath = () => window.location.hash.replace(/^#/, '') || '/genies';

const NAV = [
  ['/genies', 'Genies'],
  ['/runs', 'Runs'],
  ['/notifications', 'Notifications'],
  ['/approvals', 'Approvals'],
  ['/credentials', 'Credentials'],
  ['/data', 'Data'],
];

/** How many items `path` lists (100 and more: 101), reloaded every 20 s and on `changedEvent`. */
function useCount(signedIn, path, changedEvent) {
  const [count, setCount] = useState(0);
  useEffect(() => {
    if (!signedIn) return undefined;
    const load = () =>
      get(path).then(
        (page) => setCount(page.items.length + (page.next_cursor ? 1 : 0)),
        () => undefined
      );
    void load();
    const timer = setInterval(load, 20_000);
    window.addEventListener(changedEvent, load);
    return () => {
      clearInterval(timer);
      window.removeEventListener(changedEvent, load);
    };
  }, [signedIn]);
  return count;
}

/** The small red number next to a nav item. */
function Count({ value, label }) {
  if (value <= 0) return null;
  return html`<span class="count" aria-label=${`${value} ${label}`}>${value > 99 ? '99+' : value}</span>`;
}

function Shell() {
  const [path, setPath] = useState(currentPath());
  const [signedIn, setSignedIn] = useState(Boolean(session.key));
  useEffect(() => {
    const onHash = () => {
      setPath(currentPath());
      window.scrollTo(0, 0);
      // a page away: refresh the counts
      window.dispatchEvent(new Event('genies:notifications-changed'));
      window.dispatchEvent(new Event('genies:approvals-changed'));
    };
    window.addEventListener('hashchange', onHash);
    const off = onSignedOut(() => setSignedIn(false));
    return () => {
      window.removeEventListener('hashchange', onHash);
      off();
    };
  }, []);
  const counts = {
    '/notifications': [
      useCount(signedIn, '/v1/notifications?unread=true&limit=100', 'genies:notifications-changed'),
      'unread',
    ],
    '/approvals': [useCount(signedIn, '/v1/approvals?status=pending&limit=100', 'genies:approvals-changed'), 'waiting'],
  };

  if (!signedIn) return html`<${SignIn} onSignedIn=${() => setSignedIn(true)} />`;
  const { page: Page, params } = match(path);
  const section = `/${path.split(/[/?]/)[1] ?? ''}`;
  return html`
    <header class="topbar">
      <${Link} to="/genies" class="brand"><span class="logo" aria-hidden="true"></span>Worker Genies<//>
      <nav aria-label="Main">
        ${NAV.map(
          ([to, label]) =>
            html`<${Link}
              to=${to}
              class=${section === to ? 'active' : ''}
              aria-current=${section === to ? 'page' : undefined}
            >
              ${label}${counts[to] ? html`<${Count} value=${counts[to][0]} label=${counts[to][1]} />` : null}
            <//>`
        )}
        <a href="/docs" target="_blank" rel="noopener">API docs</a>
      </nav>
      <button
        class="link sign-out"
        onClick=${() => {
          session.signOut();
          setSignedIn(false);
        }}
      >
        Sign out
      </button>
    </header>
    <main id="main" tabindex="-1"><${Page} key=${path} ...${params} /></main>
  `;
}

const root = document.getElementById('app');
root.textContent = ''; // the boot message
render(html`<${Shell} />`, root);
