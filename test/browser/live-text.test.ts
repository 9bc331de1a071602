import path from 'node:path';
import type { Page } from 'playwright-core';
import { reshape, text, toolUse, type FakeAnthropic, type FakeReply } from '../fakes/anthropic';
import { startConsoleStack, until, type ConsoleStack } from '../support/browser';
import type { Harness, TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';

/**
 * Live text on the console's run page (headless Chromium, real API, worker, Postgres, Temporal):
 * while Claude writes, its words appear under "Claude is writing…" in the timeline, as plain text;
 * the saved step takes the item's place.
 */
let fake: FakeAnthropic;
let h: Harness;
let user: TestUser;
let page: Page;
let errors: string[];
let stack: ConsoleStack | undefined;

beforeAll(async () => {
  stack = await startConsoleStack({ name: 'live-text' });
  ({ fake, h, user, page, errors } = stack);
}, 120_000);
afterAll(() => stack?.stop());

/** Where the page is shot while Claude writes (docs/screenshots/live-text.png is that shot: LIVE_TEXT_SHOT=docs). */
const SCREENSHOT =
  process.env.LIVE_TEXT_SHOT === 'docs'
    ? path.resolve(__dirname, '../../docs/screenshots/live-text.png')
    : '/tmp/live-text.png';
const ANSWER =
  'I looked at this week’s leads. Ion Robotics (score 99) asked twice about pricing and wants a call on Monday; ' +
  'Chloé Novak at Lumen <b>Labs</b> opened every email; Ben Ortiz came from the ads and booked a demo. ' +
  'I saved all three to memory so the next digest starts from them, and I would call Ion Robotics first.';

const slow = (reply: FakeReply, chunkDelayMs: number): FakeReply => reshape(reply, { chunkDelayMs, latencyMs: 600 });

it('shows Claude’s words as they are written, as plain text, then the saved step in their place', async () => {
  await page.goto(`${h.url}/`);
  await page.fill('#api-key', user.key);
  await page.click('button[type=submit]');
  await page.locator('nav').waitFor();

  const { genie, marker } = await createScriptedGenie(h, user, { name: 'Lead digest', tools: ['memory_write'] });
  fake.script(marker, [
    slow(
      toolUse([{ name: 'memory_write', input: { key: 'hot_leads', value: ['Ion Robotics', 'Chloé Novak'] } }], {
        text: 'Saving the hot leads first.',
      }),
      20
    ),
    slow(text(ANSWER), 90),
  ]);
  const { run_id: runId } = await startRun(h, user, genie.id, 'What happened with the leads this week?');
  await page.goto(`${h.url}/#/runs/${runId}`);

  const writing = page.locator('li.step.writing');
  const liveText = writing.locator('.live-text');
  const shown = async () => ((await liveText.count()) ? ((await liveText.textContent()) ?? '') : '');
  // Turn 2's words arrive a few at a time (turn 1's may have come and gone already).
  await until(async () => (await writing.getAttribute('data-turn')) === '2' && (await shown()).length > 60, 30_000);
  expect(await writing.locator('strong').innerText()).toBe('Claude is writing…');
  const partial = await shown();
  expect(partial.length).toBeLessThan(ANSWER.length);
  expect(ANSWER.startsWith(partial)).toBe(true);
  expect((await waitForRun(h, user, runId, { until: () => true })).status).toBe('running');
  await page.screenshot({ path: SCREENSHOT });

  // Still growing, and never HTML: the <b> Claude wrote is text, not an element.
  await until(async () => (await shown()).length > partial.length, 10_000);
  await until(async () => (await shown()).includes('<b>Labs</b>'), 20_000);
  expect(await liveText.locator('b').count()).toBe(0);

  // The saved step replaces it.
  await page.locator('.badge.status-succeeded').first().waitFor({ timeout: 30_000 });
  await writing.waitFor({ state: 'detached' });
  const steps = page.locator('ol.steps li.step.model');
  expect(await steps.count()).toBe(2);
  expect(await steps.nth(1).locator('.preview').innerText()).toContain('I looked at this week’s leads.');
  const run = await waitForRun(h, user, runId);
  expect(run.output).toBe(ANSWER);
  expect(errors).toEqual([]);
}, 90_000);
