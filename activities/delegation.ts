// ask_genie: a run asking another of its owner's genies. The workflow runs the asked genie as a
// child `genieRun`; these activities record the child run before it starts and the call's answer
// once it ended, each effectively once per `(run, tool_use_id)`.
import crypto from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { delegationChain, listDelegates, runTreeCostMicroUsd } from '../db/repositories/delegation';
import { loadRunContext } from '../db/repositories/run-context';
import { saveStep, toolUsesOf } from '../db/repositories/run-records';
import { cancelQueuedRun, findRun, recordRun } from '../db/repositories/runs';
import {
  ASK_GENIE_TOOL,
  askGenieDescription,
  findDelegate,
  MAX_DELEGATION_DEPTH,
  type DelegateView,
} from '../domain/delegation';
import { EVAL_REFUSAL } from '../domain/evals';
import { isTerminal, RUN_ERROR } from '../domain/runs';
import type { AskGenieInput, DelegationDone, DelegationStart, FinishDelegationInput } from '../temporal/contract';
import type { ActivityDeps } from './deps';
import { runNotFound, toolCallMissing } from './failures';
import { untilRecorded } from './durable';
import { invalidInput, toolError, type ToolOutcome } from './tools/registry';
import { recordedAnswer, summaryOf, toolStepOf } from './tools/run-tool';

/** ask_genie's input. */
const AskGenieInputSchema = z
  .object({
    genie: z.string().min(1).max(200).describe('the name or id of the genie to ask (one of those listed)'),
    input: z.string().max(100_000).describe('the task, with everything the genie needs to do it'),
  })
  .strict();

/** ask_genie as the Messages API declares it, listing the run's delegates. */
export function askGenieTool(delegates: readonly DelegateView[]): Anthropic.Tool {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(AskGenieInputSchema, { io: 'input' }) as Record<
    string,
    unknown
  >;
  return {
    name: ASK_GENIE_TOOL,
    description: askGenieDescription(delegates),
    input_schema: { type: 'object', ...schema },
  };
}

