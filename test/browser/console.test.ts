import type { Browser, Page } from 'playwright-core';
import { FakeAnthropic, text, toolUse } from '../fakes/anthropic';
import { launchBrowser } from '../support/browser';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * The owner console in a real browser (headless Chromium): sign in, create a genie, run it and
 * watch its steps arrive, read the notification it sent, and be refused with a bad key.
 */
let fake: FakeAnthropic;
let h: Harness;
let worker: TestWorker;
let user: TestUser;
let browser: Browser;
let page: Page;
const taskQueue = `browser-${Date.now()}`;
const errors: string[] = [];

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  h = await startHarness({ taskQueue });
  worker = await startTestWorker({ taskQueue, anthropicBaseUrl: fake.url });
  user = await h.createUser('console');
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/401|Unauthorized/.test(message.text())) errors.push(message.text());
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await h?.close();
  await fake?.close();
});

describe('the owner console', () => {
  it('refuses a bad key and says what to do', async () => {
    await page.goto(`${h.url}/`);
    await page.fill('#api-key', `hg_live_${'x'.repeat(40)}`);
    await page.click('button[type=submit]');
    await page.getByText('That key was not accepted').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('signs in, creates a genie, runs it and shows its steps as they arrive', async () => {
    await page.fill('#api-key', user.key);
    await page.click('button[type=submit]');
    await page.getByText('No genies yet').waitFor();

    await page.getByRole('button', { name: 'Create your first genie' }).click();
    const marker = `browser-marker-${Date.now()}`;
    fake.script(marker, [
      {
        ...toolUse([{ name: 'notify_owner', input: { subject: 'Three hot leads', message: 'Ada, Ben and Chloé.' } }]),
        latencyMs: 1500,
      },
      { ...text('I told my owner about three hot leads.'), latencyMs: 1500 },
    ]);
    await page.fill('#name', 'Lead watcher');
    await page.fill('#soul_prompt', `Watch the leads and tell me about hot ones. ${marker}`);
    await page.getByRole('button', { name: 'Create genie' }).click();
    await page.getByRole('heading', { name: 'Lead watcher' }).waitFor();

    await page.fill('#run-input', 'Look at today’s leads');
    await page.getByRole('button', { name: 'Run now' }).first().click();
    await page.waitForURL(/#\/runs\//);
    // The first steps arrive while the run is still going.
    await page.locator('li.step').first().waitFor();
    expect(await page.locator('.badge.status-running').count()).toBeGreaterThan(0);
    expect(await page.locator('.live').count()).toBe(1);
    await page.locator('.badge.status-succeeded').first().waitFor({ timeout: 30_000 });
    await page.locator('li.step').nth(2).waitFor();
    const steps = await page.locator('li.step .step-head strong').allTextContents();
    expect(steps).toEqual(['Claude · turn 1', 'notify_owner', 'Claude · turn 2']);
    await page.getByText('I told my owner about three hot leads.').first().waitFor();
    expect(await page.locator('a', { hasText: 'Open in Temporal UI' }).getAttribute('href')).toMatch(
      /\/namespaces\/default\/workflows\/genie-run-/
    );
  }, 90_000);

  it('shows the notification, and marking it read clears the unread count', async () => {
    const badge = page.locator('nav a', { hasText: 'Notifications' }).locator('.count');
    await badge.waitFor({ timeout: 30_000 });
    expect(await badge.textContent()).toBe('1');
    await page.getByRole('link', { name: /Notifications/ }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.locator('.notification-head', { hasText: 'Three hot leads' }).click();
    await page.getByText('Ada, Ben and Chloé.').waitFor();
    await page.getByRole('button', { name: 'Mark read' }).click();
    await badge.waitFor({ state: 'detached' });
    await page.locator('li.notification.read').waitFor();
  });

  it('lists the genie with its last run, and the run in all runs', async () => {
    await page.getByRole('link', { name: 'Genies', exact: true }).click();
    const row = page.locator('tr', { hasText: 'Lead watcher' });
    await row.locator('.badge.status-succeeded').waitFor();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    await page.locator('table.list tbody tr .badge.status-succeeded').first().waitFor();
    expect(await page.locator('table.list tbody tr').count()).toBe(1);
  });

  it('shows a gated call on the run page, and approving it there lets the run finish', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      name: 'Careful mailer',
      tools: ['notify_owner'],
      approval_required: ['notify_owner'],
    });
    fake.script(marker, [
      toolUse([{ name: 'notify_owner', input: { subject: 'Quarterly numbers', message: 'Up 12%.' } }]),
      text('Sent, once you said yes.'),
    ]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    await page.goto(`${h.url}/#/runs/${runId}`);
    const card = page.locator('.approval.approval-pending');
    await card.waitFor({ timeout: 30_000 });
    await page.locator('.badge.status-waiting_approval').first().waitFor();
    expect(await card.locator('pre.json').textContent()).toContain('Quarterly numbers');
    const waiting = page.locator('nav a', { hasText: 'Approvals' }).locator('.count');
    await waiting.waitFor();
    expect(await waiting.textContent()).toBe('1');

    await card.getByRole('textbox').fill('Fine, send it');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.badge.status-succeeded').first().waitFor({ timeout: 30_000 });
    await page.getByText('Sent, once you said yes.').first().waitFor();
    await page.getByText('Approvals (1)').click();
    await page.locator('.approval.approval-approved', { hasText: 'Fine, send it' }).waitFor();
    await waiting.waitFor({ state: 'detached' });
    const run = await waitForRun(h, user, runId);
    expect(run.approvals).toMatchObject([{ status: 'approved', note: 'Fine, send it' }]);
    expect(run.steps.filter((s: any) => s.tool === 'notify_owner')).toMatchObject([{ is_error: false }]);
  }, 90_000);

  it('lists waiting calls on the approvals page, where denying one empties it', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      name: 'Eager poster',
      tools: ['web_fetch'],
      approval_required: ['web_fetch:POST'],
    });
    fake.script(marker, [
      toolUse([{ name: 'web_fetch', input: { url: 'https://api.example.com/posts', method: 'POST', body: 'hi' } }]),
      text('I was told no.'),
    ]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    await waitForRun(h, user, runId, { until: (r) => r.status === 'waiting_approval' && r.approvals.length === 1 });
    await page.getByRole('link', { name: /Approvals/ }).click();
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    const card = page.locator('.approval.approval-pending', { hasText: 'Eager poster' });
    await card.locator('.approval-url', { hasText: 'https://api.example.com/posts' }).waitFor();
    await card.getByRole('textbox').fill('Not today');
    await card.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('Nothing is waiting for you').waitFor();
    const run = await waitForRun(h, user, runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s: any) => s.tool === 'web_fetch')).toMatchObject({ is_error: true });
    await page.getByLabel('Decided too').check();
    await page.locator('.approval.approval-denied', { hasText: 'Not today' }).waitFor();
  }, 90_000);

  it('shows a new webhook secret once, when a genie first gets a webhook', async () => {
    await page.goto(`${h.url}/#/genies/new`);
    await page.fill('#name', 'Hooked');
    await page.fill('#soul_prompt', 'Tell my endpoint how runs went.');
    await page.getByText('Webhook', { exact: true }).click();
    await page.fill('#webhook_url', 'https://hooks.example.com/genies');
    await page.getByRole('button', { name: 'Create genie' }).click();
    const secret = page.locator('[data-secret]');
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('heading', { name: 'Hooked' }).waitFor();
    expect(await page.locator('[data-secret]').count()).toBe(0);
    await page.getByText('https://hooks.example.com/genies').waitFor();
  }, 60_000);

  it('serves the API reference at /docs from this server alone', async () => {
    const docs = await browser.newPage();
    const external: string[] = [];
    docs.on('request', (request) => {
      if (!request.url().startsWith(h.url) && !request.url().startsWith('data:')) external.push(request.url());
    });
    await docs.goto(`${h.url}/docs`);
    await docs.getByText('Worker Genies API').first().waitFor();
    await docs.getByText('/v1/worker-genies/{id}/run').first().waitFor();
    expect(external).toEqual([]);
    await docs.close();
  });

  it('had no script errors', () => {
    expect(errors).toEqual([]);
  });
});
