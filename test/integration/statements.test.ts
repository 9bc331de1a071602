import crypto from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ActivityDeps } from '../../activities';
import { insertGenie } from '../../db/repositories/genies';
import { recordRun } from '../../db/repositories/runs';
import { findOrCreateUserByEmail } from '../../db/repositories/users';
import { createDb, type Db } from '../../db';
import { GenieCreateSchema } from '../../domain/schemas/genie';
import { FakeAnthropic, text, toolUse } from '../fakes/anthropic';
import { EchoServer } from '../support/echo-server';
import { testVault } from '../support/keys';
import type { ModelTurn, ToolRunSummary } from '../../temporal/contract';

/**
 * What one model turn and one tool call cost Postgres: each activity reads the run, its genie
 * version and the call once, and writes its step (with the transcript and totals) in one go.
 * Statements are counted as knex sends them; transaction control (BEGIN, COMMIT) is not counted.
 */
const MAX_STATEMENTS_PER_MODEL_TURN = 5;
const MAX_STATEMENTS_PER_TOOL_CALL = 5;

let db: Db;
let fake: FakeAnthropic;
let echo: EchoServer;
const sent: string[] = [];

beforeAll(async () => {
  db = createDb(process.env.DATABASE_URL!);
  db.on('query', (query: { sql: string }) => {
    if (!/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(query.sql)) sent.push(query.sql);
  });
  fake = await new FakeAnthropic().start();
  echo = await new EchoServer().start();
});
afterAll(async () => {
  await echo.close();
  await fake.close();
  await db.destroy();
});

/** The statements `fn` sends. */
async function counted<T>(fn: () => Promise<unknown>): Promise<{ result: T; statements: string[] }> {
  sent.length = 0;
  const result = (await fn()) as T;
  return { result, statements: [...sent] };
}

it(`spends at most ${MAX_STATEMENTS_PER_MODEL_TURN} statements on a model turn and ${MAX_STATEMENTS_PER_TOOL_CALL} on a tool call`, async () => {
  const owner = await findOrCreateUserByEmail(db, `statements-${crypto.randomUUID()}@example.test`);
  const marker = `statements-${crypto.randomUUID()}`;
  const genie = await insertGenie(
    db,
    owner.id,
    GenieCreateSchema.parse({ name: 'Counted', soul_prompt: `Count me. ${marker}`, tools: ['web_fetch'] })
  );
  // A genie edited after the run was recorded: the run still goes by its own version.
  const run = await recordRun(db, owner.id, { genieId: genie.id, trigger: { type: 'manual' }, input: 'go' });
  await db('genies').where({ id: genie.id }).update({ version: 2, soul_prompt: 'Edited later.' });
  fake.script(marker, [
    toolUse([{ name: 'web_fetch', input: { url: `http://echo.test:${echo.port}/echo` } }]),
    text('All done.'),
  ]);
  const deps = {
    db,
    model: {
      apiKey: 'sk-ant-fake-statements',
      baseURL: fake.url,
      defaultModel: 'claude-sonnet-5-5',
      maxOutputTokens: 1024,
      requestTimeoutMs: 30_000,
    },
    vault: testVault(),
    fetchPolicy: { allowHosts: ['echo.test'], resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]) },
    notify: { maxPerRun: 20 },
    publicUrl: 'http://genies.test',
    links: { temporalUiUrl: 'http://localhost:8233', namespace: 'default' },
  } as unknown as ActivityDeps;
  const activities = createActivities(deps);
  const env = new MockActivityEnvironment();
  const ids = { runId: run.id, ownerId: owner.id };

  await env.run(activities.startRun, { ...ids, genieId: genie.id, trigger: { type: 'manual' as const } });
  const first = await counted<ModelTurn>(() => env.run(activities.callModel, { ...ids, turn: 1 }));
  expect(first.result.stopReason).toBe('tool_use');
  const call = first.result.toolCalls[0]!;
  const tool = await counted<ToolRunSummary>(() =>
    env.run(activities.runTool, { ...ids, genieId: genie.id, turn: 1, toolUseId: call.id })
  );
  expect(tool.result).toMatchObject({ isError: false });
  const second = await counted<ModelTurn>(() => env.run(activities.callModel, { ...ids, turn: 2 }));
  expect(second.result.stopReason).toBe('end_turn');
  // A repeated attempt of a stored turn reads, and writes nothing.
  const repeat = await counted<ModelTurn>(() => env.run(activities.callModel, { ...ids, turn: 1 }));
  expect(repeat.result).toEqual(first.result);

  const counts = {
    modelTurn: first.statements.length,
    toolCall: tool.statements.length,
    lastTurn: second.statements.length,
    storedTurn: repeat.statements.length,
  };
  expect(counts.modelTurn).toBeLessThanOrEqual(MAX_STATEMENTS_PER_MODEL_TURN);
  expect(counts.lastTurn).toBeLessThanOrEqual(MAX_STATEMENTS_PER_MODEL_TURN);
  expect(counts.toolCall).toBeLessThanOrEqual(MAX_STATEMENTS_PER_TOOL_CALL);
  expect(counts.storedTurn).toBe(1);

  // The run went by the version it recorded, and its totals are the sum of its model steps.
  expect(fake.requestsFor(marker)[0]!.body.system[0].text).toContain(`Count me. ${marker}`);
  const row = await db('runs').where({ id: run.id }).first();
  const steps = await db('run_steps').where({ run_id: run.id, kind: 'model' });
  expect(row.turns).toBe(2);
  expect(Number(row.output_tokens)).toBe(steps.reduce((sum: number, s: any) => sum + Number(s.usage.output_tokens), 0));
  expect((await db('run_steps').where({ run_id: run.id }).orderBy('seq')).map((s: any) => [s.seq, s.kind])).toEqual([
    [1, 'model'],
    [2, 'tool'],
    [3, 'model'],
  ]);
});
