import type { Page } from 'playwright-core';
import { text, toolUse, type FakeAnthropic, type FakeReply } from '../fakes/anthropic';
import { startConsoleStack, type ConsoleStack } from '../support/browser';
import type { Harness, TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForEval, waitForRun } from '../support/runs';
import { TEST_PRICES, usage } from '../support/prices';

/**
 * "Try a change" in the owner console (headless Chromium, real API, worker, Postgres and Temporal):
 * from a genie's page, a changed soul prompt tried against its last two runs with a rubric; the
 * eval page followed until both cases end, each case side by side with its past run (answers, tool
 * calls with where each got its answer, the judge's score); the change applied as a new version, and
 * refused (409) for an eval of a genie that changed since; an empty change refused in the form; an
 * eval cancelled while it runs; the genie's evals listed on its page.
 */

let fake: FakeAnthropic;
let h: Harness;
let user: TestUser;
let page: Page;
let errors: string[];
let stack: ConsoleStack | undefined;

beforeAll(async () => {
  stack = await startConsoleStack({ name: 'evals', prices: TEST_PRICES });
  ({ fake, h, user, page, errors } = stack);
}, 120_000);
afterAll(() => stack?.stop());

const api = (method: string, path: string, body?: unknown) => h.call(method, path, { key: user.key, body });
const getGenie = async (id: string) => (await api('GET', `/v1/worker-genies/${id}`)).body.data;

