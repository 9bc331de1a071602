import path from 'node:path';
import type { Page } from 'playwright-core';
import { reshape, text, toolUse, webSearch, type FakeAnthropic, type FakeReply } from '../fakes/anthropic';
import { startConsoleStack, until, type ConsoleStack } from '../support/browser';
import type { Harness, TestUser } from '../support/harness';
import { TEST_PRICES, usage } from '../support/prices';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';

/**
 * The run tree on the console's run page (headless Chromium, real API, worker, Postgres, Temporal):
 * a run that asked genies lists them under "Genies it asked" (name, status, cost, each linked), kept
 * up to date while it runs; its ask_genie steps link to the runs they started; a run asked for says
 * "Asked by run …" linking back. Claude's thinking is folded (plain text), a web search shows its
 * query and its results as links (http and https only).
 */
let fake: FakeAnthropic;
let h: Harness;
let user: TestUser;
let page: Page;
let errors: string[];
let stack: ConsoleStack | undefined;

beforeAll(async () => {
  stack = await startConsoleStack({ name: 'run-tree', prices: TEST_PRICES });
  ({ fake, h, user, page, errors } = stack);
}, 120_000);
afterAll(() => stack?.stop());

/** Where the parent's page is shot (docs/screenshots/run-tree.png is that shot: RUN_TREE_SHOT=docs). */
const SCREENSHOT =
  process.env.RUN_TREE_SHOT === 'docs'
    ? path.resolve(__dirname, '../../docs/screenshots/run-tree.png')
    : '/tmp/run-tree.png';

const THOUGHT =
  'The user wants a paragraph about Paris with its population. I will ask <i>Researcher</i> for the number ' +
  'and Writer for the paragraph, both at once, then put them together.';
const SEARCHED = webSearch('srvtoolu_01', 'Paris population 2024', [
  { title: 'Paris — population figures', url: 'https://example.com/paris' },
  { title: 'Not a page', url: 'javascript:alert(1)' },
]);

/** The writer's search: five pages, folded. */
const MANY = webSearch(
  'srvtoolu_02',
  'Paris in spring',
  [1, 2, 3, 4, 5].map((n) => ({ title: `Spring ${n}`, url: `https://e.com/${n}` }))
);

/** `reply`, answered after `latencyMs`. */
const late = (reply: FakeReply, latencyMs: number): FakeReply => ({ ...reply, latencyMs });

const badgesOf = (rows: ReturnType<Page['locator']>) => rows.locator('.badge').allInnerTexts();

