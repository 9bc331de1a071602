import { Context } from '@temporalio/activity';
import { loadRunContext } from '../../db/repositories/run-context';
import {
  findToolStep,
  listMessages,
  saveStep,
  toolUsesOf,
  type NewStep,
  type RunMessageRow,
  type RunStepRow,
} from '../../db/repositories/run-records';
import { EVAL_REFUSAL, matchRecorded, runsLiveInEval, type EvalToolSource } from '../../domain/evals';
import type { RunRow } from '../../db/repositories/runs';
import { needsApproval } from '../../domain/approvals';
import { isMcpToolName, mcpPolicyGates } from '../../domain/mcp';
import { keepRunMcpTools } from '../../db/repositories/runs';
import type { ListMcpToolsInput, McpToolsListed, RunToolInput, ToolRunSummary } from '../../temporal/contract';
import type { ToolDeps } from '../deps';
import { recordedResultMissing, runNotFound, toolCallMissing } from '../failures';
import { untilRecorded } from '../durable';
import { withHeartbeat } from '../heartbeat';
import { preview } from '../previews';
import { offeredTools } from './index';
import { listGenieMcpTools, runMcpTool } from './mcp';
import { invalidInput, toolError, type ToolOutcome } from './registry';

/** What the workflow learns of a tool call's recorded step. */
export const summaryOf = (step: { is_error: boolean; output_preview: string | null }): ToolRunSummary => ({
  isError: step.is_error,
  preview: step.output_preview ?? '',
});

/** The step that records a tool call's answer (its full result; a preview for lists). */
export function toolStepOf(
  call: {
    runId: string;
    turn: number;
    block: { id: string; name: string; input: unknown };
    startedAt: Date;
    source?: EvalToolSource;
  },
  outcome: { result: unknown; isError: boolean }
): NewStep {
  return {
    run_id: call.runId,
    turn: call.turn,
    kind: 'tool',
    tool: call.block.name,
    tool_use_id: call.block.id,
    input: call.block.input,
    result: outcome.result,
    output_preview: preview(outcome.result),
    is_error: outcome.isError,
    usage: null,
    started_at: call.startedAt,
    duration_ms: Date.now() - call.startedAt.getTime(),
    ...(call.source ? { source: call.source } : {}),
  };
}

/**
 * Runs one tool call of the model, effectively once per `(run, tool_use_id)`: the tool input is read
 * from the stored assistant message (never passed through workflow history), the full result is
 * stored as a run step, and a repeated attempt returns the stored step instead of acting again.
 * The run, its genie, the call, a step it already has and its approval come in one read.
 */
export async function runToolCall(
  deps: ToolDeps,
  input: RunToolInput,
  options: { signal?: AbortSignal; attempt?: number } = {}
): Promise<ToolRunSummary> {
  const { db } = deps;
  const { runId, ownerId, turn, toolUseId } = input;
  const context = await loadRunContext(db, ownerId, runId, { turn, toolUseId });
  if (!context) throw runNotFound(runId);
  if (context.toolStep) return summaryOf(context.toolStep);
  const block = toolUsesOf(context.reply ?? []).find((b) => b.id === toolUseId);
  if (!block) throw toolCallMissing(toolUseId, turn);
  const { genie } = context;

  const offered = offeredTools(genie.tools);
  const tool = offered.find((t) => t.name === block.name);
  const startedAt = new Date();
  /** In an eval case: where the answer comes from. */
  let source: EvalToolSource | undefined;
  const step = (outcome: ToolOutcome): NewStep => toolStepOf({ runId, turn, block, startedAt, source }, outcome);
  /** The call's answer, counted for the worker's metrics. */
  const answer = (recorded: NewStep): ToolRunSummary => {
    const outcome = input.refused ? 'refused' : recorded.is_error ? 'error' : 'ok';
    deps.metrics?.toolCalls.inc({ tool: block.name, outcome });
    return summaryOf(recorded);
  };
  /** Records an answer that needed no tool to run (a refusal, a bad call), and gives it. */
  const record = async (outcome: ToolOutcome) => {
    const done = step(outcome);
    await saveStep(db, ownerId, done);
    return answer(done);
  };

  if (input.refused) {
    // The owner said no (or never answered): the model learns why, and nothing is run.
    const { status, note } = input.refused;
    return record(
      toolError(
        status === 'denied'
          ? `Your owner denied this call${note ? `: ${note}` : '.'} It was not run.`
          : `Your owner did not decide in time: the approval expired${note ? ` (${note})` : ''}, so the call was not run.`
      )
    );
  }
  if (context.run.eval_id !== null) {
    // An eval case: the recorded run's answer to the same call, else a read for real, else refused.
    const recorded = await recordedAnswer(deps, ownerId, context.run, turn, block);
    if (recorded) {
      source = 'recorded';
      return record(
        recorded.is_error ? toolError(String(recorded.result)) : { result: recorded.result, isError: false }
      );
    }
    // Only reads run for real, and none the owner wants to approve first (an eval asks no approval).
    if (!runsLiveInEval(block.name) || needsApproval(genie.approval_required, block.name, block.input)) {
      source = 'refused';
      return record(toolError(EVAL_REFUSAL));
    }
    source = 'live';
  }
  if (isMcpToolName(block.name)) {
    // A tool the run listed from one of the genie's MCP servers when it started.
    const entry = context.run.mcp_tools?.find((t) => t.name === block.name);
    const server = entry && genie.mcp_servers.find((s) => s.name === entry.server);
    if (!entry || !server) return record(toolError(`Unknown tool "${block.name}": this run did not list it.`));
    const gated =
      needsApproval(genie.approval_required, block.name, block.input) ||
      mcpPolicyGates(server.approval, entry.read_only);
    if (gated && context.approval !== 'approved') {
      return record(toolError('This call needs your owner’s approval and none is recorded for it, so it was not run.'));
    }
    const outcome = await runMcpTool({ db, deps, ownerId, runId, toolUseId, ...options }, entry, server, block.input);
    const done = step(outcome);
    await untilRecorded(`the result of ${block.name}`, () => saveStep(db, ownerId, done), options.signal);
    return answer(done);
  }
  if (!tool) {
    const names = [...offered.map((t) => t.name), ...(context.run.mcp_tools ?? []).map((t) => t.name)];
    return record(toolError(`Unknown tool "${block.name}"; available: ${names.join(', ') || 'none'}`));
  }
  const parsed = tool.input.safeParse(block.input);
  if (!parsed.success) return record(invalidInput(tool.name, parsed.error));
  // A gated call runs only on the owner's approval as Postgres records it, whatever the workflow
  // was told (a decision sent straight to Temporal never reaches here as approved).
  if (needsApproval(genie.approval_required, tool.name, block.input) && context.approval !== 'approved') {
    return record(toolError('This call needs your owner’s approval and none is recorded for it, so it was not run.'));
  }

  if (!tool.transactional) {
    // The effect may be outside Postgres (an email, a request): once done, its step must be recorded.
    const outcome = await tool.execute({ db, deps, ownerId, genie, runId, toolUseId, ...options }, parsed.data);
    const done = step(outcome);
    await untilRecorded(`the result of ${block.name}`, () => saveStep(db, ownerId, done), options.signal);
    return answer(done);
  }
  // The effect and its step commit together. Claiming the step row first makes a concurrent
  // attempt (a worker presumed dead that is still running) wait here, then find the step and stop.
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`${runId}:${toolUseId}`]);
    const raced = await findToolStep(trx, ownerId, runId, toolUseId);
    if (raced) return summaryOf(raced);
    const outcome = await tool.execute({ db: trx, deps, ownerId, genie, runId, toolUseId, ...options }, parsed.data);
    const done = step(outcome);
    await saveStep(trx, ownerId, done);
    return answer(done);
  });
}

