// `npm run bench`: the agent loop's cost per turn against Temporal's floor, and workflow history
// size per turn, measured in one run on the embedded stack with the fake model at zero latency.
import crypto from 'node:crypto';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createActivities } from '../activities';
import { RunService } from '../api/services/runs';
import { insertGenie } from '../db/repositories/genies';
import { writeMemory } from '../db/repositories/memory';
import { listSteps } from '../db/repositories/run-records';
import { findRun } from '../db/repositories/runs';
import { findOrCreateUserByEmail } from '../db/repositories/users';
import { createDb, migrateLatest, type Db } from '../db';
import { startEphemeralServices } from '../test/support/ephemeral-services';
import { generateKeySpec, parseKeys } from '../security/encryption-keys';
import { Vault } from '../security/vault';
import { isTerminal } from '../domain/runs';
import { GenieCreateSchema } from '../domain/schemas/genie';
import { FakeAnthropic, text, toolUse } from '../test/fakes/anthropic';
import { GenieSchedules } from '../temporal/genie-schedules';
import { PinoSdkLogger } from '../worker/sdk-logger';
import { createBenchActivities, noopTimes } from './activities';
import { genieDataConverter } from '../temporal/client';

const TURNS = 10;
const RUNS = 5;
const HISTORY_TURNS = [10, 30];
const TOOL_RESULT_BYTES = 32 * 1024;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function waitForEnd(db: Db, ownerId: string, runId: string): Promise<void> {
  for (;;) {
    const run = await findRun(db, ownerId, runId);
    if (run && isTerminal(run.status)) {
      if (run.status !== 'succeeded')
        throw new Error(`bench run ${runId} ended ${run.status}: ${JSON.stringify(run.error)}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  const services = await startEphemeralServices('genie-bench-');
  const address = services.temporalAddress;
  const db = createDb(services.databaseUrl);
  const fake = await new FakeAnthropic().start();
  Runtime.install({ logger: new PinoSdkLogger(pino({ level: 'error' })) });
  const connection = await NativeConnection.connect({ address });
  // Payloads encrypted as in production (the history sizes below include the codec's overhead).
  const dataConverter = genieDataConverter(parseKeys(generateKeySpec('bench')));
  const client = new Client({ connection: await Connection.connect({ address }), dataConverter });
  const taskQueue = 'bench';
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    await migrateLatest(db);
    worker = await Worker.create({
      connection,
      taskQueue,
      dataConverter,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('./workflows'),
        logger: new PinoSdkLogger(pino({ level: 'error' })),
      }),
      activities: {
        ...createActivities({
          db,
          model: {
            apiKey: 'bench',
            baseURL: fake.url,
            defaultModel: 'bench',
            maxOutputTokens: 1024,
            requestTimeoutMs: 30_000,
          },
          vault: new Vault(parseKeys(generateKeySpec('bench'))),
          fetchPolicy: { allowHosts: [] },
          notify: { maxPerRun: 20 },
          schedules: new GenieSchedules(client, taskQueue),
          publicUrl: 'http://localhost:3000',
          links: { temporalUiUrl: 'http://localhost:8233', namespace: 'default' },
        }),
        ...createBenchActivities(),
      },
    });
    running = worker.run();
    const runs = new RunService(db, client, { taskQueue, temporalUiUrl: 'http://localhost', namespace: 'default' });
    const owner = await findOrCreateUserByEmail(db, `bench-${crypto.randomUUID()}@example.test`);
    const newGenie = async (maxTurns: number) => {
      const marker = `bench-${crypto.randomUUID()}`;
      const genie = await insertGenie(
        db,
        owner.id,
        GenieCreateSchema.parse({
          name: marker,
          soul_prompt: marker,
          max_turns: maxTurns,
          tools: ['memory_read', 'memory_write'],
        })
      );
      return { genie, marker };
    };

    // Row 1: ms per agent turn (one model call + one tool call) in a 10-turn run.
    const turnMs: number[] = [];
    for (let r = 0; r < RUNS + 1; r++) {
      const { genie, marker } = await newGenie(TURNS);
      fake.script(marker, [
        ...Array.from({ length: TURNS - 1 }, (_, i) =>
          toolUse([{ name: 'memory_write', input: { key: `k${i}`, value: i } }])
        ),
        text('done'),
      ]);
      const { run_id } = await runs.start(owner.id, genie.id, 'bench');
      await waitForEnd(db, owner.id, run_id);
      if (r === 0) continue; // warm-up
      const modelStarts = (await listSteps(db, owner.id, run_id))
        .filter((s) => s.kind === 'model')
        .map((s) => s.started_at.getTime());
      for (let t = 1; t < modelStarts.length; t++) turnMs.push(modelStarts[t]! - modelStarts[t - 1]!);
    }

    // The floor: the same number of no-op activity pairs in a bare workflow on the same server.
    const pairMs: number[] = [];
    for (let r = 0; r < RUNS + 1; r++) {
      noopTimes.length = 0;
      await client.workflow.execute('noopActivities', {
        taskQueue,
        workflowId: `bench-noop-${crypto.randomUUID()}`,
        args: [2 * TURNS],
      });
      if (r === 0) continue;
      for (let i = 2; i < noopTimes.length; i += 2) pairMs.push(noopTimes[i]! - noopTimes[i - 2]!);
    }

    // History bytes per turn with 32 KiB tool results (memory_read of a 32 KiB value every turn).
    const history: Array<{ turns: number; bytes: number }> = [];
    for (const turns of HISTORY_TURNS) {
      const { genie, marker } = await newGenie(turns);
      await writeMemory(
        db,
        owner.id,
        { scope: 'genie', genieId: genie.id },
        {
          key: 'blob',
          value: 'x'.repeat(TOOL_RESULT_BYTES),
          expiresAt: null,
          runId: null,
          toolUseId: null,
        }
      );
      fake.script(marker, [
        ...Array.from({ length: turns - 1 }, () => toolUse([{ name: 'memory_read', input: { key: 'blob' } }])),
        text('done'),
      ]);
      const { run_id, workflow_id } = await runs.start(owner.id, genie.id, 'bench');
      await waitForEnd(db, owner.id, run_id);
      const fetched = await client.workflow.getHandle(workflow_id).fetchHistory();
      const bytes = temporal.api.history.v1.History.encode(fetched).finish().length;
      history.push({ turns, bytes });
    }

    const turn = median(turnMs);
    const floor = median(pairMs);
    const naive = (turns: number) => (turns * (turns + 1) * TOOL_RESULT_BYTES) / 2 / turns;
    const rows: Array<[string, string]> = [
      [`median ms per agent turn (model call + tool call), ${TURNS}-turn run, ${RUNS} runs`, turn.toFixed(1)],
      [`median ms per 2 no-op activities in a bare workflow (the floor)`, floor.toFixed(1)],
      ['agent turn / floor', `${(turn / floor).toFixed(2)}x`],
      ...history.map(({ turns, bytes }): [string, string] => [
        `workflow history bytes per turn, ${turns}-turn run, 32 KiB tool results`,
        `${Math.round(bytes / turns)} (total ${bytes})`,
      ]),
      [
        `  for comparison: transcript bytes per turn if passed through each activity (${HISTORY_TURNS.at(-1)} turns)`,
        String(Math.round(naive(HISTORY_TURNS.at(-1)!))),
      ],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(`\n| ${'measure'.padEnd(width)} | value |\n| ${'-'.repeat(width)} | ----- |`);
    for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value} |`);
  } finally {
    worker?.shutdown();
    await running;
    await client.connection.close();
    await connection.close();
    await db.destroy();
    await fake.close();
    await services.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  }
);
