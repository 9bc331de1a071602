import type { Page } from 'playwright-core';
import { startConsoleStack, type ConsoleStack } from '../support/browser';
import type { Harness, TestUser } from '../support/harness';

/**
 * A genie's delegates, extended thinking and web search in the owner console (headless Chromium,
 * real API, worker, Postgres and Temporal): chosen in the genie form and saved exactly, shown again
 * when editing, turned off, refused before saving (a thinking budget under 1,024, both domain lists)
 * and by the API (a delegate since deleted, at its field); the genie page's summary of them, each
 * delegate a link to its page by name.
 */

let h: Harness;
let user: TestUser;
let page: Page;
let errors: string[];
let stack: ConsoleStack | undefined;
let researcherId: string;
let writerId: string;
let genieId: string;

beforeAll(async () => {
  stack = await startConsoleStack({ name: 'genie-form-claude' });
  ({ h, user, page, errors } = stack);
  researcherId = await createGenie('Researcher', 'Finds sources on a topic.');
  writerId = await createGenie('Writer', 'Writes a short summary.');
}, 120_000);
afterAll(() => stack?.stop());

async function createGenie(name: string, description: string): Promise<string> {
  const res = await h.call('POST', '/v1/worker-genies', {
    key: user.key,
    body: { name, description, soul_prompt: `You are ${name}.` },
  });
  expect(res.status).toBe(201);
  return res.body.data.id;
}
const getGenie = async (id: string) => (await h.call('GET', `/v1/worker-genies/${id}`, { key: user.key })).body.data;
const delegate = (id: string) => page.locator(`label[data-delegate="${id}"]`);

/** Opens the genie's edit form, once its saved delegates are listed. */
async function openEdit(id: string) {
  await page.goto(`${h.url}/#/genies/${id}/edit`);
  await page.locator('#thinking').waitFor();
  await page.locator('.delegate-list').waitFor();
}

