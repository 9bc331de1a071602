import { reshape, toolUse, text, webSearch } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';
import { TEST_PRICES, usage } from '../support/prices';

/** Claude's server-side web search: offered with the genie's options, its searches as steps, priced per search. */
const prices = { ...TEST_PRICES, server_tools: { web_search: { usd_per_search: 0.01 } } };
const { fake, h, createUser } = useStack({ harness: { prices }, worker: { prices } });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('web-search');
});

const SEARCHED = webSearch('srvtoolu_01', 'acme pricing', [
  { title: 'Acme prices', url: 'https://example.com/prices' },
]);

it('offers web_search with its options, records each search as a server_tool step, sends it back, and prices it', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, {
    name: 'Searcher',
    model: 'test-model',
    tools: ['memory_write'],
    server_tools: ['web_search'],
    web_search: { allowed_domains: ['example.com'], max_uses: 3 },
  });
  expect(genie).toMatchObject({
    server_tools: ['web_search'],
    web_search: { allowed_domains: ['example.com'], max_uses: 3 },
  });
  const first = toolUse([{ name: 'memory_write', input: { key: 'prices', value: 19 } }], {
    usage: { ...usage(1000, 100), server_tool_use: { web_search_requests: 1 } },
  });
  const searched = reshape(first, { before: SEARCHED });
  fake.scriptConversation(marker, [searched, text('Acme charges 19.', usage(1000, 100))]);
  const { run_id } = await startRun(h, user, genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');

  const [ask, answer] = fake.requestsFor(marker);
  expect(ask!.body.tools).toContainEqual({
    type: 'web_search_20250305',
    name: 'web_search',
    allowed_domains: ['example.com'],
    max_uses: 3,
  });
  const assistant = answer!.body.messages.find((m: any) => m.role === 'assistant');
  expect(assistant.content.slice(0, 2)).toEqual(SEARCHED);

  const search = run.steps.find((s: any) => s.kind === 'server_tool');
  expect(search).toMatchObject({
    tool: 'web_search',
    tool_use_id: 'srvtoolu_01',
    input: { query: 'acme pricing' },
    is_error: false,
  });
  expect(search.output_preview).toContain('https://example.com/prices');
  // 1000×2 + 100×10 = 3000 µ$ a turn, and $0.01 for the search.
  expect(run.steps.filter((s: any) => s.kind === 'model').map((s: any) => s.cost_usd)).toEqual([0.013, 0.003]);
  expect(run.cost_usd).toBe(0.016);
});

it('refuses unknown server tools and both allowed and blocked domains', async () => {
  const create = (fields: object) =>
    h.call('POST', '/v1/worker-genies', { key: user.key, body: { name: 'x', soul_prompt: 'x', ...fields } });
  expect((await create({ server_tools: ['code_execution'] })).status).toBe(400);
  const both = await create({
    server_tools: ['web_search'],
    web_search: { allowed_domains: ['a.com'], blocked_domains: ['b.com'] },
  });
  expect(both.status).toBe(400);
  expect(both.body.error.details[0].field).toBe('web_search.blocked_domains');
});
