import { Context, log } from '@temporalio/activity';
import { isTerminal, totalTokens } from '../domain/runs';
import { expireRunApprovals } from '../db/repositories/approvals';
import { findGenie } from '../db/repositories/genies';
import { loadRunContext } from '../db/repositories/run-context';
import { presentRun } from '../db/presenters';
import { runEndEvent } from '../domain/webhooks';
import { listMessages, saveMessage } from '../db/repositories/run-records';
import { finishRun, findRun, markRunRunning, recordRun } from '../db/repositories/runs';
import {
  scheduledTimeOf,
  type FinishRunInput,
  type FinishRunResult,
  type GenieRunInput,
  type RunPlan,
} from '../temporal/contract';
import { textOf } from './conversation';
import type { ActivityDeps } from './deps';
import { webhookDeliveryFor } from './webhooks';
import { genieNotFound, runAlreadyEnded, runNotFound } from './failures';
import { openingMessage } from './prompt';

/** The activities that open and close a run, bound to the database. */
export function createRunLifecycleActivities({ db, links, metrics }: Pick<ActivityDeps, 'db' | 'links' | 'metrics'>) {
  /**
   * `startRun`: marks the run `running`, stores its opening user message (turn 0) and returns the
   * limits the loop runs under. A scheduled run (no run id: its schedule's arguments are fixed) is
   * recorded here first, under the workflow id Temporal gave it. Repeating it changes nothing.
   */
  async function startRun(input: GenieRunInput): Promise<RunPlan> {
    const { ownerId, genieId } = input;
    let trigger = input.trigger;
    let runId = input.runId;
    if (!runId) {
      if (!(await findGenie(db, ownerId, genieId))) throw genieNotFound(genieId);
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      trigger = { ...trigger, scheduledAt: scheduledTimeOf(workflowId, genieId) };
      runId = (await recordRun(db, ownerId, { genieId, trigger, input: null, workflowId })).id;
    }
    const run = await markRunRunning(db, ownerId, runId);
    if (!run) {
      const existing = await findRun(db, ownerId, runId);
      throw existing ? runAlreadyEnded(runId, existing.status) : runNotFound(runId);
    }
    // An eval case opens exactly as the run it replays did.
    const baselineOpening = run.baseline_run_id
      ? (await listMessages(db, ownerId, run.baseline_run_id)).find((m) => m.turn === 0 && m.role === 'user')
      : undefined;
    await saveMessage(db, ownerId, {
      runId,
      turn: 0,
      role: 'user',
      content: baselineOpening?.content ?? [{ type: 'text', text: openingMessage(run.input, trigger) }],
    });
    // The run goes by the genie as it was when the run was recorded (its version), not as edited since.
    const context = await loadRunContext(db, ownerId, runId);
    if (!context) throw genieNotFound(genieId);
    const { genie } = context;
    log.info(`run started: ${genie.name}`, { runId, genieId, trigger: trigger.type, version: run.genie_version });
    return {
      runId,
      maxTurns: genie.max_turns,
      maxTokensPerRun: genie.max_tokens_per_run,
      ...(typeof genie.max_cost_per_run_usd === 'number'
        ? { maxCostPerRunMicroUsd: Math.round(genie.max_cost_per_run_usd * 1_000_000) }
        : {}),
      ...(genie.mcp_servers.length ? { mcpServers: genie.mcp_servers.length } : {}),
      ...(genie.model_mode === 'batch' ? { modelMode: 'batch' as const } : {}),
    };
  }

  /**
   * `finishRun`: records how the run ended, its totals and its output (the text of the last
   * reply); approvals it still waited on expire. A run that already ended keeps its first ending.
   * Answers the webhook delivery of the ending to start, when the genie wants one.
   */
  async function finishRunActivity(input: FinishRunInput): Promise<FinishRunResult> {
    const messages = await listMessages(db, input.ownerId, input.runId);
    const lastReply = [...messages].reverse().find((m) => m.role === 'assistant');
    const output = lastReply ? textOf(lastReply.content) || null : null;
    const row = await db.transaction(async (trx) => {
      await expireRunApprovals(trx, input.ownerId, input.runId, 'the run ended before a decision');
      return finishRun(trx, input.ownerId, input.runId, { status: input.status, output, error: input.error });
    });
    const context = await loadRunContext(db, input.ownerId, input.runId);
    const ended = row ?? context?.run;
    const runGenie = context?.genie;
    // An eval's cases announce nothing: they are tries, not the genie's runs.
    const webhookDeliveryId =
      ended && runGenie && isTerminal(ended.status) && ended.eval_id === null
        ? await webhookDeliveryFor(db, input.ownerId, runGenie, {
            type: runEndEvent(ended.status),
            runId: ended.id,
            data: presentRun(ended, links),
          })
        : undefined;
    if (row) {
      const labels = { status: row.status, trigger_type: row.trigger_type };
      metrics?.runsFinished.inc(labels);
      if (row.started_at && row.finished_at) {
        metrics?.runDuration.observe(labels, (row.finished_at.getTime() - row.started_at.getTime()) / 1000);
      }
      log.info(`run ${row.status}: ${runGenie?.name ?? row.genie_id}`, {
        runId: row.id,
        genieId: row.genie_id,
        status: row.status,
        turns: row.turns,
        tokens: totalTokens(row),
        durationMs: row.finished_at && row.started_at ? row.finished_at.getTime() - row.started_at.getTime() : null,
        ...(row.error ? { error: row.error.type } : {}),
      });
    }
    return webhookDeliveryId ? { webhookDeliveryId } : {};
  }

  return { startRun, finishRun: finishRunActivity };
}
