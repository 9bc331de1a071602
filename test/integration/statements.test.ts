import { createDb, type Db } from '../../db';
import { countActivityStatements } from '../support/activity-statements';

/**
 * What one model turn and one tool call cost Postgres: each activity reads the run, its genie
 * version and the call once, and writes its step (with the transcript and totals) in one go.
 * (`npm run bench` prints the same counts beside its other rows.)
 */
const MAX_STATEMENTS_PER_MODEL_TURN = 5;
const MAX_STATEMENTS_PER_TOOL_CALL = 5;

let db: Db;
beforeAll(() => {
  db = createDb(process.env.DATABASE_URL!);
});
afterAll(async () => {
  await db.destroy();
});

it(`spends at most ${MAX_STATEMENTS_PER_MODEL_TURN} statements on a model turn and ${MAX_STATEMENTS_PER_TOOL_CALL} on a tool call`, async () => {
  await countActivityStatements(db, async ({ runId, marker, fake, modelTurn, toolCall, lastTurn, storedTurn }) => {
    expect(modelTurn.result.stopReason).toBe('tool_use');
    expect(toolCall.result).toMatchObject({ isError: false });
    expect(lastTurn.result.stopReason).toBe('end_turn');
    // A repeated attempt of a stored turn reads, and writes nothing; it reports what the run cost by now.
    const { runCostMicroUsd: costThen, ...stored } = storedTurn.result;
    const { runCostMicroUsd: costNow, ...first } = modelTurn.result;
    expect(stored).toEqual(first);
    expect(costThen).toBe(lastTurn.result.runCostMicroUsd);
    expect(costNow).toBeLessThan(costThen!);

    expect(modelTurn.statements.length).toBeLessThanOrEqual(MAX_STATEMENTS_PER_MODEL_TURN);
    expect(lastTurn.statements.length).toBeLessThanOrEqual(MAX_STATEMENTS_PER_MODEL_TURN);
    expect(toolCall.statements.length).toBeLessThanOrEqual(MAX_STATEMENTS_PER_TOOL_CALL);
    expect(storedTurn.statements.length).toBe(1);

    // The run went by the version it recorded, and its totals are the sum of its model steps.
    expect(fake.requestsFor(marker)[0]!.body.system[0].text).toContain(`Count me. ${marker}`);
    const row = await db('runs').where({ id: runId }).first();
    const steps = await db('run_steps').where({ run_id: runId, kind: 'model' });
    expect(row.turns).toBe(2);
    expect(Number(row.output_tokens)).toBe(
      steps.reduce((sum: number, s: any) => sum + Number(s.usage.output_tokens), 0)
    );
    expect((await db('run_steps').where({ run_id: runId }).orderBy('seq')).map((s: any) => [s.seq, s.kind])).toEqual([
      [1, 'model'],
      [2, 'tool'],
      [3, 'model'],
    ]);
  });
});
