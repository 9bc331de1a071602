import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_TABLE_ORDER, demoData } from '../../cli/demo-data';
import { insertRows } from '../../db/repositories/business-data';
import { FakeAnthropic, apiError, text, toolUse } from '../fakes/anthropic';
import { launchBrowser } from '../support/browser';
import { startHarness, type Harness, type TestUser } from '../support/harness';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * `npm run screenshots`: the console's main pages, photographed in headless Chromium against a real
 * API, worker, Postgres and Temporal (the model is the local fake), into docs/screenshots/. Not
 * part of `npm test`: it writes into the repository.
 */
const OUT = path.join(__dirname, '../../docs/screenshots');
const DESKTOP = { width: 1280, height: 860 };

let fake: FakeAnthropic;
let h: Harness;
let worker: TestWorker;
let user: TestUser;
let browser: Browser;
let page: Page;
const taskQueue = `screenshots-${Date.now()}`;

beforeAll(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  fake = await new FakeAnthropic().start();
  h = await startHarness({ taskQueue });
  worker = await startTestWorker({ taskQueue, anthropicBaseUrl: fake.url });
  user = await h.createUser('screens');
  const rows = demoData();
  for (const table of DEMO_TABLE_ORDER) await insertRows(h.db, user.id, table, rows[table]);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: DESKTOP });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await h?.close();
  await fake?.close();
});

const shot = (target: Page, name: string, fullPage = false) =>
  target.screenshot({ path: path.join(OUT, `${name}.png`), fullPage });

async function createGenie(body: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const res = await h.call('POST', '/v1/worker-genies', { key: user.key, body });
  if (res.status !== 201) throw new Error(`create genie: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

async function run(genieId: string, input?: string): Promise<string> {
  const res = await h.call('POST', `/v1/worker-genies/${genieId}/run`, { key: user.key, body: { input } });
  return res.body.data.run_id;
}

async function settled(runId: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await h.call('GET', `/v1/runs/${runId}`, { key: user.key });
    if (!['queued', 'running'].includes(res.body.data.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} did not end`);
}

async function signIn(target: Page): Promise<void> {
  await target.goto(`${h.url}/`);
  await target.fill('#api-key', user.key);
  await target.click('button[type=submit]');
  await target.locator('table.list').waitFor();
}