/** The child run of one ask_genie call: the same id however often the call is retried or replayed. */
function childRunIdOf(runId: string, toolUseId: string): string {
  const hex = crypto.createHash('sha256').update(`ask_genie:${runId}:${toolUseId}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function createDelegationActivities(deps: Pick<ActivityDeps, 'db'>) {
  const { db } = deps;

  /**
   * `startDelegation`: checks an ask_genie call and records the child run it asks for (trigger
   * `delegated`, `parent_run_id` set), or answers the call as an error: an input that is not
   * `{genie, input}`, a genie not among the run's delegates or disabled, a chain that would be
   * deeper than MAX_DELEGATION_DEPTH or run a genie already in it. An eval case asks no genie (it
   * gets the recorded run's answer, or is refused).
   */
  async function startDelegation({ runId, ownerId, turn, toolUseId }: AskGenieInput): Promise<DelegationStart> {
    const context = await loadRunContext(db, ownerId, runId, { turn, toolUseId });
    if (!context) throw runNotFound(runId);
    if (context.toolStep) return { answered: summaryOf(context.toolStep) };
    const block = toolUsesOf(context.reply ?? []).find((b) => b.id === toolUseId);
    if (!block) throw toolCallMissing(toolUseId, turn);
    const { run, genie } = context;
    const startedAt = new Date();
    const answer = async (outcome: ToolOutcome, source?: 'recorded' | 'refused') => {
      const step = toolStepOf({ runId, turn, block, startedAt, source }, outcome);
      await untilRecorded(`the answer of ask_genie in run ${runId}`, () => saveStep(db, ownerId, step));
      return { answered: summaryOf(step) };
    };

    if (run.eval_id !== null) {
      const recorded = await recordedAnswer(deps, ownerId, run, turn, block);
      if (!recorded) return answer(toolError(EVAL_REFUSAL), 'refused');
      return answer(
        recorded.is_error ? toolError(String(recorded.result)) : { result: recorded.result, isError: false },
        'recorded'
      );
    }
    const parsed = AskGenieInputSchema.safeParse(block.input);
    if (!parsed.success) return answer(invalidInput(block.name, parsed.error));
    const delegates = await listDelegates(db, ownerId, genie.delegates);
    const delegate = findDelegate(delegates, parsed.data.genie);
    if (!delegate) {
      const names = delegates.map((d) => `"${d.name}"`).join(', ');
      return answer(
        toolError(
          `No genie "${parsed.data.genie}" among those you can ask${names ? ` (${names})` : ' (you can ask none)'}.`
        )
      );
    }
    if (!delegate.enabled)
      return answer(toolError(`The genie "${delegate.name}" is disabled; it cannot be asked now.`));
    const chain = await delegationChain(db, ownerId, runId);
    if (chain.includes(delegate.id)) {
      return answer(
        toolError(
          `The genie "${delegate.name}" is already working in this chain of runs; a genie is not asked twice in one chain.`
        )
      );
    }
    if (chain.length >= MAX_DELEGATION_DEPTH) {
      return answer(
        toolError(
          `This run is ${chain.length} deep in a chain of genies asking genies, the most there can be (${MAX_DELEGATION_DEPTH}); do the task yourself.`
        )
      );
    }
    const child = await recordRun(db, ownerId, {
      id: childRunIdOf(runId, toolUseId),
      genieId: delegate.id,
      trigger: { type: 'delegated' },
      input: parsed.data.input,
      parent: { runId, toolUseId },
    });
    return { childRunId: child.id, genieId: delegate.id, genieName: delegate.name };
  }

  /**
   * `finishDelegation`: answers the ask_genie call with how its child run ended (`{run_id, status,
   * output}`, plus `error` when it did not succeed, an `is_error` result then), once; and what the
   * child and every run it asked for cost, for the parent's max_cost_per_run_usd.
   */
  async function finishDelegation(input: FinishDelegationInput): Promise<DelegationDone> {
    const { runId, ownerId, turn, toolUseId, childRunId } = input;
    const costMicroUsd = await runTreeCostMicroUsd(db, ownerId, childRunId);
    const context = await loadRunContext(db, ownerId, runId, { turn, toolUseId });
    if (!context) throw runNotFound(runId);
    if (context.toolStep) return { ...summaryOf(context.toolStep), costMicroUsd };
    const block = toolUsesOf(context.reply ?? []).find((b) => b.id === toolUseId);
    if (!block) throw toolCallMissing(toolUseId, turn);
    const child = await findRun(db, ownerId, childRunId);
    const status = child?.status ?? 'failed';
    const ended = child !== undefined && isTerminal(status);
    const result = {
      run_id: childRunId,
      status: ended ? status : 'failed',
      output: child?.output ?? null,
      ...(status !== 'succeeded'
        ? {
            error: !child
              ? 'The run was deleted (its genie was deleted).'
              : ended
                ? (child.error?.message ?? `The run ended ${status}.`)
                : 'The run could not be started.',
          }
        : {}),
    };
    const step = toolStepOf(
      { runId, turn, block, startedAt: child?.created_at ?? new Date() },
      { result, isError: status !== 'succeeded' }
    );
    await untilRecorded(`the answer of ask_genie in run ${runId}`, () => saveStep(db, ownerId, step));
    return { ...summaryOf(step), costMicroUsd };
  }

  /**
   * `abandonDelegation`: the asking run was cancelled before the child run's workflow started: the
   * child, recorded but never started, is cancelled too (one that started records its own end).
   */
  async function abandonDelegation({ runId, ownerId, toolUseId }: AskGenieInput): Promise<void> {
    await cancelQueuedRun(db, ownerId, childRunIdOf(runId, toolUseId), {
      type: RUN_ERROR.cancelled,
      message: 'The run that asked for it was cancelled before it started.',
    });
  }

  return { startDelegation, finishDelegation, abandonDelegation };
}