it('lists the genies a run asked, live, links parent and children both ways, folds thinking and shows a web search', async () => {
  await page.goto(`${h.url}/`);
  await page.fill('#api-key', user.key);
  await page.click('button[type=submit]');
  await page.locator('nav').waitFor();

  const researcher = await createScriptedGenie(h, user, {
    name: 'Researcher',
    model: 'test-model',
    tools: [],
    server_tools: ['web_search'],
  });
  const writer = await createScriptedGenie(h, user, {
    name: 'Writer',
    model: 'test-model',
    tools: [],
    server_tools: ['web_search'],
  });
  fake.script(researcher.marker, [
    late(reshape(text('Paris has 2.1 million people.', usage(1000, 100)), { before: SEARCHED }), 5000),
  ]);
  fake.script(writer.marker, [
    late(reshape(text('A short, bright paragraph about Paris.', usage(500, 50)), { before: MANY }), 5000),
  ]);
  const lead = await createScriptedGenie(h, user, {
    name: 'Lead',
    model: 'test-model',
    tools: [],
    thinking_budget_tokens: 2048,
    delegates: [researcher.genie.id, writer.genie.id],
  });
  fake.scriptConversation(lead.marker, [
    reshape(
      toolUse(
        [
          { name: 'ask_genie', input: { genie: 'Researcher', input: 'How many people live in Paris?' } },
          { name: 'ask_genie', input: { genie: 'Writer', input: 'Write a paragraph about Paris.' } },
        ],
        { usage: usage(100, 10) }
      ),
      { before: [{ type: 'thinking', thinking: THOUGHT, signature: 'sig' }] }
    ),
    text('Paris has 2.1 million people: a short, bright paragraph.', usage(100, 10)),
  ]);

  const { run_id: parentId } = await startRun(h, user, lead.genie.id, 'A paragraph about Paris, please.');
  await page.goto(`${h.url}/#/runs/${parentId}`);

  // While the children work (5 s each), the panel lists them: found by looking again, not at their end.
  const panel = page.locator('[data-children]');
  const rows = panel.locator('tbody tr');
  await until(async () => (await rows.count()) === 2, 30_000);
  expect(await panel.locator('h2').innerText()).toContain('Genies it asked');
  expect((await badgesOf(rows)).every((label) => label !== 'Succeeded')).toBe(true);
  expect(await page.locator('.run-title .badge').innerText()).not.toBe('Succeeded');

  // Then each turns Succeeded in place, and the run ends.
  await until(async () => (await badgesOf(rows)).every((label) => label === 'Succeeded'), 45_000);
  await page.locator('.run-title .badge.status-succeeded').waitFor({ timeout: 30_000 });

  const parent = await waitForRun(h, user, parentId);
  expect(parent.status).toBe('succeeded');
  expect(parent.children).toHaveLength(2);
  const childOf = (genieId: string) => parent.children.find((c: any) => c.genie_id === genieId);
  const researched = childOf(researcher.genie.id);
  const written = childOf(writer.genie.id);
  await until(
    async () => (await rows.locator('.child-genie').allInnerTexts()).every((n) => !n.startsWith('genie ')),
    10_000
  );
  for (const [child, name, cost] of [
    [researched, 'Researcher', '$0.003'],
    [written, 'Writer', '$0.0015'],
  ] as const) {
    const row = panel.locator(`tr[data-run-id="${child.run_id}"]`);
    expect(await row.locator('.child-genie').innerText()).toBe(name);
    expect(await row.locator('.child-genie').getAttribute('href')).toBe(`#/runs/${child.run_id}`);
    expect(await row.locator('.badge').innerText()).toBe('Succeeded');
    expect(await row.locator('.cost').innerText()).toBe(cost);
  }
  // In the order asked: the API's order.
  expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run-id')))).toEqual(
    parent.children.map((c: any) => c.run_id)
  );
  expect(await page.locator('.asked-by').count()).toBe(0);

  // The timeline's ask_genie steps link to the runs they started, with their genies' names.
  const asks = page.locator('li.step.tool a[data-child-run]');
  await until(async () => (await asks.count()) === 2, 10_000);
  expect((await asks.evaluateAll((links) => links.map((a) => a.getAttribute('href')))).sort()).toEqual(
    parent.children.map((c: any) => `#/runs/${c.run_id}`).sort()
  );
  expect((await page.locator('li.step.tool .asked-run-link strong').allInnerTexts()).sort()).toEqual([
    'Researcher',
    'Writer',
  ]);

  // Claude's thinking: folded, then opened; plain text (the <i> it wrote is no element).
  const thinking = page.locator('li.step.model details.thinking');
  expect(await thinking.count()).toBe(1);
  expect(await thinking.getAttribute('open')).toBeNull();
  expect(await thinking.locator('.thinking-text').isVisible()).toBe(false);
  expect(await thinking.locator('summary').innerText()).toBe('Claude’s thinking');
  await thinking.locator('summary').click();
  await thinking.locator('.thinking-text').waitFor({ state: 'visible' });
  expect(await thinking.locator('.thinking-text').innerText()).toBe(THOUGHT);
  expect(await thinking.locator('i').count()).toBe(0);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // A child's page says who asked for it, and links back.
  await panel.locator(`tr[data-run-id="${researched.run_id}"] .child-genie`).click();
  const askedBy = page.locator('.asked-by');
  await askedBy.waitFor();
  expect(page.url()).toContain(`#/runs/${researched.run_id}`);
  expect(await askedBy.innerText()).toContain(`Asked by run ${parentId.slice(0, 8)}`);
  expect(await askedBy.locator('a').first().getAttribute('href')).toBe(`#/runs/${parentId}`);
  await until(async () => (await askedBy.innerText()).includes('of Lead'), 10_000);
  expect(await page.locator('.run-title').innerText()).toContain(researched.run_id.slice(0, 8));
  expect(await page.locator('[data-children]').count()).toBe(0);

  // Its web search: the query, and its results as links (the javascript: one as text only).
  const search = page.locator('li.step.server_tool');
  await search.waitFor();
  expect(await search.locator('.step-head strong').innerText()).toBe('Web search');
  expect(await search.locator('.search-query').innerText()).toContain('Paris population 2024');
  const links = search.locator('ul.search-results a');
  expect(await links.count()).toBe(1);
  expect(await links.first().innerText()).toBe('Paris — population figures');
  expect(await links.first().getAttribute('href')).toBe('https://example.com/paris');
  expect(await links.first().getAttribute('rel')).toContain('noopener');
  expect(await search.locator('ul.search-results li').nth(1).innerText()).toContain('Not a page');
  expect(await search.locator('a[href^="javascript"]').count()).toBe(0);
  await page.screenshot({ path: '/tmp/run-tree-child.png', fullPage: true });

  // Back up the tree, and down to the writer: more than three results are folded.
  await askedBy.locator('a').first().click();
  await page.locator(`[data-children] tr[data-run-id="${written.run_id}"] .child-genie`).click();
  await page.locator('.asked-by').waitFor();
  expect(page.url()).toContain(`#/runs/${written.run_id}`);
  const fold = page.locator('li.step.server_tool details.search-fold');
  await fold.waitFor();
  expect(await fold.getAttribute('open')).toBeNull();
  expect(await fold.locator('summary').innerText()).toBe('5 results');
  await fold.locator('summary').click();
  await fold.locator('ul.search-results a').first().waitFor({ state: 'visible' });
  expect(await fold.locator('ul.search-results a').allInnerTexts()).toEqual([1, 2, 3, 4, 5].map((n) => `Spring ${n}`));
  expect(errors).toEqual([]);
}, 120_000);
