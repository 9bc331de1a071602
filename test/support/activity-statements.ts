import crypto from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ActivityDeps } from '../../activities';
import type { Db } from '../../db';
import { insertGenie } from '../../db/repositories/genies';
import { recordRun } from '../../db/repositories/runs';
import { findOrCreateUserByEmail } from '../../db/repositories/users';
import { GenieCreateSchema } from '../../domain/schemas/genie';
import type { ModelTurn, ToolRunSummary } from '../../temporal/contract';
import { FakeAnthropic, text, toolUse } from '../fakes/anthropic';
import { EchoServer } from './echo-server';
import { testVault } from './keys';

/** One activity's result and the statements it sent. */
export interface Counted<T> {
  result: T;
  statements: string[];
}

/** A two-turn run's activities, one at a time, each with the statements it sent Postgres. */
export interface ActivityStatements {
  runId: string;
  marker: string;
  fake: FakeAnthropic;
  /** The first model turn (it asks for a web_fetch). */
  modelTurn: Counted<ModelTurn>;
  /** The web_fetch it asked for. */
  toolCall: Counted<ToolRunSummary>;
  /** The last model turn (it ends the run). */
  lastTurn: Counted<ModelTurn>;
  /** The first turn again, as a retried attempt of a stored turn. */
  storedTurn: Counted<ModelTurn>;
}

const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

/**
 * What one model turn and one tool call cost Postgres: a genie with web_fetch, edited after its run
 * was recorded, runs a tool turn and a final turn through the real activities (in a mock activity
 * context, a fake model and an echo server on loopback), each counted as knex sends its statements;
 * transaction control (BEGIN, COMMIT) is not counted. `run` gets the results while the fake is up.
 */
export async function countActivityStatements<T>(db: Db, run: (counted: ActivityStatements) => Promise<T>): Promise<T> {
  const sent: string[] = [];
  const onQuery = (query: { sql: string }) => {
    if (!CONTROL.test(query.sql)) sent.push(query.sql);
  };
  const counted = async <R>(fn: () => Promise<unknown>): Promise<Counted<R>> => {
    sent.length = 0;
    const result = (await fn()) as R;
    return { result, statements: [...sent] };
  };
  const fake = await new FakeAnthropic().start();
  const echo = await new EchoServer().start();
  db.on('query', onQuery);
  try {
    const owner = await findOrCreateUserByEmail(db, `statements-${crypto.randomUUID()}@example.test`);
    const marker = `statements-${crypto.randomUUID()}`;
    const genie = await insertGenie(
      db,
      owner.id,
      GenieCreateSchema.parse({ name: 'Counted', soul_prompt: `Count me. ${marker}`, tools: ['web_fetch'] })
    );
    // A genie edited after the run was recorded: the run still goes by its own version.
    const recorded = await recordRun(db, owner.id, { genieId: genie.id, trigger: { type: 'manual' }, input: 'go' });
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
    const ids = { runId: recorded.id, ownerId: owner.id };

    await env.run(activities.startRun, { ...ids, genieId: genie.id, trigger: { type: 'manual' as const } });
    const modelTurn = await counted<ModelTurn>(() => env.run(activities.callModel, { ...ids, turn: 1 }));
    const call = modelTurn.result.toolCalls[0];
    if (!call) throw new Error(`The first turn asked for no tool: ${JSON.stringify(modelTurn.result)}`);
    const toolCall = await counted<ToolRunSummary>(() =>
      env.run(activities.runTool, { ...ids, genieId: genie.id, turn: 1, toolUseId: call.id })
    );
    const lastTurn = await counted<ModelTurn>(() => env.run(activities.callModel, { ...ids, turn: 2 }));
    const storedTurn = await counted<ModelTurn>(() => env.run(activities.callModel, { ...ids, turn: 1 }));
    return await run({ runId: recorded.id, marker, fake, modelTurn, toolCall, lastTurn, storedTurn });
  } finally {
    db.off('query', onQuery);
    await echo.close();
    await fake.close();
  }
}
