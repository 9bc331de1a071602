import type { Page } from 'playwright-core';
import { text, toolUse, type FakeAnthropic } from '../fakes/anthropic';
import { startConsoleStack, type ConsoleStack } from '../support/browser';
import type { Harness, TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { TEST_PRICES, usage } from '../support/prices';

/**
 * Monthly budgets in the owner console (headless Chromium, real API, worker, Postgres and
 * Temporal): the account's spend and budget on the genies page, set, refused and removed through
 * its small form; a genie's monthly budget and batch mode saved through the genie form (a negative
 * budget refused at its field); the genie page's budget bar, amber at 80 % and red once spent; a
 * run that waits for budget, explained on its page and found by the runs filter, released by
 * raising the budget.
 */

let fake: FakeAnthropic;
let h: Harness;
let user: TestUser;
let page: Page;
let errors: string[];
let stack: ConsoleStack | undefined;

beforeAll(async () => {
  stack = await startConsoleStack({ name: 'budgets', prices: TEST_PRICES });
  ({ fake, h, user, page, errors } = stack);
}, 120_000);
afterAll(() => stack?.stop());

const getGenie = async (id: string) => (await h.call('GET', `/v1/worker-genies/${id}`, { key: user.key })).body.data;
const getAccount = async () => (await h.call('GET', '/v1/account', { key: user.key })).body.data;
const textOf = async (selector: string) => (await page.locator(selector).first().innerText()).trim();

/** Each turn writes memory and costs 1000×2 + 100×10 = 3000 µ$; the last answers. */
const write = (n: number) =>
  toolUse([{ name: 'memory_write', input: { key: `k${n}`, value: n } }], {
    text: `step ${n}`,
    usage: usage(1000, 100),
  });

describe('monthly budgets in the owner console', () => {
  let batchGenieId: string;
  let spenderId: string;

  it('sets the account’s monthly budget from the genies page, and refuses a negative one with the API’s message', async () => {
    await page.goto(`${h.url}/`);
    await page.fill('#api-key', user.key);
    await page.click('button[type=submit]');
    const account = page.locator('.account-spend');
    await account.waitFor();
    expect(await account.locator('h2').innerText()).toContain('Your spend');
    expect(await account.innerText()).toContain('$0.00 this month');
    expect(await account.innerText()).toContain('$0.00 today');
    expect(await account.locator('.budget-bar').count()).toBe(0);
    expect(await page.getAttribute('#account-budget', 'placeholder')).toBe('no budget');

    await page.fill('#account-budget', '-1');
    await account.getByRole('button', { name: 'Set' }).click();
    const fieldError = page.locator('#account-budget-error');
    await fieldError.waitFor();
    expect((await fieldError.innerText()).length).toBeGreaterThan(0);
    expect(await page.getAttribute('#account-budget', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#account-budget', 'aria-describedby')).toBe('account-budget-error');
    expect((await getAccount()).monthly_budget_usd).toBeNull();
    await account.screenshot({ path: '/tmp/budgets-account-error.png' });

    await page.fill('#account-budget', '0.5');
    await account.getByRole('button', { name: 'Set' }).click();
    await account.getByText('Budget saved').waitFor();
    expect(await fieldError.count()).toBe(0);
    expect(await getAccount()).toEqual({ monthly_budget_usd: 0.5, spend: { today_usd: 0, month_usd: 0 } });
    const bar = account.locator('.budget-bar');
    expect(await bar.getAttribute('data-level')).toBe('ok');
    expect(await bar.locator('.budget-amounts').innerText()).toBe('$0.00 of $0.50 this month');
    expect(await bar.getByRole('meter').getAttribute('aria-valuenow')).toBe('0');
    expect(await page.inputValue('#account-budget')).toBe('0.5');

    // A reload shows what was saved.
    await page.reload();
    await account.locator('.budget-bar').waitFor();
    expect(await page.inputValue('#account-budget')).toBe('0.5');
    expect(await account.getByRole('button', { name: 'Save' }).count()).toBe(1);
  }, 60_000);

  it('saves a genie’s monthly budget and batch mode through the form, refusing a negative budget at its field', async () => {
    const marker = `batch-marker-${Date.now()}`;
    await page.goto(`${h.url}/#/genies/new`);
    await page.fill('#name', 'Thrifty batcher');
    await page.fill('#soul_prompt', `Sum up the week, cheaply. ${marker}`);
    await page.getByText('Limits and model', { exact: true }).click();
    await page.locator('#monthly_budget_usd').waitFor();
    expect(await page.getAttribute('#monthly_budget_usd', 'placeholder')).toBe('no budget');
    expect(await page.locator('label[for=monthly_budget_usd]').innerText()).toBe('Monthly budget (USD)');
    expect(await page.locator('label[for=model_mode]').innerText()).toBe('Model calls');
    expect(await page.locator('#model_mode option').allInnerTexts()).toEqual([
      'Realtime',
      'Batch — half price, replies can take minutes to hours',
    ]);
    expect(await page.inputValue('#model_mode')).toBe('realtime');
    await page.fill('#model', 'test-model');
    await page.selectOption('#model_mode', 'batch');
    await page.getByText('$2 in, $10 out per million tokens, 50 % less in batch mode').waitFor();
    await page.fill('#monthly_budget_usd', '-1');
    await page.getByRole('button', { name: 'Create genie' }).click();
    const fieldError = page.locator('#monthly_budget_usd-error');
    await fieldError.waitFor();
    expect((await fieldError.innerText()).length).toBeGreaterThan(0);
    expect(await page.locator('.field.has-error #monthly_budget_usd').count()).toBe(1);
    expect(await page.getAttribute('#monthly_budget_usd', 'aria-describedby')).toBe('monthly_budget_usd-error');
    await page.locator('details', { hasText: 'Limits and model' }).screenshot({ path: '/tmp/budgets-form-error.png' });

    await page.fill('#monthly_budget_usd', '0.005');
    await page.getByRole('button', { name: 'Create genie' }).click();
    await page.getByRole('heading', { name: 'Thrifty batcher' }).waitFor();
    batchGenieId = /#\/genies\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    expect(await getGenie(batchGenieId)).toMatchObject({
      model: 'test-model',
      model_mode: 'batch',
      monthly_budget_usd: 0.005,
    });
    expect(await textOf('h1 .badge.mode-batch')).toBe('Batch mode');
    expect(await textOf('.facts [data-model-mode]')).toContain('Batch mode');
    const bar = page.locator('[data-budget] .budget-bar');
    expect(await bar.getAttribute('data-level')).toBe('ok');
    expect(await bar.locator('.budget-amounts').innerText()).toBe('$0.00 of $0.005 this month');

    // Editing: the section is open with both; a realtime genie has no batch badge.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.locator('#monthly_budget_usd').waitFor({ state: 'visible' });
    expect(await page.inputValue('#monthly_budget_usd')).toBe('0.005');
    expect(await page.inputValue('#model_mode')).toBe('batch');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Thrifty batcher' }).waitFor();

    // A batch run: (3000×2 + 200×10) × 0.5 = 4000 µ$, 80 % of the budget.
    fake.script(marker, [text('The week, summed up in a batch.', usage(3000, 200))]);
    const { run_id: runId } = await startRun(h, user, batchGenieId);
    await page.goto(`${h.url}/#/runs/${runId}`);
    await page.locator('.live', { hasText: 'Waiting for the batch' }).waitFor({ timeout: 30_000 });
    await page.locator('.badge.status-succeeded').first().waitFor({ timeout: 60_000 });
    const step = page.locator('li.step.model').first();
    await step.waitFor();
    expect(await step.locator('.badge.mode-batch').innerText()).toBe('batch');
    expect(await step.locator('.step-cost').innerText()).toBe('$0.004');

    await page.goto(`${h.url}/#/genies/${batchGenieId}`);
    const warned = page.locator('[data-budget] .budget-bar');
    await warned.waitFor();
    expect(await warned.getAttribute('data-level')).toBe('warn');
    expect(await warned.locator('.budget-amounts').innerText()).toBe('$0.004 of $0.005 this month');
    expect(await warned.locator('.budget-percent').innerText()).toBe('80 %');
    await page.screenshot({ path: '/tmp/budgets-genie-warn.png', fullPage: true });
  }, 120_000);

  it('shows a spent genie budget in red, and explains the run that waits for it until the budget is raised', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      name: 'Spendthrift',
      model: 'test-model',
      tools: ['memory_write'],
      monthly_budget_usd: 0.005,
    });
    spenderId = genie.id;
    // Two turns spend $0.006, over the $0.005 budget: the third model call waits.
    fake.scriptConversation(marker, [write(1), write(2), write(3), text('done', usage(1000, 100))]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    await waitForRun(h, user, runId, {
      until: (run) => run.status === 'waiting_budget' && run.live?.phase === 'waiting_budget',
    });

    await page.goto(`${h.url}/#/genies/${genie.id}`);
    const bar = page.locator('[data-budget] .budget-bar');
    await bar.waitFor();
    expect(await bar.getAttribute('data-level')).toBe('stop');
    expect(await bar.locator('.budget-amounts').innerText()).toBe('$0.006 of $0.005 this month');
    expect(await bar.locator('.budget-percent').innerText()).toBe('120 %');
    expect(await bar.getByRole('meter').getAttribute('aria-valuenow')).toBe('100');
    expect(await bar.locator('.budget-note').innerText()).toContain(
      'its runs wait until the budget is raised or the month ends'
    );
    expect(await page.locator('table.list tbody tr .badge').first().innerText()).toBe('Waiting for budget');
    await page.waitForTimeout(400); // the bar's transition, for the screenshot
    await page.screenshot({ path: '/tmp/budgets-genie.png', fullPage: true });

    await page.goto(`${h.url}/#/runs/${runId}`);
    const box = page.locator('.warning-box[data-wait="budget"]');
    // Which budget is named once the genie and the account have loaded (a general sentence before).
    await page.locator('.warning-box[data-wait="budget"]', { hasText: 'This genie’s monthly budget' }).waitFor();
    expect(await textOf('.run-title .badge')).toBe('Waiting for budget');
    expect(await box.innerText()).toContain(
      'This genie’s monthly budget ($0.005) is spent; the run goes on when you raise it or when the month ends'
    );
    expect(await box.getByRole('link', { name: 'Open Spendthrift' }).getAttribute('href')).toBe(`#/genies/${genie.id}`);
    expect(await box.getByRole('link', { name: 'Change its budget' }).getAttribute('href')).toBe(
      `#/genies/${genie.id}/edit`
    );
    // Still a live run: followed, and it can be cancelled.
    await page.locator('.live', { hasText: 'Waiting for budget' }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(1);
    await page.getByText('step 2').first().waitFor();
    await page.waitForTimeout(400); // the steps' arrival animation, for the screenshot
    await page.screenshot({ path: '/tmp/budgets-run.png', fullPage: true });

    // The runs filter finds it.
    await page.goto(`${h.url}/#/runs`);
    const status = page.getByLabel('Status');
    await status.waitFor();
    expect(await status.locator('option[value=waiting_budget]').innerText()).toBe('Waiting for budget');
    await page.locator('table.list tbody tr', { hasText: 'Thrifty batcher' }).waitFor();
    await status.selectOption('waiting_budget');
    // The batch genie's run (succeeded) leaves the list; the waiting one stays.
    await page.locator('table.list tbody tr', { hasText: 'Thrifty batcher' }).waitFor({ state: 'detached' });
    const row = page.locator('table.list tbody tr', { hasText: 'Spendthrift' });
    await row.waitFor();
    expect(await page.locator('table.list tbody tr').count()).toBe(1);
    expect(await row.locator('.badge.status-waiting_budget').innerText()).toBe('Waiting for budget');

    // Raised through the form: the run goes on, and the page follows it to its end.
    await page.goto(`${h.url}/#/genies/${genie.id}/edit`);
    await page.locator('#monthly_budget_usd').waitFor({ state: 'visible' });
    expect(await page.inputValue('#monthly_budget_usd')).toBe('0.005');
    await page.fill('#monthly_budget_usd', '1');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Spendthrift' }).waitFor();
    expect((await getGenie(genie.id)).monthly_budget_usd).toBe(1);
    await page.goto(`${h.url}/#/runs/${runId}`);
    await page.locator('.badge.status-succeeded').first().waitFor({ timeout: 30_000 });
    expect(await box.count()).toBe(0);
    expect(await waitForRun(h, user, runId)).toMatchObject({ status: 'succeeded', cost_usd: 0.012 });
  }, 120_000);

  it('shows the account’s spend against its budget, red once spent, and removes the budget', async () => {
    // $0.004 (batch) + $0.012 this month.
    expect((await getAccount()).spend.month_usd).toBe(0.016);
    await page.goto(`${h.url}/#/genies`);
    const account = page.locator('.account-spend');
    await account.locator('.budget-bar').waitFor();
    expect(await account.locator('.budget-amounts').innerText()).toBe('$0.016 of $0.50 this month');
    expect(await account.locator('.budget-bar').getAttribute('data-level')).toBe('ok');
    expect(await account.locator('.spend-month').innerText()).toBe('$0.016');
    await page.locator('table.list tbody tr', { hasText: 'Spendthrift' }).waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: '/tmp/budgets-genies.png', fullPage: true });

    await page.fill('#account-budget', '0.01');
    await account.getByRole('button', { name: 'Save' }).click();
    await account.locator('.budget-bar[data-level="stop"]').waitFor();
    expect((await getAccount()).monthly_budget_usd).toBe(0.01);
    expect(await account.locator('.budget-amounts').innerText()).toBe('$0.016 of $0.01 this month');
    expect(await account.locator('.budget-note').innerText()).toContain(
      'all your genies’ runs wait until the budget is raised or the month ends'
    );
    await page.waitForTimeout(400);
    await account.screenshot({ path: '/tmp/budgets-account-stop.png' });

    await account.getByRole('button', { name: 'Remove' }).click();
    await account.getByText('Budget removed').waitFor();
    expect((await getAccount()).monthly_budget_usd).toBeNull();
    expect(await account.locator('.budget-bar').count()).toBe(0);
    expect(await page.inputValue('#account-budget')).toBe('');
    expect(await account.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    expect((await getGenie(spenderId)).spend.month_usd).toBe(0.012);

    // On a phone the spend and the form stack.
    await page.fill('#account-budget', '0.02');
    await account.getByRole('button', { name: 'Set' }).click();
    await account.locator('.budget-bar[data-level="warn"]').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400);
    await page.screenshot({ path: '/tmp/budgets-genies-phone.png' });
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);

  it('had no script errors', () => {
    expect(errors).toEqual([]);
  });
});
