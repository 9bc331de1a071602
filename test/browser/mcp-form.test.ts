import type { Browser, Page } from 'playwright-core';
import type { FetchPolicy, Resolver } from '../../fetch/ssrf';
import { FakeAnthropic, text } from '../fakes/anthropic';
import { launchBrowser } from '../support/browser';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { TestMcpServer } from '../support/mcp-server';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * A genie's MCP servers in the owner console (headless Chromium, real API, worker, Postgres and
 * Temporal, a real MCP server): list a server's tools in the form, see which calls will wait,
 * choose the allowed ones, save; edit them again; field errors from saving; the genie page's list;
 * a run's warning about a server it could not list.
 */

/** A fake DNS: mcp.test is the local MCP server (allowed though loopback); nothing else resolves. */
const resolve: Resolver = async (host) => {
  if (host === 'mcp.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`no such host ${host}`);
};
const fetchPolicy: FetchPolicy = { allowHosts: ['mcp.test'], resolve };
const TOKEN = 'console-mcp-token-0123456789abcdef';
const ALL_TOOLS = ['list_issues', 'create_issue', 'close_issue', 'export_all', 'flaky', 'whoami'];

let fake: FakeAnthropic;
let mcp: TestMcpServer;
let h: Harness;
let worker: TestWorker;
let user: TestUser;
let browser: Browser;
let page: Page;
let genieId: string;
const taskQueue = `browser-mcp-${Date.now()}`;
const errors: string[] = [];
const serverUrl = () => `http://mcp.test:${mcp.port}/mcp`;

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  mcp = await new TestMcpServer().start();
  mcp.authorize = (authorization) => authorization === `Bearer ${TOKEN}`;
  h = await startHarness({ taskQueue, fetchPolicy });
  worker = await startTestWorker({ taskQueue, anthropicBaseUrl: fake.url, fetchPolicy });
  user = await h.createUser('console-mcp');
  for (const [name, value, host] of [
    ['tracker', TOKEN, 'mcp.test'],
    ['elsewhere', 'elsewhere-token-0123456789', 'api.example.com'],
  ] as const) {
    const stored = await h.call('POST', '/v1/credentials', {
      key: user.key,
      body: { name, credential_type: 'bearer_token', value, allowed_hosts: [host] },
    });
    expect(stored.status).toBe(201);
  }
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    // A refused save or inspection is logged by the browser as a failed request: expected here.
    if (message.type() === 'error' && !/40[019]|Unauthorized|Conflict|Bad Request/.test(message.text())) {
      errors.push(message.text());
    }
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await h?.close();
  await fake?.close();
  await mcp?.close();
});

const getGenie = async (id: string) => (await h.call('GET', `/v1/worker-genies/${id}`, { key: user.key })).body.data;
const tool = (name: string) => page.locator(`li[data-tool="${name}"]`);