it('photographs the console', async () => {
  await page.goto(`${h.url}/`);
  await page.locator('#api-key').waitFor();
  await shot(page, 'sign-in');

  // A small team of genies with some history.
  fake.script('inbox-marker', [apiError(401, { message: 'invalid x-api-key' })]);
  const inbox = await createGenie({
    name: 'Inbox summariser',
    description: 'Sums up new support email (its model key was revoked)',
    soul_prompt: 'Summarise new support email. inbox-marker',
    tools: ['query_data'],
  });
  await settled(await run(inbox.id));
  const greeter = await createGenie({
    name: 'Lead greeter',
    description: 'Greets each new lead within a minute',
    soul_prompt: 'Greet each new lead by email. greeter-marker',
    trigger_type: 'event',
    event_types: ['lead.created'],
    tools: ['query_data', 'notify_owner'],
  });
  fake.script('greeter-marker', [text('Greeted Ada Lovelace and logged it.')]);
  await h.call('POST', `/v1/worker-genies/${greeter.id}/events`, {
    key: user.key,
    body: { event_type: 'lead.created', payload: { name: 'Ada Lovelace', company: 'Analytical Engines' } },
  });
  const scout = await createGenie({
    name: 'Lead scout',
    description: 'Finds the three best leads every weekday morning',
    soul_prompt: 'Find the three best new leads, tell me why they matter, and remember whom you picked. scout-marker',
    trigger_type: 'schedule',
    schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
    tools: ['query_data', 'memory_read', 'memory_write', 'notify_owner'],
  });
  fake.script('scout-marker', [
    {
      ...toolUse([
        {
          name: 'query_data',
          input: {
            table: 'leads',
            filters: [{ column: 'status', op: 'eq', value: 'new' }],
            order_by: { column: 'score', direction: 'desc' },
            limit: 3,
            columns: ['name', 'company', 'score', 'source'],
          },
        },
      ]),
      latencyMs: 800,
    },
    {
      ...toolUse([
        {
          name: 'notify_owner',
          input: {
            subject: 'Three leads worth a call today',
            message: 'The top three new leads by score are ready, with why each one matters.',
            priority: 'high',
          },
        },
        { name: 'memory_write', input: { key: 'picked/today', value: { count: 3 } } },
      ]),
      latencyMs: 800,
    },
    {
      ...text(
        'I picked the three highest-scoring new leads, told you why each matters, and noted them so tomorrow’s pick skips them.'
      ),
      latencyMs: 6000,
    },
  ]);
  const scoutRun = await run(scout.id, 'Focus on referrals if there are any');

  await signIn(page);
  await page.goto(`${h.url}/#/runs/${scoutRun}`);
  await page.locator('li.step').nth(3).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(300);
  await shot(page, 'run-live');
  await page.locator('.badge.status-succeeded').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(300);
  await shot(page, 'run', true);

  // A change to the scout tried against its run: the same query (recorded), a note it was not let
  // send (refused), a shorter answer; a judge scores it against a rubric.
  fake.scriptConversation('scout-eval-marker', [
    toolUse([
      {
        name: 'query_data',
        input: {
          table: 'leads',
          filters: [{ column: 'status', op: 'eq', value: 'new' }],
          order_by: { column: 'score', direction: 'desc' },
          limit: 3,
          columns: ['name', 'company', 'score', 'source'],
        },
      },
      { name: 'memory_read', input: { key: 'picked/yesterday' } },
    ]),
    toolUse([
      {
        name: 'notify_owner',
        input: { subject: 'Call Ada Lovelace first', message: 'A referral, score 92: call her before 11.' },
      },
    ]),
    text('Call Ada Lovelace first: a referral with the best score. Ben and Chloé can wait until tomorrow.'),
  ]);
  fake.script('scout-judge-marker', [
    toolUse([
      {
        name: 'record_score',
        input: { score: 4, reason: 'Names one lead to call and why, in two sentences; the original listed three.' },
      },
    ]),
  ]);
  const evalStarted = await h.call('POST', `/v1/worker-genies/${scout.id}/evals`, {
    key: user.key,
    body: {
      changes: {
        soul_prompt:
          'Find the one new lead to call first today and say why in two sentences; remember whom you picked. scout-eval-marker',
      },
      last: 1,
      rubric: 'Does it name one lead to call first, with a reason, briefly? scout-judge-marker',
    },
  });
  if (evalStarted.status !== 202) throw new Error(`eval: ${evalStarted.status} ${JSON.stringify(evalStarted.body)}`);
  const evalId = evalStarted.body.data.eval_id;
  for (let i = 0; i < 300; i++) {
    const res = await h.call('GET', `/v1/evals/${evalId}`, { key: user.key });
    if (res.body.data.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await page.goto(`${h.url}/#/evals/${evalId}`);
  await page.locator('.eval-case .badge.score').waitFor();
  await page.waitForTimeout(300);
  await shot(page, 'eval', true);

  await page.goto(`${h.url}/#/genies`);
  await page.locator('tr', { hasText: 'Inbox summariser' }).locator('.badge').waitFor();
  await page.waitForTimeout(300);
  await shot(page, 'genies');

  await page.goto(`${h.url}/#/genies/${scout.id}`);
  await page.locator('.facts').waitFor();
  await page.waitForTimeout(500);
  await shot(page, 'genie', true);

  await page.goto(`${h.url}/#/genies/${scout.id}/edit`);
  await page.locator('#soul_prompt').waitFor();
  await shot(page, 'genie-form', true);

  await page.goto(`${h.url}/#/notifications`);
  await page.locator('ul.notifications').waitFor();
  await page.locator('.notification-head').first().click();
  await page.waitForTimeout(300);
  await shot(page, 'notifications');

  await h.call('POST', '/v1/credentials', {
    key: user.key,
    body: {
      name: 'crm',
      credential_type: 'bearer_token',
      value: 'crm-token-0000-4f2a',
      allowed_hosts: ['api.crm.example'],
    },
  });
  // One stored before allowed_hosts was required: the console warns of it.
  await h.call('POST', '/v1/credentials', {
    key: user.key,
    body: { name: 'legacy_erp', credential_type: 'api_key', value: 'erp-key-0000-77aa', allowed_hosts: ['*'] },
  });
  await h.db('credentials').where({ owner_id: user.id, name: 'legacy_erp' }).update({ allowed_hosts: '[]' });
  await page.goto(`${h.url}/#/credentials`);
  await page.getByText('api.crm.example').first().waitFor();
  await shot(page, 'credentials');

  // A call that waits for its owner: the run page and the approvals page.
  const closer = await createGenie({
    name: 'Deal closer',
    description: 'Moves warm leads to a deal in the CRM, with your say-so',
    soul_prompt: 'Open a CRM deal for each warm lead. closer-marker',
    tools: ['query_data', 'web_fetch'],
    credential_refs: ['crm'],
    approval_required: ['web_fetch:POST'],
  });
  fake.script('closer-marker', [
    toolUse([
      {
        name: 'web_fetch',
        input: {
          url: 'https://api.crm.example/v2/deals',
          method: 'POST',
          credential: 'crm',
          body: { lead: 'Chloé Novak', company: 'Ion Robotics', stage: 'qualified', value_eur: 48000 },
        },
      },
    ]),
    text('Opened the deal.'),
  ]);
  const closerRun = await run(closer.id, 'Chloé Novak replied yes');
  await page.goto(`${h.url}/#/runs/${closerRun}`);
  await page.locator('.approval.approval-pending').waitFor({ timeout: 30_000 });
  await page.waitForTimeout(300);
  await shot(page, 'run-approval', true);
  await page.goto(`${h.url}/#/approvals`);
  await page.locator('.approval.approval-pending', { hasText: 'Deal closer' }).waitFor();
  await page.waitForTimeout(300);
  await shot(page, 'approvals');

  // A genie whose looping runs spent its monthly budget: its runs wait (claude-sonnet-5-5 is priced).
  const looper = await createGenie({
    name: 'Price watcher',
    description: 'Checks competitor prices (it loops: its budget stops it)',
    soul_prompt: 'Check the competitors’ prices and remember them. looper-marker',
    tools: ['memory_write'],
    monthly_budget_usd: 1,
  });
  const spend = {
    input_tokens: 200_000,
    output_tokens: 20_000,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  fake.script('looper-marker', [
    toolUse([{ name: 'memory_write', input: { key: 'prices', value: { acme: 19 } } }], { usage: spend }),
  ]);
  const looperRun = await run(looper.id);
  for (let i = 0; i < 300; i++) {
    const res = await h.call('GET', `/v1/runs/${looperRun}`, { key: user.key });
    if (res.body.data.status === 'waiting_budget') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await page.goto(`${h.url}/#/genies/${looper.id}`);
  await page.locator('.genie-budget .budget-bar').waitFor();
  await page.waitForTimeout(300);
  await shot(page, 'genie-budget');
  await h.call('POST', `/v1/runs/${looperRun}/cancel`, { key: user.key });

  await page.goto(`${h.url}/#/data/leads`);
  await page.locator('table.dense').waitFor();
  await shot(page, 'data');

  await page.goto(`${h.url}/docs`);
  await page.getByText('/v1/worker-genies/{id}/run').first().waitFor();
  await shot(page, 'api-docs');

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await signIn(phone);
  await phone.goto(`${h.url}/#/runs/${scoutRun}`);
  await phone.locator('li.step').first().waitFor();
  await phone.waitForTimeout(300);
  await shot(phone, 'phone-run');
  await phone.close();
}, 180_000);
