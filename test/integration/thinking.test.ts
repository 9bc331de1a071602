import { reshape, text, toolUse } from '../fakes/anthropic';
import type { TestUser } from '../support/harness';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/** Extended thinking: asked for on every call, its blocks sent back intact across a tool turn. */
const { fake, h, createUser } = useStack({ worker: true });
let user: TestUser;

beforeAll(async () => {
  user = await createUser('thinking');
});

const THOUGHT = {
  type: 'thinking' as const,
  thinking: 'The user wants the lead count; I should look first.',
  signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxsig',
};

it('asks for thinking with the budget, keeps thinking blocks with their signature across a tool turn, and previews them', async () => {
  const { genie, marker } = await createScriptedGenie(h, user, {
    name: 'Thinker',
    tools: ['memory_write'],
    thinking_budget_tokens: 2048,
  });
  expect(genie.thinking_budget_tokens).toBe(2048);
  const first = toolUse([{ name: 'memory_write', input: { key: 'k', value: 1 } }]);
  const withThought = reshape(first, { before: [THOUGHT] });
  fake.scriptConversation(marker, [withThought, text('done thinking')]);
  const { run_id } = await startRun(h, user, genie.id);
  const run = await waitForRun(h, user, run_id);
  expect(run.status).toBe('succeeded');

  const [ask, answer] = fake.requestsFor(marker);
  expect(ask!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
  expect(ask!.body.max_tokens).toBeGreaterThan(2048);
  // The assistant turn goes back exactly as it came: the thinking block first, signature intact.
  const assistant = answer!.body.messages.find((m: any) => m.role === 'assistant');
  expect(assistant.content[0]).toEqual(THOUGHT);
  expect(assistant.content[1]).toMatchObject({ type: 'tool_use', name: 'memory_write' });

  const steps = run.steps.filter((s: any) => s.kind === 'model');
  expect(steps[0].thinking_preview).toBe(THOUGHT.thinking);
  expect(steps[1].thinking_preview).toBeUndefined();
  expect(run.genie_config.thinking_budget_tokens).toBe(2048);
});

it('refuses a thinking budget under 1024 tokens', async () => {
  const res = await h.call('POST', '/v1/worker-genies', {
    key: user.key,
    body: { name: 'x', soul_prompt: 'x', thinking_budget_tokens: 512 },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.details[0].field).toBe('thinking_budget_tokens');
});