describe('MCP servers in the owner console', () => {
  it('lists a server’s tools in the form, marks read-only and gated ones, and saves the allow-list', async () => {
    await page.goto(`${h.url}/`);
    await page.fill('#api-key', user.key);
    await page.click('button[type=submit]');
    await page.getByText('No genies yet').waitFor();
    await page.goto(`${h.url}/#/genies/new`);
    await page.fill('#name', 'Issue triager');
    await page.fill('#soul_prompt', 'Triage new issues in the tracker.');

    await page.getByRole('button', { name: 'Add an MCP server' }).click();
    await page.fill('#mcp-0-url', serverUrl());
    // Without its credential the server answers 401: the API's message shows by the server.
    await page.getByRole('button', { name: 'List tools' }).click();
    const failure = page.locator('[data-inspect-error]');
    await failure.waitFor();
    expect(await failure.textContent()).toMatch(/could not be inspected.*401/);

    await page.selectOption('#mcp-0-credential', 'tracker');
    await page.getByRole('button', { name: 'List tools' }).click();
    const inspected = page.locator('[data-inspected]');
    await inspected.waitFor();
    expect(await inspected.textContent()).toMatch(/test-tracker\s+1\.2\.3/);
    expect(await failure.count()).toBe(0);
    // An empty name takes the server's own, made a valid one.
    expect(await page.inputValue('#mcp-0-name')).toBe('test_tracker');
    await page.fill('#mcp-0-name', 'tracker');

    expect(await page.locator('li[data-tool]').evaluateAll((items) => items.map((i) => i.dataset.tool))).toEqual(
      ALL_TOOLS
    );
    for (const name of ALL_TOOLS) expect(await page.isChecked(`#mcp-0-tool-${name}`)).toBe(true);
    await tool('list_issues').locator('.badge.read-only').waitFor();
    expect(await tool('create_issue').locator('.badge.read-only').count()).toBe(0);
    // writes (the default): only the tools that are not read-only wait.
    expect(await page.inputValue('#mcp-0-approval')).toBe('writes');
    expect(await tool('list_issues').textContent()).toContain('runs without asking');
    expect(await tool('create_issue').locator('.badge.waits').textContent()).toBe('waits for approval');
    expect(await page.locator('li[data-tool] .badge.waits').count()).toBe(2);
    await page.selectOption('#mcp-0-approval', 'always');
    expect(await page.locator('li[data-tool] .badge.waits').count()).toBe(6);
    await page.selectOption('#mcp-0-approval', 'never');
    expect(await page.locator('li[data-tool] .badge.waits').count()).toBe(0);
    await page.selectOption('#mcp-0-approval', 'writes');
    expect(await page.locator('#mcp-0-approval option').allTextContents()).toEqual([
      'never: no call waits',
      'writes: a call waits unless the server marks the tool read-only',
      'always: every call waits',
    ]);

    await page.uncheck('#mcp-0-tool-export_all');
    await page.getByText('The genie may use the 5 checked of 6 tools.').waitFor();
    expect(await tool('export_all').textContent()).toContain('not allowed');
    await page.locator('.mcp-server').screenshot({ path: '/tmp/mcp-form-server.png' });
    await page.screenshot({ path: '/tmp/mcp-form.png', fullPage: true });

    await page.getByRole('button', { name: 'Create genie' }).click();
    await page.getByRole('heading', { name: 'Issue triager' }).waitFor();
    genieId = /#\/genies\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const genie = await getGenie(genieId);
    expect(genie.mcp_servers).toEqual([
      {
        name: 'tracker',
        url: serverUrl(),
        credential: 'tracker',
        approval: 'writes',
        allowed_tools: ALL_TOOLS.filter((name) => name !== 'export_all'),
      },
    ]);

    // The genie page lists it: name, host, credential, approval, allowed tools.
    const fact = page.locator('.mcp-facts li[data-server="tracker"]');
    await fact.waitFor();
    const shown = await fact.textContent();
    expect(shown).toContain(`mcp.test:${mcp.port}`);
    expect(shown).toContain('credential tracker');
    expect(shown).toContain('approval writes');
    expect(await fact.locator('code.tag').allTextContents()).toEqual(ALL_TOOLS.filter((n) => n !== 'export_all'));
    await page.locator('.facts').screenshot({ path: '/tmp/mcp-genie-facts.png' });
  }, 90_000);

  it('shows the saved allow-list when editing, and allowing every tool again sends none', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.locator('#mcp-0-url').waitFor();
    expect(await page.inputValue('#mcp-0-name')).toBe('tracker');
    expect(await page.inputValue('#mcp-0-credential')).toBe('tracker');
    const saved = page.locator('.mcp-server', { hasText: 'Allowed tools:' });
    expect(await saved.locator('code.tag').allTextContents()).toEqual(ALL_TOOLS.filter((n) => n !== 'export_all'));

    await page.getByRole('button', { name: 'List tools' }).click();
    await page.locator('[data-inspected]').waitFor();
    expect(await page.isChecked('#mcp-0-tool-export_all')).toBe(false);
    expect(await page.isChecked('#mcp-0-tool-create_issue')).toBe(true);
    await page.check('#mcp-0-tool-export_all');
    await page.getByText('All checked: the genie may use every tool the server lists').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.mcp-facts li[data-server="tracker"]', { hasText: 'all its tools' }).waitFor();
    const [server] = (await getGenie(genieId)).mcp_servers;
    expect(server).toEqual({ name: 'tracker', url: serverUrl(), credential: 'tracker', approval: 'writes' });
  }, 60_000);

  it('shows the API’s refusals next to the server’s fields', async () => {
    await page.goto(`${h.url}/#/genies/${genieId}/edit`);
    await page.locator('#mcp-0-url').waitFor();
    // A credential whose allowed hosts do not name the server's: 409 on mcp_servers.0.credential.
    await page.selectOption('#mcp-0-credential', 'elsewhere');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const credentialError = page.locator('#mcp-0-credential-error');
    await credentialError.waitFor();
    expect(await credentialError.textContent()).toMatch(/mcp\.test|host/);
    expect(await page.locator('#mcp-0-name-error').count()).toBe(0);

    // A name the API refuses: 400 on mcp_servers.0.name.
    await page.selectOption('#mcp-0-credential', 'tracker');
    await page.fill('#mcp-0-name', 'Tracker');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const nameError = page.locator('#mcp-0-name-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toContain('lower-case');
    expect(await page.locator('#mcp-0-credential-error').count()).toBe(0);
    await page.locator('fieldset.mcp-servers').screenshot({ path: '/tmp/mcp-form-errors.png' });

    // Removing the server saves a genie without one.
    await page.locator('.mcp-server').getByRole('button', { name: 'Remove' }).click();
    expect(await page.locator('.mcp-server').count()).toBe(0);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Issue triager' }).waitFor();
    expect((await getGenie(genieId)).mcp_servers).toEqual([]);
  }, 60_000);

  it('shows a run’s warning about a server it could not list', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      name: 'Half-equipped',
      tools: [],
      mcp_servers: [
        { name: 'tracker', url: serverUrl(), credential: 'tracker', allowed_tools: ['list_issues'] },
        { name: 'gone', url: 'http://mcp.test:1/mcp' },
      ],
    });
    fake.script(marker, [text('I worked with what I had.')]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    const run = await waitForRun(h, user, runId, { timeoutMs: 90_000 });
    expect(run.warnings).toHaveLength(1);
    await page.goto(`${h.url}/#/runs/${runId}`);
    const warning = page.locator('.warning-box [data-warning="mcp_unavailable"]');
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/MCP server gone could not be listed: .*ECONNREFUSED/);
    await page.screenshot({ path: '/tmp/mcp-run-warning.png' });
  }, 120_000);

  it('had no script errors', () => {
    expect(errors).toEqual([]);
  });
});
