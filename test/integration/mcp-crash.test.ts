import { spawnNodeChild, waitForReady } from '../../dev/stack';
import type { ChildHandle } from '../../dev/processes';
import { text, toolUse } from '../fakes/anthropic';
import { TEST_ENCRYPTION_KEYS } from '../support/keys';
import { TestMcpServer } from '../support/mcp-server';
import { createScriptedGenie, startRun, waitForRun } from '../support/runs';
import { useStack } from '../support/stack';

/**
 * The window for a repeated MCP call, really opened: the server has made the issue when the worker
 * dies (killed from inside the tool, before the answer leaves), so nothing recorded the call, and
 * the next worker calls again — with the same idempotency key, so the server makes nothing twice.
 */
const { fake, h, taskQueue, createUser, db } = useStack();
let mcp: TestMcpServer;

beforeAll(async () => {
  mcp = await new TestMcpServer().start();
});
afterAll(async () => {
  await mcp.close();
});

it('makes the issue once when the worker dies after the server acted, before it answered', async () => {
  const env = {
    ...process.env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-ant-fake',
    GENIE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    GENIE_FETCH_ALLOW_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'error',
  };
  const api = h;
  const user = await createUser('mcp-crash');
  let first: ChildHandle | undefined;
  let second: ChildHandle | undefined;
  try {
    const { genie, marker } = await createScriptedGenie(api, user, {
      tools: [],
      mcp_servers: [{ name: 'tracker', url: mcp.url, approval: 'never' }],
    });
    fake.script(marker, [
      toolUse([{ name: 'mcp__tracker__create_issue', input: { title: 'Only once' } }]),
      text('Filed it.'),
    ]);
    first = spawnNodeChild('worker', env);
    await waitForReady(first, 120_000);
    const dying = first;
    mcp.afterCreate = () => {
      mcp.afterCreate = undefined;
      dying.child.kill('SIGKILL');
    };
    const { run_id } = await startRun(api, user, genie.id);
    expect(await first.exited).toBe('SIGKILL');
    second = spawnNodeChild('worker', env);
    await waitForReady(second, 120_000);
    const run = await waitForRun(api, user, run_id, { timeoutMs: 120_000 });
    expect(run.status).toBe('succeeded');
    const calls = mcp.callsOf('create_issue').filter((c) => c.idempotencyKey?.startsWith(run_id));
    expect(calls.length).toBe(2); // the call again, after the crash
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
    expect([...mcp.created.keys()].filter((key) => key.startsWith(run_id))).toHaveLength(1);
    expect(run.steps.filter((s: any) => s.tool === 'mcp__tracker__create_issue')).toHaveLength(1);
    expect(await db('run_steps').where({ run_id, kind: 'tool' })).toHaveLength(1);
  } finally {
    await first?.stop();
    await second?.stop();
  }
}, 300_000);
