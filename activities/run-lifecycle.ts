import crypto from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { scheduledTimeOf } from '../lib/schedules';
import { findGenie } from '../db/repositories/genies';
import { listMessages, saveMessage } from '../db/repositories/run-records';
import { ensureRun, finishRun, findRun, markRunRunning } from '../db/repositories/runs';
import type { Db } from '../db';
import type { GenieRunInput, RunEnd, RunPlan } from '../workflows/types';
import { textOf } from './conversation';
import { openingMessage } from './prompt';

/**
 * The `startRun` activity: marks the run `running`, stores its opening user message (turn 0) and
 * returns the limits the loop runs under. Repeating it changes nothing.
 */
export function createStartRun(db: Db) {
  return async function startRun(input: GenieRunInput): Promise<RunPlan> {
    const { ownerId, genieId } = input;
    let trigger = input.trigger;
    let runId = input.runId;
    if (!runId) {
      // A scheduled run: record it under the workflow id Temporal gave it (once, however often this repeats).
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      const scheduledAt = scheduledTimeOf(workflowId, genieId);
      trigger = { ...trigger, scheduledAt };
      const genie = await findGenie(db, ownerId, genieId);
      if (!genie) throw ApplicationFailure.nonRetryable('The genie was deleted', 'GenieNotFound');
      runId = (
        await ensureRun(db, ownerId, {
          id: crypto.randomUUID(),
          genieId,
          workflowId,
          triggerType: trigger.type,
          input: null,
          scheduledAt: scheduledAt ? new Date(scheduledAt) : undefined,
        })
      ).id;
    }
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
    return { runId, genieName: genie.name, maxTurns: genie.max_turns, maxTokensPerRun: genie.max_tokens_per_run };
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
