import type { Page } from 'playwright-core';
import { text, toolUse, type FakeAnthropic } from '../fakes/anthropic';
import { startConsoleStack, type ConsoleStack } from '../support/browser';
import type { Harness, TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { TEST_PRICES, usage } from '../support/prices';

/**
 * Money in the owner console (headless Chromium, real API, worker, Postgres and Temporal): what a
 * run and each of its model steps cost, in the run lists and on the run page; a genie's spend on its
 * page and in the genies list; a cost cap saved through the form, refused at its field for a model
 * without a price; a run stopped at its cap.
 */

let fake: FakeAnthropic;
let h: Harness;
let user: TestUser;
let page: Page;
let errors: string[];
let stack: ConsoleStack | undefined;

beforeAll(async () => {
  stack = await startConsoleStack({ name: 'costs', prices: TEST_PRICES });
  ({ fake, h, user, page, errors } = stack);
}, 120_000);
afterAll(() => stack?.stop());

const getGenie = async (id: string) => (await h.call('GET', `/v1/worker-genies/${id}`, { key: user.key })).body.data;
const textOf = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

describe('costs in the owner console', () => {
  let pricedGenieId: string;

  it('shows what a run and each model step cost, on the run page and in the run lists', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, {
      name: 'Priced digest',
      model: 'test-model',
      tools: ['memory_write'],
    });
    pricedGenieId = genie.id;
    fake.script(marker, [
      // 1000×2 + 200×10 + 400×2.5 = 5000 µ$
      toolUse([{ name: 'memory_write', input: { key: 'k', value: 1 } }], { usage: usage(1000, 200, 400) }),
      // 1500×2 + 100×10 + 500×0.1 = 4050 µ$
      text('Digest written.', usage(1500, 100, 0, 500)),
    ]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    const run = await waitForRun(h, user, runId);
    expect(run).toMatchObject({ status: 'succeeded', cost_usd: 0.00905 });

    await page.goto(`${h.url}/`);
    await page.fill('#api-key', user.key);
    await page.click('button[type=submit]');
    await page.locator('table.list').waitFor();

    await page.goto(`${h.url}/#/runs/${runId}`);
    await page.locator('.badge.status-succeeded').first().waitFor();
    await page.locator('li.step').nth(2).waitFor();
    const cost = page.locator('.stats [data-cost]');
    await cost.getByText('$0.0091').waitFor();
    expect(await cost.locator('.label').textContent()).toBe('Cost');
    expect(await page.locator('li.step.model .step-cost').allTextContents()).toEqual(['$0.005', '$0.0041']);
    expect(await page.locator('li.step.tool .step-cost').count()).toBe(0);
    expect(await page.locator('li.step.model .step-meta').first().innerText()).toMatch(/tokens · \$0\.005 · #1$/);
    await page.waitForTimeout(400); // the steps' arrival animation, for the screenshot
    await page.screenshot({ path: '/tmp/costs-run.png', fullPage: true });

    await page.goto(`${h.url}/#/runs`);
    const row = page.locator('table.list tbody tr', { hasText: 'Priced digest' });
    await row.waitFor();
    expect(await page.locator('table.list thead th').allTextContents()).toContain('Cost');
    expect(await row.locator('[data-cost]').textContent()).toBe('$0.0091');
  }, 90_000);

  it('shows a genie’s spend today and this month on its page and in the genies list', async () => {
    await page.goto(`${h.url}/#/genies/${pricedGenieId}`);
    await page.getByRole('heading', { name: 'Priced digest' }).waitFor();
    const spend = page.locator('.facts [data-spend]');
    await spend.waitFor();
    expect(await spend.locator('.spend-today').textContent()).toBe('$0.0091');
    expect(await spend.textContent()).toContain('$0.0091 today');
    expect(await spend.textContent()).toContain('$0.0091 this month');
    expect(await page.locator('.facts [data-cost-cap]').textContent()).toBe('none');
    // The recent runs have their cost too.
    expect(await page.locator('table.list tbody tr [data-cost]').first().textContent()).toBe('$0.0091');
    await page.screenshot({ path: '/tmp/costs-genie.png', fullPage: true });

    await page.goto(`${h.url}/#/genies`);
    const row = page.locator('table.list tbody tr', { hasText: 'Priced digest' });
    await row.waitFor();
    expect(await page.locator('table.list thead th').allTextContents()).toContain('Spend');
    expect(await row.locator('[data-spend]').innerText()).toBe('$0.0091 today\n$0.0091 this month');
    await page.screenshot({ path: '/tmp/costs-genies.png', fullPage: true });
    expect((await getGenie(pricedGenieId)).spend).toEqual({ today_usd: 0.00905, month_usd: 0.00905 });
  }, 60_000);

  it('says "no price" for a run of a model without one', async () => {
    const { genie, marker } = await createScriptedGenie(h, user, { name: 'Unpriced', model: 'unpriced-model' });
    fake.script(marker, [text('hi', usage(100, 10))]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    expect((await waitForRun(h, user, runId)).cost_usd).toBeNull();
    await page.goto(`${h.url}/#/runs/${runId}`);
    await page.locator('.badge.status-succeeded').first().waitFor();
    await page.locator('li.step').first().waitFor();
    expect(await textOf('.stats [data-cost] .no-price')).toBe('no price');
    expect(await page.locator('li.step.model .step-cost').allTextContents()).toEqual(['no price']);
    await page.goto(`${h.url}/#/genies/${genie.id}`);
    const row = page.locator('table.list tbody tr').first();
    await row.waitFor();
    expect(await row.locator('[data-cost]').textContent()).toBe('—');
    expect(await page.locator('.facts [data-spend]').textContent()).toContain('$0.00 today');
  }, 60_000);

  it('saves a cost cap through the form, and shows the API’s refusal at the field for a model without a price', async () => {
    await page.goto(`${h.url}/#/genies/new`);
    await page.fill('#name', 'Capped');
    await page.fill('#soul_prompt', 'Work, but cheaply.');
    await page.getByText('Limits and model', { exact: true }).click();
    await page.locator('#max_cost_per_run_usd').waitFor();
    expect(await page.locator('#max_cost_per_run_usd').getAttribute('placeholder')).toBe('no cap');
    await page.getByText('Empty: no cap.', { exact: false }).waitFor();
    // The form says before saving that the platform's default model has no price here.
    await page.getByText('Empty: the platform default, claude-sonnet-5-5. No price here', { exact: false }).waitFor();
    await page.fill('#max_cost_per_run_usd', '0.5');
    // The platform's default model (claude-sonnet-5-5) has no price in this table: 400 at the field.
    await page.getByRole('button', { name: 'Create genie' }).click();
    const fieldError = page.locator('#max_cost_per_run_usd-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('"claude-sonnet-5-5" has no price');
    expect(await page.locator('.field.has-error #max_cost_per_run_usd').count()).toBe(1);
    await page.locator('details', { hasText: 'Limits and model' }).screenshot({ path: '/tmp/costs-form-error.png' });

    await page.fill('#model', 'test-model');
    await page.getByText('$2 in, $10 out per million tokens').waitFor();
    await page.getByRole('button', { name: 'Create genie' }).click();
    await page.getByRole('heading', { name: 'Capped' }).waitFor();
    const genieId = /#\/genies\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    expect(await getGenie(genieId)).toMatchObject({ model: 'test-model', max_cost_per_run_usd: 0.5 });
    expect(await page.locator('.facts [data-cost-cap]').textContent()).toBe('$0.50 per run');
    await page.locator('.facts').screenshot({ path: '/tmp/costs-genie-facts.png' });

    // Editing: the section is open with the cap; moving to a model without a price is refused there.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.locator('#max_cost_per_run_usd').waitFor({ state: 'visible' });
    expect(await page.inputValue('#max_cost_per_run_usd')).toBe('0.5');
    await page.fill('#model', 'unpriced-model');
    await page.getByText('No price here').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('"unpriced-model" has no price');
    await page.screenshot({ path: '/tmp/costs-form.png', fullPage: true });

    // Emptying the cap removes it: the model may then have no price.
    await page.fill('#max_cost_per_run_usd', '');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Capped' }).waitFor();
    expect(await getGenie(genieId)).toMatchObject({ model: 'unpriced-model', max_cost_per_run_usd: null });
    expect(await page.locator('.facts [data-cost-cap]').textContent()).toBe('none');
  }, 60_000);

  it('says clearly that a run stopped at its cost cap', async () => {
    // Each turn costs 1000×2 + 100×10 = 3000 µ$; the cap of $0.005 is reached by the second.
    const { genie, marker } = await createScriptedGenie(h, user, {
      name: 'Spendthrift',
      model: 'test-model',
      tools: ['memory_write'],
      max_cost_per_run_usd: 0.005,
    });
    const write = (n: number) =>
      toolUse([{ name: 'memory_write', input: { key: `k${n}`, value: n } }], {
        text: `step ${n}`,
        usage: usage(1000, 100),
      });
    fake.script(marker, [write(1), write(2), write(3), text('never', usage(1000, 100))]);
    const { run_id: runId } = await startRun(h, user, genie.id);
    expect(await waitForRun(h, user, runId)).toMatchObject({ status: 'failed', error: { type: 'budget_exceeded' } });

    await page.goto(`${h.url}/#/runs/${runId}`);
    const box = page.locator('.error-box[data-error="budget_exceeded"]');
    await box.waitFor();
    const said = (await box.textContent())!;
    expect(said).toContain('Cost cap reached ($0.005 per run)');
    expect(said).toContain('Stopped before turn 3');
    expect(await box.getByRole('link', { name: 'Raise or remove the cap' }).getAttribute('href')).toBe(
      `#/genies/${genie.id}/edit`
    );
    const cost = page.locator('.stats [data-cost]');
    await cost.getByText('of $0.005 cap').waitFor();
    expect(await cost.locator('.cost').textContent()).toBe('$0.006');
    await page.getByText('step 2').first().waitFor();
    await page.waitForTimeout(400); // the steps' arrival animation, for the screenshot
    await page.screenshot({ path: '/tmp/costs-run-capped.png', fullPage: true });
  }, 90_000);

  it('had no script errors', () => {
    expect(errors).toEqual([]);
  });
});
