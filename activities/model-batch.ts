import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/activity';
import { claimModelBatch, markModelBatchEnded, setModelBatchId } from '../db/repositories/model-batches';
import {
  FAILURE,
  type ModelBatchCollected,
  type ModelBatchInput,
  type ModelBatchRef,
  type ModelBatchSubmitted,
} from '../temporal/contract';
import { createAnthropicClient, toModelFailure } from './anthropic';
import { untilRecorded } from './durable';
import { modelNotConfigured } from './failures';
import { withHeartbeat } from './heartbeat';
import { createModelCalls, replyOf, type ModelDeps } from './model';

/** A batch's one request: the run and the turn it answers. */
const batchCustomId = (runId: string, turn: number): string => `${runId}-${turn}`;

/** Batches a turn may go through (errored or expired ones submitted again) before the run fails. */
const MAX_BATCH_SUBMISSIONS = 5;

/**
 * The model call of a batch-mode run, in three short activities around the workflow's own waiting:
 * submit one Message Batches request, poll the batch, collect its result. No activity waits for
 * the batch to end.
 */
export function createModelBatchActivities(deps: ModelDeps) {
  const { db } = deps;
  const client = createAnthropicClient(deps.model);
  const calls = createModelCalls(deps);
  const api = (): Anthropic => {
    if (!client) throw modelNotConfigured();
    return client;
  };

  /**
   * `submitModelBatch`: the turn as one Message Batches request (`custom_id` `<run_id>-<turn>`).
   * The submission is recorded before Anthropic is asked and its batch id the moment it answers,
   * so a repeated attempt reuses the batch (only a worker dying between the answer and that write
   * submits twice). A turn already stored, or a spent budget, answers without submitting.
   */
  async function submitModelBatch(input: ModelBatchInput): Promise<ModelBatchSubmitted> {
    const { runId, ownerId, turn, submission } = input;
    // A batch already submitted for this submission is the one to wait for (it is paid for).
    const claimed = await claimModelBatch(db, ownerId, { runId, turn, submission });
    if (claimed.batch_id) return { batchId: claimed.batch_id };
    const prepared = await calls.prepare(input);
    if ('reply' in prepared) return { reply: prepared.reply };
    const batch = await withHeartbeat((signal) =>
      api()
        .messages.batches.create(
          { requests: [{ custom_id: batchCustomId(runId, turn), params: prepared.params }] },
          { signal }
        )
        .catch((err: unknown) => {
          throw toModelFailure(err);
        })
    );
    await untilRecorded(`batch ${batch.id} of run ${runId}`, () =>
      setModelBatchId(db, ownerId, { runId, turn, submission }, batch.id)
    );
    return { batchId: batch.id };
  }

  /** `pollModelBatch`: whether the batch has ended (its results are ready). */
  async function pollModelBatch({ batchId }: ModelBatchRef): Promise<{ ended: boolean }> {
    const batch = await api()
      .messages.batches.retrieve(batchId)
      .catch((err: unknown) => {
        throw toModelFailure(err);
      });
    return { ended: batch.processing_status === 'ended' };
  }

  /**
   * `collectModelBatch`: reads the ended batch's results (from its `results_url`). A succeeded
   * request is stored and billed as the turn (with the batch discount; once per submission however
   * often this repeats); an errored, expired or canceled one answers no reply, and the workflow
   * submits again — up to MAX_BATCH_SUBMISSIONS, and never for a request Anthropic rejected.
   */
  async function collectModelBatch(ref: ModelBatchRef): Promise<ModelBatchCollected> {
    const { runId, ownerId, turn, submission, batchId } = ref;
    const prepared = await calls.prepare(ref, { budgetGate: false });
    if ('reply' in prepared) return { resultType: 'succeeded', reply: prepared.reply };
    const key = { runId, turn, submission };
    const customId = batchCustomId(runId, turn);
    let result: Anthropic.Messages.MessageBatchResult | undefined;
    await withHeartbeat(async () => {
      const results = await api()
        .messages.batches.results(batchId)
        .catch((err: unknown) => {
          throw toModelFailure(err);
        });
      for await (const entry of results) {
        if (entry.custom_id === customId) result = entry.result;
      }
    });
    const resultType = result?.type ?? 'missing';
    const { submittedAt } = await markModelBatchEnded(db, ownerId, key, 'ended', resultType);
    if (result?.type === 'succeeded') {
      // The step's time is the batch's: from its submission to its result.
      const reply = await calls.record(prepared, replyOf(result.message), {
        mode: 'batch',
        billingKey: submission,
        startedAt: submittedAt ?? new Date(),
      });
      return { resultType, reply };
    }
    const error = result?.type === 'errored' ? result.error.error : undefined;
    if (error?.type === 'invalid_request_error') {
      throw ApplicationFailure.nonRetryable(
        `Anthropic rejected the batch request: ${error.message}`,
        FAILURE.ModelRequestRejected
      );
    }
    if (submission >= MAX_BATCH_SUBMISSIONS) {
      throw ApplicationFailure.nonRetryable(
        `Turn ${turn} got no reply from ${submission} batches (the last: ${resultType}${error ? `, ${error.message}` : ''}).`,
        FAILURE.ModelUnavailable
      );
    }
    return { resultType };
  }

  /** `cancelModelBatch`: cancels a batch the run no longer needs (it was cancelled or timed out). */
  async function cancelModelBatch(ref: ModelBatchRef): Promise<void> {
    const { runId, ownerId, turn, submission, batchId } = ref;
    try {
      await api().messages.batches.cancel(batchId);
    } catch (err) {
      // Gone or already ended: nothing left to cancel.
      if (!(err instanceof Anthropic.APIError && (err.status === 404 || err.status === 409))) throw toModelFailure(err);
    }
    await markModelBatchEnded(db, ownerId, { runId, turn, submission }, 'cancelled', null);
  }

  return { submitModelBatch, pollModelBatch, collectModelBatch, cancelModelBatch };
}