describe('trying a change in the owner console', () => {
  let genie: any;
  let evalId: string;
  let staleEvalId: string;
  const stamp = Date.now();
  const newMarker = `eval-console-${stamp}`;
  const staleMarker = `eval-stale-${stamp}`;
  const judgeMarker = `judge-console-${stamp}`;
  const newPrompt = `You are a sharper lead reader: name the one lead to call first. ${newMarker}`;

  beforeAll(async () => {
    // Named without the marker: the eval's changed soul prompt gets a script of its own.
    const created = await createScriptedGenie(h, user, {
      name: 'Lead reader',
      model: 'test-model',
      tools: ['memory_read', 'memory_write'],
    });
    genie = created.genie;
    await h.db('memory').insert({
      owner_id: user.id,
      scope: 'genie',
      genie_id: genie.id,
      key: 'leads',
      value: JSON.stringify(['Ada', 'Ben']),
    });
    // Each past run reads the leads and answers: 3000 µ$ a turn.
    fake.scriptConversation(created.marker, [
      toolUse([{ name: 'memory_read', input: { key: 'leads' } }], { usage: usage(1000, 100) }),
      text('Ada and Ben both look promising.', usage(1000, 100)),
    ]);
    for (const input of ['Look at the leads', 'Look again']) {
      const { run_id: runId } = await startRun(h, user, genie.id, input);
      expect((await waitForRun(h, user, runId)).status).toBe('succeeded');
    }
    // With the change: the same read (recorded), a new read (live), a write (refused), a shorter answer.
    fake.scriptConversation(newMarker, [
      {
        ...toolUse(
          [
            { name: 'memory_read', input: { key: 'leads' } },
            { name: 'memory_read', input: { key: 'called' } },
            { name: 'memory_write', input: { key: 'called', value: 'Ada' } },
          ],
          { usage: usage(1000, 100) }
        ),
        latencyMs: 1500,
      },
      text('Call Ada first.', usage(1000, 100)),
    ]);
    fake.script(judgeMarker, [
      toolUse([{ name: 'record_score', input: { score: 4, reason: 'Shorter, and it names one lead.' } }], {
        usage: usage(500, 50),
      }),
    ]);
    // Another eval of this version, started before the first is applied: applying it later is refused.
    fake.scriptConversation(staleMarker, [text('Stale answer.', usage(100, 10))]);
    const stale = await api('POST', `/v1/worker-genies/${genie.id}/evals`, {
      changes: { soul_prompt: `An older idea. ${staleMarker}` },
      last: 1,
    });
    expect(stale.status).toBe(202);
    staleEvalId = stale.body.data.eval_id;
  }, 90_000);

  it('opens the form from the genie’s page, prefilled, and refuses an empty change', async () => {
    await page.goto(`${h.url}/`);
    await page.fill('#api-key', user.key);
    await page.click('button[type=submit]');
    await page.locator('table.list').waitFor();
    await page.goto(`${h.url}/#/genies/${genie.id}`);
    await page.getByRole('heading', { name: 'Lead reader' }).waitFor();
    await page.getByRole('link', { name: 'Try a change' }).click();
    await page.waitForURL(/#\/genies\/[0-9a-f-]+\/try$/);
    await page.getByRole('heading', { name: 'Try a change' }).waitFor();

    expect(await page.inputValue('#try-soul_prompt')).toBe(genie.soul_prompt);
    expect(await page.inputValue('#try-model')).toBe('test-model');
    expect(await page.inputValue('#try-max_turns')).toBe(String(genie.max_turns));
    expect(await page.inputValue('#try-last')).toBe('10');
    expect(await page.inputValue('#try-rubric')).toBe('');
    expect(await page.locator('label[for=try-soul_prompt]').innerText()).toBe('Soul prompt');
    expect(await page.locator('label[for=try-last]').innerText()).toBe('How many of its latest succeeded runs');
    await page.getByText('It has 2 succeeded runs.').waitFor();

    // Nothing changed: the form says what to do, and nothing is started.
    const before = (await api('GET', `/v1/worker-genies/${genie.id}/evals`)).body.data.items.length;
    await page.getByRole('button', { name: 'Run eval' }).click();
    const empty = page.locator('[data-empty-change]');
    await empty.waitFor();
    expect(await empty.innerText()).toContain('Nothing is changed yet: edit the soul prompt');
    expect(await empty.getAttribute('role')).toBe('alert');
    expect(page.url()).toMatch(/\/try$/);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: '/tmp/eval-form-empty.png', fullPage: true });
    expect((await api('GET', `/v1/worker-genies/${genie.id}/evals`)).body.data.items).toHaveLength(before);

    // Picking runs: the genie's two ended runs, as checkboxes; none picked is refused at the list.
    await page.getByText('Runs I pick').click();
    const picks = page.locator('.run-picker input[type=checkbox]');
    await picks.first().waitFor();
    expect(await picks.count()).toBe(2);
    await page.fill('#try-max_turns', '7');
    expect(await page.locator('[data-changed]').innerText()).toBe('Changes: Max turns');
    await page.getByRole('button', { name: 'Run eval' }).click();
    await page.locator('#try-runs-error').waitFor();
    expect(await page.locator('#try-runs-error').innerText()).toBe('Pick at least one run.');
    expect(await empty.count()).toBe(0);
    await page.fill('#try-max_turns', String(genie.max_turns));
    await page.getByText('Last N succeeded runs').click();
    await page.locator('#try-last').waitFor();
    expect(await page.locator('#try-runs-error').count()).toBe(0);
  }, 60_000);

  it('runs an eval of a changed soul prompt and follows it until both cases end, side by side', async () => {
    await page.fill('#try-soul_prompt', newPrompt);
    await page.fill('#try-last', '2');
    await page.fill('#try-rubric', `Does it name the one lead to call? ${judgeMarker}`);
    expect(await page.locator('[data-changed]').innerText()).toBe('Changes: Soul prompt');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: '/tmp/eval-form.png', fullPage: true });

    await page.getByRole('button', { name: 'Run eval' }).click();
    await page.waitForURL(/#\/evals\/[0-9a-f-]{36}$/);
    evalId = /#\/evals\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    // While it runs: the status, the live panel, a Cancel button, no Apply.
    await page.locator('h1 .badge.status-running').waitFor();
    expect(await page.locator('.live').innerText()).toContain('Trying the change');
    expect(await page.getByRole('button', { name: 'Cancel eval' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Apply change' }).count()).toBe(0);
    // Refreshed until it ends.
    await page.locator('h1 .badge.status-succeeded').waitFor({ timeout: 60_000 });
    expect(await page.locator('.live').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel eval' }).count()).toBe(0);

    const done = await waitForEval(h, user, evalId);
    expect(done).toMatchObject({ status: 'succeeded', changes: { soul_prompt: newPrompt } });
    expect(done.cases).toHaveLength(2);

    const stat = (name: string) => page.locator(`[data-stat=${name}]`).innerText();
    expect(await stat('finished')).toContain('2 / 2');
    expect(await stat('failed')).toContain('0');
    expect(await stat('same')).toContain('0 of 2');
    expect(await stat('score')).toContain('4 / 5');
    // Each case: 3000 µ$ × 2 turns + the judge's 1500 µ$; each past run 6000 µ$.
    expect(await stat('cost')).toContain('$0.015');
    expect(await stat('cost')).toContain('vs $0.012 before');

    // The change, as a diff of the soul prompt.
    const change = page.locator('[data-field=soul_prompt]');
    expect(await change.locator('pre.diff ins').allInnerTexts()).toEqual([expect.stringContaining(newMarker)]);
    expect((await change.locator('pre.diff del').allInnerTexts()).join(' ')).toContain('test genie');

    const cases = page.locator('.eval-case');
    expect(await cases.count()).toBe(2);
    for (const [index, item] of done.cases.entries()) {
      const card = cases.nth(index);
      expect(await card.getAttribute('data-case')).toBe(item.run_id);
      const beforeSide = card.locator('.side.before');
      const afterSide = card.locator('.side.after');
      expect(await beforeSide.locator('.output-text').innerText()).toBe('Ada and Ben both look promising.');
      expect(await afterSide.locator('.output-text').innerText()).toBe('Call Ada first.');
      expect(await beforeSide.locator('li.call code').allInnerTexts()).toEqual(['memory_read']);
      expect(await beforeSide.locator('[data-source]').count()).toBe(0);
      expect(await afterSide.locator('li.call code').allInnerTexts()).toEqual([
        'memory_read',
        'memory_read',
        'memory_write',
      ]);
      expect(await afterSide.locator('[data-source]').allInnerTexts()).toEqual(['recorded', 'live', 'refused']);
      expect(await afterSide.locator('[data-source=refused]').getAttribute('title')).toContain('Not run');
      expect(await card.locator('.badge.score').innerText()).toBe('Score 4/5');
      expect(await card.locator('.judge-reason').innerText()).toBe('Judge: Shorter, and it names one lead.');
      expect(await card.locator('.badge.other-tools').innerText()).toBe('Other tool calls');
      expect(await card.locator('h3').innerText()).toBe(`Case ${index + 1}`);
      expect(await card.getByRole('link', { name: 'Past run' }).getAttribute('href')).toBe(`#/runs/${item.run_id}`);
      expect(await card.getByRole('link', { name: 'Run with the change' }).getAttribute('href')).toBe(
        `#/runs/${item.case_run_id}`
      );
      expect(await beforeSide.locator('[data-cost]').innerText()).toBe('cost $0.006');
      expect(await afterSide.locator('[data-cost]').innerText()).toBe('cost $0.0075 (judging included)');
    }
    await page.evaluate('window.scrollTo(0, 0)');
    await page.waitForTimeout(300);
    await page.screenshot({ path: '/tmp/eval-page.png', fullPage: true });
    // On a phone the two sides stack.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: '/tmp/eval-page-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A case's own run: its steps, each tool call with where it got its answer.
    const caseRunId = done.cases[0].case_run_id;
    await page.getByRole('link', { name: 'Run with the change' }).first().click();
    await page.waitForURL(new RegExp(`#/runs/${caseRunId}$`));
    const note = page.locator('[data-eval-case]');
    await note.waitFor();
    expect(await note.getByRole('link', { name: `eval ${evalId.slice(0, 8)}` }).getAttribute('href')).toBe(
      `#/evals/${evalId}`
    );
    await page.locator('li.step.tool').nth(2).waitFor();
    // Its steps are in the order the calls ended (they ran at once).
    expect((await page.locator('li.step.tool [data-source]').allInnerTexts()).sort()).toEqual([
      'live',
      'recorded',
      'refused',
    ]);
    await page.goBack();
    await page.locator('.eval-case').first().waitFor();
  }, 90_000);

  it('applies the change as a new version of the genie', async () => {
    const version = (await getGenie(genie.id)).version;
    await page.getByRole('button', { name: 'Apply change' }).click();
    const applied = page.locator('[data-applied]');
    await applied.waitFor();
    expect(await applied.innerText()).toContain('Change applied.');
    expect(await applied.innerText()).toContain(`Lead reader is now at version ${version + 1}`);
    expect(await applied.getByRole('link', { name: 'Lead reader' }).getAttribute('href')).toBe(`#/genies/${genie.id}`);
    expect(await page.getByRole('button', { name: 'Apply change' }).count()).toBe(0);
    const after = await getGenie(genie.id);
    expect(after.soul_prompt).toBe(newPrompt);
    expect(after.version).toBe(version + 1);
    expect((await api('GET', `/v1/evals/${evalId}`)).body.data.applied_at).toEqual(expect.any(String));

    // A reload still says so, and still shows what the soul prompt was (from a past run of that version).
    await page.reload();
    await page.locator('[data-applied]').waitFor();
    expect(await page.locator('[data-applied]').innerText()).toContain('Applied');
    await page.locator('[data-field=soul_prompt] pre.diff del').first().waitFor();
  }, 60_000);

  it('shows the API’s message when the genie changed since the eval began (409)', async () => {
    await waitForEval(h, user, staleEvalId);
    await page.goto(`${h.url}/#/evals/${staleEvalId}`);
    await page.locator('h1 .badge.status-succeeded').waitFor();
    await page.getByRole('button', { name: 'Apply change' }).click();
    const refused = page.locator('[data-apply-error]');
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(/changed since/);
    expect(await refused.getAttribute('role')).toBe('alert');
    await page.screenshot({ path: '/tmp/eval-apply-409.png' });
    expect(await page.getByRole('button', { name: 'Apply change' }).count()).toBe(0);
    expect(await refused.getByRole('link', { name: 'Try the change again' }).getAttribute('href')).toBe(
      `#/genies/${genie.id}/try?from=${staleEvalId}`
    );
    expect((await getGenie(genie.id)).soul_prompt).toBe(newPrompt);

    // Tried again: the form starts from that eval's change.
    await refused.getByRole('link', { name: 'Try the change again' }).click();
    await page.locator('[data-from-eval]').waitFor();
    expect(await page.inputValue('#try-soul_prompt')).toContain(staleMarker);
    expect(await page.inputValue('#try-last')).toBe('1');
  }, 60_000);

  it('cancels an eval while it runs', async () => {
    const slowMarker = `eval-slow-${stamp}`;
    const slow: FakeReply = { ...text('slow'), latencyMs: 60_000 };
    fake.scriptConversation(slowMarker, [slow]);
    await page.fill('#try-soul_prompt', `Take your time. ${slowMarker}`);
    await page.getByRole('button', { name: 'Run eval' }).click();
    await page.waitForURL(/#\/evals\/[0-9a-f-]{36}$/);
    await page.locator('.eval-case .badge.status-running').first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel eval' }).click();
    await page.locator('h1 .badge.status-cancelled').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: 'Cancel eval' }).count()).toBe(0);
  }, 60_000);

  it('lists the genie’s evals on its page, each linking to its eval', async () => {
    await page.goto(`${h.url}/#/genies/${genie.id}`);
    await page.getByRole('tab', { name: 'Evals' }).click();
    const rows = page.locator('table.evals tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(3);
    const row = page.locator(`tr[data-eval="${evalId}"]`);
    expect(await row.locator('.badge').innerText()).toBe('Succeeded');
    expect(await row.locator('td').nth(1).innerText()).toBe('Soul prompt');
    expect(await row.locator('td').nth(3).innerText()).toBe('2 / 2');
    expect(await row.locator('td').nth(4).innerText()).toBe('4');
    expect(await row.locator('td').nth(5).innerText()).not.toBe('no');
    expect(await page.locator(`tr[data-eval="${staleEvalId}"] td`).nth(5).innerText()).toBe('no');
    await page.waitForTimeout(300);
    await page.screenshot({ path: '/tmp/eval-genie-list.png', fullPage: true });
    await row.click();
    await page.waitForURL(new RegExp(`#/evals/${evalId}$`));
    await page.locator('.eval-case').first().waitFor();
  }, 60_000);

  it('had no script errors', () => {
    // The browser logs the refused apply (409) as a failed resource: expected, and the only one.
    const conflicts = errors.filter((error) => /status of 409 \(Conflict\)/.test(error));
    expect(conflicts).toHaveLength(1);
    expect(errors.filter((error) => !conflicts.includes(error))).toEqual([]);
  });
});
