import { Context } from '@temporalio/activity';
import { isCallApproved } from '../../db/repositories/approvals';
import { findGenieForRun } from '../../db/repositories/genies';
import { findRun } from '../../db/repositories/runs';
import { findMessage, findToolStep, saveStep, type NewStep } from '../../db/repositories/run-records';
import type { Queryable } from '../../db';
import { needsApproval } from '../../domain/approvals';
import type { RunToolInput, ToolRunSummary } from '../../temporal/contract';
import type { ToolDeps } from '../deps';
import { genieNotFound, runNotFound, toolCallMissing } from '../failures';
import { untilRecorded } from '../durable';
import { withHeartbeat } from '../heartbeat';
import { preview } from '../previews';
import { offeredTools } from './index';
import { invalidInput, toolError, type ToolOutcome } from './registry';

interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

const summaryOf = (step: { is_error: boolean; output_preview: string | null }): ToolRunSummary => ({
  isError: step.is_error,
  preview: step.output_preview ?? '',
});

/**
 * Runs one tool call of the model, effectively once per `(run, tool_use_id)`: the tool input is read
 * from the stored assistant message (never passed through workflow history), the full result is
 * stored as a run step, and a repeated attempt returns the stored step instead of acting again.
 */
export async function runToolCall(
  deps: ToolDeps,
  input: RunToolInput,
  options: { signal?: AbortSignal; attempt?: number } = {}
): Promise<ToolRunSummary> {
  const { db } = deps;
  const { runId, ownerId, genieId, turn, toolUseId } = input;
  const done = await findToolStep(db, ownerId, runId, toolUseId);
  if (done) return summaryOf(done);

  const message = await findMessage(db, ownerId, runId, turn, 'assistant');
  const block = message?.content.find((b): b is ToolUseBlock & typeof b => b.type === 'tool_use' && b.id === toolUseId);
  if (!block) throw toolCallMissing(toolUseId, turn);
  const run = await findRun(db, ownerId, runId);
  if (!run) throw runNotFound(runId);
  const genie = await findGenieForRun(db, ownerId, run);
  if (!genie) throw genieNotFound(genieId);

  const offered = offeredTools(genie.tools);
  const tool = offered.find((t) => t.name === block.name);
  const startedAt = new Date();
  const step = (outcome: ToolOutcome): NewStep => ({
    run_id: runId,
    turn,
    kind: 'tool',
    tool: block.name,
    tool_use_id: toolUseId,
    input: block.input,
    result: outcome.result,
    output_preview: preview(outcome.result),
    is_error: outcome.isError,
    usage: null,
    started_at: startedAt,
    duration_ms: Date.now() - startedAt.getTime(),
  });
  /** The call's answer, counted for the worker's metrics. */
  const answer = (recorded: NewStep): ToolRunSummary => {
    const outcome = input.refused ? 'refused' : recorded.is_error ? 'error' : 'ok';
    deps.metrics?.toolCalls.inc({ tool: block.name, outcome });
    return summaryOf(recorded);
  };

  if (input.refused) {
    // The owner said no (or never answered): the model learns why, and nothing is run.
    const { status, note } = input.refused;
    const outcome = toolError(
      status === 'denied'
        ? `Your owner denied this call${note ? `: ${note}` : '.'} It was not run.`
        : `Your owner did not decide in time: the approval expired${note ? ` (${note})` : ''}, so the call was not run.`
    );
    await saveStep(db, ownerId, step(outcome));
    return answer(step(outcome));
  }
  if (!tool) {
    const outcome = toolError(
      `Unknown tool "${block.name}"; available: ${offered.map((t) => t.name).join(', ') || 'none'}`
    );
    await saveStep(db, ownerId, step(outcome));
    return answer(step(outcome));
  }
  const parsed = tool.input.safeParse(block.input);
  if (!parsed.success) {
    const outcome = invalidInput(tool.name, parsed.error);
    await saveStep(db, ownerId, step(outcome));
    return answer(step(outcome));
  }
  // A gated call runs only on the owner's approval as Postgres records it, whatever the workflow
  // was told (a decision sent straight to Temporal never reaches here as approved).
  if (
    needsApproval(genie.approval_required, tool.name, block.input) &&
    !(await isCallApproved(db, ownerId, runId, toolUseId))
  ) {
    const outcome = toolError('This call needs your owner’s approval and none is recorded for it, so it was not run.');
    await saveStep(db, ownerId, step(outcome));
    return answer(step(outcome));
  }

  if (!tool.transactional) {
    // The effect may be outside Postgres (an email, a request): once done, its step must be recorded.
    const outcome = await tool.execute({ db, deps, ownerId, genie, runId, toolUseId, ...options }, parsed.data);
    const done = step(outcome);
    await untilRecorded(`the result of ${block.name}`, () => saveStep(db, ownerId, done), options.signal);
    return answer(done);
  }
  const execute = async (q: Queryable) => {
    const outcome = await tool.execute({ db: q, deps, ownerId, genie, runId, toolUseId, ...options }, parsed.data);
    await saveStep(q, ownerId, step(outcome));
    return answer(step(outcome));
  };
  // The effect and its step commit together. Claiming the step row first makes a concurrent
  // attempt (a worker presumed dead that is still running) wait here, then find the step and stop.
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`${runId}:${toolUseId}`]);
    const raced = await findToolStep(trx, ownerId, runId, toolUseId);
    return raced ? summaryOf(raced) : execute(trx);
  });
}

/** The tool activity, bound to what tools need. */
export function createToolActivities(deps: ToolDeps) {
  /** `runTool`: one tool call, effectively once per `(run, tool_use_id)`; see runToolCall. */
  async function runTool(input: RunToolInput): Promise<ToolRunSummary> {
    return withHeartbeat((signal) => runToolCall(deps, input, { signal, attempt: Context.current().info.attempt }));
  }
  return { runTool };
}
