import { ApplicationFailure } from '@temporalio/activity';
import { findGenie } from '../db/repositories/genies';
import { listMessages, saveMessage } from '../db/repositories/run-records';
import { finishRun, findRun, markRunRunning } from '../db/repositories/runs';
import type { Db } from '../db';
import type { GenieRunInput, RunEnd, RunPlan } from '../workflows/types';
import { textOf } from './conversation';
import { openingMessage } from './prompt';

/**
 * The `startRun` activity: marks the run `running`, stores its opening user message (turn 0) and
 * returns the limits the loop runs under. Repeating it changes nothing.
 */
export function createStartRun(db: Db) {
  return async function startRun({ runId, ownerId, genieId, trigger }: GenieRunInput): Promise<RunPlan> {
    const run = await markRunRunning(db, ownerId, runId);
    if (!run) {
      const existing = await findRun(db, ownerId, runId);
      throw ApplicationFailure.nonRetryable(
        existing ? `Run ${runId} already ended (${existing.status})` : `Run ${runId} not found`,
        existing ? 'RunAlreadyEnded' : 'RunNotFound'
      );
    }
    const genie = await findGenie(db, ownerId, genieId);
    if (!genie) throw ApplicationFailure.nonRetryable('The genie was deleted', 'GenieNotFound');
    await saveMessage(db, ownerId, {
      runId,
      turn: 0,
      role: 'user',
      content: [{ type: 'text', text: openingMessage(run.input, trigger) }],
    });
    return { genieName: genie.name, maxTurns: genie.max_turns, maxTokensPerRun: genie.max_tokens_per_run };
  };
}

/**
 * The `finishRun` activity: records how the run ended, its totals and its output (the text of the
 * last reply). A run that already ended keeps its first ending.
 */
export function createFinishRun(db: Db) {
  return async function finishRunActivity(input: { runId: string; ownerId: string } & RunEnd): Promise<void> {
    const messages = await listMessages(db, input.ownerId, input.runId);
    const lastReply = [...messages].reverse().find((m) => m.role === 'assistant');
    const output = lastReply ? textOf(lastReply.content) || null : null;
    await finishRun(db, input.ownerId, input.runId, { status: input.status, output, error: input.error });
  };
}