/**
 * The recorded run's result of the same call as `block` (the same tool, JSON-equal input; the n-th
 * such call of the case gets the n-th such result), or undefined when it made no such call. Throws
 * when it made the call but its result is gone (a deleted run or step): the case cannot go on.
 */
export async function recordedAnswer(
  { db }: Pick<ToolDeps, 'db'>,
  ownerId: string,
  run: RunRow,
  turn: number,
  block: { id: string; name: string; input: unknown }
): Promise<RunStepRow | undefined> {
  const baselineRunId = run.baseline_run_id!;
  const callsOf = (messages: RunMessageRow[], upTo = Infinity) =>
    messages.filter((m) => m.role === 'assistant' && m.turn <= upTo).flatMap((m) => toolUsesOf(m.content));
  const [own, baseline] = await Promise.all([
    listMessages(db, ownerId, run.id),
    listMessages(db, ownerId, baselineRunId),
  ]);
  if (baseline.length === 0) throw recordedResultMissing(block.name, baselineRunId);
  const caseCalls = callsOf(own, turn);
  const match = matchRecorded(
    caseCalls,
    caseCalls.findIndex((call) => call.id === block.id),
    callsOf(baseline)
  );
  if (!match) return undefined;
  const step = await findToolStep(db, ownerId, baselineRunId, match.id);
  if (!step) throw recordedResultMissing(block.name, baselineRunId);
  return step;
}

/** The tool activity, bound to what tools need. */
export function createToolActivities(deps: ToolDeps) {
  /** `runTool`: one tool call, effectively once per `(run, tool_use_id)`; see runToolCall. */
  async function runTool(input: RunToolInput): Promise<ToolRunSummary> {
    return withHeartbeat((signal) => runToolCall(deps, input, { signal, attempt: Context.current().info.attempt }));
  }
  /**
   * `listMcpTools`: lists the tools of the genie's MCP servers once, when the run starts, and keeps
   * them on the run (every turn offers that list; a repeat returns what was kept). A server that
   * cannot be listed becomes one of the run's warnings.
   */
  async function listMcpTools({ runId, ownerId }: ListMcpToolsInput): Promise<McpToolsListed> {
    const context = await loadRunContext(deps.db, ownerId, runId);
    if (!context) throw runNotFound(runId);
    const kept = context.run.mcp_tools
      ? { tools: context.run.mcp_tools, warnings: context.run.warnings }
      : await keepRunMcpTools(
          deps.db,
          ownerId,
          runId,
          await withHeartbeat((signal) => listGenieMcpTools(deps.db, deps, ownerId, context.genie, signal))
        );
    if (!kept) throw runNotFound(runId);
    return {
      tools: kept.tools.length,
      unavailable: kept.warnings.filter((w) => w.type === 'mcp_unavailable').map((w) => w.server),
    };
  }
  return { runTool, listMcpTools };
}