describe('delegates, extended thinking and web search in the genie form', () => {
  it('saves a delegate, a thinking budget and web search with its options exactly', async () => {
    await page.goto(`${h.url}/`);
    await page.fill('#api-key', user.key);
    await page.click('button[type=submit]');
    await page.locator('table.list tbody tr', { hasText: 'Researcher' }).waitFor();
    await page.goto(`${h.url}/#/genies/new`);
    await page.fill('#name', 'Lead researcher');
    await page.fill('#soul_prompt', 'Research a lead, with help.');

    // The owner's other genies, by name, none ticked.
    await delegate(researcherId).waitFor();
    const fieldset = page.locator('fieldset.delegates');
    expect(await fieldset.locator('.hint').first().innerText()).toBe(
      'This genie can ask these genies to do tasks (ask_genie); each answer is a run of its own.'
    );
    expect(await fieldset.locator('label[data-delegate] .delegate-name').allInnerTexts()).toEqual([
      'Researcher',
      'Writer',
    ]);
    expect(await delegate(writerId).locator('.delegate-hint').innerText()).toBe('Writes a short summary.');
    expect(await page.isChecked(`#delegate-${researcherId}`)).toBe(false);
    await page.getByLabel('Researcher').check();

    // Thinking and web search: their fields show once turned on.
    expect(await page.locator('#thinking_budget_tokens').count()).toBe(0);
    expect(await page.locator('#allowed_domains').count()).toBe(0);
    await page.getByLabel('Extended thinking').check();
    await page.fill('#thinking_budget_tokens', '2048');
    await page.getByLabel(/Web search/).check();
    await page.fill('#allowed_domains', 'example.com\ndocs.example.org');
    await page.fill('#max_uses', '3');
    expect(await page.locator('label[for=allowed_domains]').innerText()).toBe('Only these domains');
    expect(await page.locator('label[for=blocked_domains]').innerText()).toBe('Never these domains');
    expect(await page.locator('label[for=max_uses]').innerText()).toBe('Max searches per call');
    await page.getByText('Fill in one of the two lists, not both.').waitFor();

    // The form's new parts, for the docs (in page coordinates: the page is taken whole, then cut).
    const scrolled = await page.evaluate<number>('window.scrollY');
    const top = (await page.locator('fieldset.claude-options').boundingBox())!;
    const bottom = (await page.locator('fieldset.delegates').boundingBox())!;
    const clip = {
      x: top.x - 16,
      y: top.y + scrolled - 16,
      width: top.width + 32,
      height: bottom.y + bottom.height - top.y + 32,
    };
    await page.screenshot({ path: '/tmp/genie-form-claude.png', fullPage: true, clip });

    await page.getByRole('button', { name: 'Create genie' }).click();
    await page.getByRole('heading', { name: 'Lead researcher' }).waitFor();
    genieId = /#\/genies\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const saved = await getGenie(genieId);
    expect(saved.delegates).toEqual([researcherId]);
    expect(saved.thinking_budget_tokens).toBe(2048);
    expect(saved.server_tools).toEqual(['web_search']);
    expect(saved.web_search).toEqual({ allowed_domains: ['example.com', 'docs.example.org'], max_uses: 3 });

    // The genie page: the delegate a link to its page by name, thinking, web search with its options.
    const link = page.locator('.facts [data-delegates] a');
    await link.waitFor();
    expect(await link.innerText()).toBe('Researcher');
    expect(await link.getAttribute('href')).toBe(`#/genies/${researcherId}`);
    expect(await page.locator('.facts [data-thinking]').innerText()).toBe('2,048 tokens');
    const search = await page.locator('.facts [data-web-search]').innerText();
    expect(search).toContain('example.com');
    expect(search).toContain('docs.example.org');
    expect(search).toContain('at most 3 searches per call');
    await page.locator('.facts').screenshot({ path: '/tmp/genie-form-claude-facts.png' });
    await link.click();
    await page.getByRole('heading', { name: 'Researcher' }).waitFor();
    expect(await page.locator('.facts [data-delegates]').innerText()).toBe('none');
    expect(await page.locator('.facts [data-thinking]').innerText()).toBe('off');
    expect(await page.locator('.facts [data-web-search]').innerText()).toBe('off');
  }, 90_000);

  it('shows the saved values when editing, and turning web search off saves none of it', async () => {
    await openEdit(genieId);
    expect(await page.isChecked(`#delegate-${researcherId}`)).toBe(true);
    expect(await page.isChecked(`#delegate-${writerId}`)).toBe(false);
    expect(await delegate(genieId).count()).toBe(0); // not itself
    expect(await page.isChecked('#thinking')).toBe(true);
    expect(await page.inputValue('#thinking_budget_tokens')).toBe('2048');
    expect(await page.isChecked('#web_search')).toBe(true);
    expect(await page.inputValue('#allowed_domains')).toBe('example.com\ndocs.example.org');
    expect(await page.inputValue('#blocked_domains')).toBe('');
    expect(await page.inputValue('#max_uses')).toBe('3');

    await page.uncheck('#web_search');
    expect(await page.locator('#allowed_domains').count()).toBe(0);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.facts [data-web-search]', { hasText: 'off' }).waitFor();
    const saved = await getGenie(genieId);
    expect(saved.server_tools).toEqual([]);
    expect(saved.web_search).toBeNull();
    expect(saved.delegates).toEqual([researcherId]);
    expect(saved.thinking_budget_tokens).toBe(2048);
  }, 60_000);

  it('refuses a thinking budget under 1,024 and both domain lists before saving', async () => {
    const before = await getGenie(genieId);
    await openEdit(genieId);
    await page.fill('#thinking_budget_tokens', '500');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const thinkingError = page.locator('#thinking_budget_tokens-error');
    await thinkingError.waitFor();
    expect(await thinkingError.innerText()).toBe('must be at least 1,024 tokens: Claude thinks with no less');
    expect(await page.getAttribute('#thinking_budget_tokens', 'aria-describedby')).toBe('thinking_budget_tokens-error');
    await page.getByRole('alert').filter({ hasText: 'Not saved' }).waitFor();

    await page.fill('#thinking_budget_tokens', '2048');
    await page.check('#web_search');
    await page.fill('#allowed_domains', 'example.com');
    await page.fill('#blocked_domains', 'ads.example.com');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const domainsError = page.locator('#blocked_domains-error');
    await domainsError.waitFor();
    expect(await domainsError.innerText()).toContain('not both');
    expect(await thinkingError.count()).toBe(0);
    await page.screenshot({ path: '/tmp/genie-form-claude-errors.png', fullPage: true });
    // Nothing was sent.
    expect((await getGenie(genieId)).version).toBe(before.version);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Lead researcher' }).waitFor();
  }, 60_000);

  it('shows the API’s refusal of a delegate deleted while the form was open, and saves once it is unticked', async () => {
    const archivistId = await createGenie('Archivist', 'Keeps the files.');
    const patched = await h.call('PATCH', `/v1/worker-genies/${genieId}`, {
      key: user.key,
      body: { delegates: [researcherId, archivistId] },
    });
    expect(patched.status).toBe(200);
    await page.reload();
    await page.locator('.facts [data-delegates] a', { hasText: 'Archivist' }).waitFor();

    await openEdit(genieId);
    await delegate(archivistId).waitFor();
    expect(await page.isChecked(`#delegate-${archivistId}`)).toBe(true);
    // Deleted meanwhile: it is taken off the genie's delegates, but the open form still ticks it.
    expect((await h.call('DELETE', `/v1/worker-genies/${archivistId}`, { key: user.key })).status).toBe(200);
    expect((await getGenie(genieId)).delegates).toEqual([researcherId]);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const fieldError = page.locator('#delegates-error');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).toContain(`you have no genie with id ${archivistId}`);
    expect(await page.locator('fieldset.delegates #delegates-error').count()).toBe(1);

    await page.uncheck(`#delegate-${archivistId}`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Lead researcher' }).waitFor();
    expect((await getGenie(genieId)).delegates).toEqual([researcherId]);
    await page.locator('.facts [data-delegates] a', { hasText: 'Researcher' }).waitFor();
    expect(await page.locator(`.facts [data-delegate="${archivistId}"]`).count()).toBe(0);
  }, 60_000);

  it('had no script errors', () => {
    expect(errors).toEqual([]);
  });
});
