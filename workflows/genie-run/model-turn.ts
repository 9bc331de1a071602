import { CancellationScope, condition, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  BATCH_CANCEL_ACTIVITY,
  BATCH_POLL_ACTIVITY,
  MODEL_ACTIVITY,
  type GenieRunInput,
  type ModelBatchRef,
  type ModelTurn,
  type RunPlan,
  type RunStatusView,
} from '../../temporal/contract';
import { startWebhookDelivery } from './webhook';

const { callModel, submitModelBatch, collectModelBatch } = proxyActivities<Activities>(MODEL_ACTIVITY);
const { pollModelBatch } = proxyActivities<Activities>(BATCH_POLL_ACTIVITY);
const { cancelModelBatch } = proxyActivities<Activities>(BATCH_CANCEL_ACTIVITY);

/** How long a batch-mode run first waits before asking how its batch does; the wait doubles up to the last. */
const FIRST_BATCH_POLL_MS = 10_000;
const LAST_BATCH_POLL_MS = 5 * 60_000;

/**
 * Time a run spends waiting for something other than its own work: its budget, or a batch. Like
 * approvals it stops the run's clock (`pausedMs` is added to its deadline).
 */
export class Pause {
  pausedMs = 0;
  waiting = false;

  async during<T>(fn: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    this.waiting = true;
    try {
      return await fn();
    } finally {
      this.waiting = false;
      this.pausedMs += Date.now() - startedAt;
    }
  }
}

/** The `budgetChanged` signal, as the budget wait sees it: set when it arrives, cleared when a wait ends. */
export class BudgetChanges {
  private changed = false;

  notice(): void {
    this.changed = true;
  }

  /** Waits for a change or `ms`; a change that arrived before the wait ends it at once (the run asks again). */
  async wait(ms: number): Promise<void> {
    await condition(() => this.changed, ms);
    this.changed = false;
  }
}

interface TurnContext {
  input: GenieRunInput;
  plan: RunPlan;
  state: RunStatusView;
  pause: Pause;
  budget: BudgetChanges;
}

/**
 * The model's reply for `turn`, realtime or through a batch. A spent monthly budget makes the run
 * wait (`waiting_budget`) until a budget changes or the month turns, then it asks again; budget
 * alerts' webhooks are started as they come.
 */
export async function askModel(ctx: TurnContext, turn: number): Promise<ModelTurn> {
  const { input, plan, state } = ctx;
  for (;;) {
    state.phase = 'calling_model';
    const reply =
      plan.modelMode === 'batch'
        ? await batchTurn(ctx, turn)
        : await callModel.executeWithOptions({ ...MODEL_ACTIVITY, summary: `Claude, turn ${turn}` }, [
            { runId: plan.runId, ownerId: input.ownerId, turn },
          ]);
    for (const id of reply.webhookDeliveryIds ?? []) await startWebhookDelivery(input.ownerId, id);
    if (!reply.budgetWait) return reply;
    state.phase = 'waiting_budget';
    await ctx.pause.during(() => ctx.budget.wait(reply.budgetWait!.releaseInMs));
  }
}

/**
 * One turn through the Message Batches API: submit, wait on timers (10 s doubling to 5 min) between
 * short polls, collect; a batch that errored or expired is submitted again. Cancelled while it waits
 * (the run was cancelled or timed out), the batch is cancelled too.
 */
async function batchTurn({ input, plan, state, pause }: TurnContext, turn: number): Promise<ModelTurn> {
  for (let submission = 1; ; submission++) {
    const submitted = await submitModelBatch.executeWithOptions(
      { ...MODEL_ACTIVITY, summary: `Claude, turn ${turn}: batch ${submission}` },
      [{ runId: plan.runId, ownerId: input.ownerId, turn, submission }]
    );
    if (submitted.reply) return submitted.reply;
    const ref: ModelBatchRef = {
      runId: plan.runId,
      ownerId: input.ownerId,
      turn,
      submission,
      batchId: submitted.batchId!,
    };
    state.phase = 'waiting_batch';
    try {
      await pause.during(async () => {
        for (let delay = FIRST_BATCH_POLL_MS; ; delay = Math.min(delay * 2, LAST_BATCH_POLL_MS)) {
          await sleep(delay);
          if ((await pollModelBatch(ref)).ended) return;
        }
      });
    } catch (err) {
      if (isCancellation(err)) await CancellationScope.nonCancellable(() => cancelModelBatch(ref));
      throw err;
    }
    state.phase = 'calling_model';
    const collected = await collectModelBatch.executeWithOptions(
      { ...MODEL_ACTIVITY, summary: `Claude, turn ${turn}: results of batch ${submission}` },
      [ref]
    );
    if (collected.reply) return collected.reply;
  }
}
