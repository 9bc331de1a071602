// Permanent activity failures, each with one message. Types come from the Temporal contract, so
// every retry policy already knows not to retry them.
import { ApplicationFailure } from '@temporalio/activity';
import { RowNotFoundError } from '../db/errors';
import { FAILURE } from '../temporal/contract';

export const genieNotFound = (genieId: string) =>
  ApplicationFailure.nonRetryable(`Genie ${genieId} no longer exists (it was deleted)`, FAILURE.GenieNotFound);

export const runNotFound = (runId: string) =>
  ApplicationFailure.nonRetryable(`Run ${runId} not found`, FAILURE.RunNotFound);

export const runAlreadyEnded = (runId: string, status: string) =>
  ApplicationFailure.nonRetryable(`Run ${runId} already ended (${status})`, FAILURE.RunAlreadyEnded);

export const toolCallMissing = (toolUseId: string, turn: number) =>
  ApplicationFailure.nonRetryable(`No tool call ${toolUseId} in turn ${turn}`, FAILURE.ToolCallMissing);

export const recordedResultMissing = (tool: string, baselineRunId: string) =>
  ApplicationFailure.nonRetryable(
    `The run this case replays (${baselineRunId}) made this ${tool} call, but its result is no longer recorded (the run or its step was deleted), so the case cannot go on.`,
    FAILURE.RecordedResultMissing
  );

export const modelNotConfigured = () =>
  ApplicationFailure.nonRetryable(
    'ANTHROPIC_API_KEY is not set on the worker, so the genie cannot call Claude.',
    FAILURE.ModelNotConfigured
  );

/** A webhook endpoint that did not take the event (retried with backoff for a day). */
export const webhookNotAccepted = (why: string) =>
  ApplicationFailure.retryable(`The webhook endpoint did not accept the event: ${why}`, FAILURE.WebhookNotAccepted);

/** A webhook delivery that can never succeed (a refused address, no secret any more). */
export const webhookRefused = (why: string) =>
  ApplicationFailure.nonRetryable(`The webhook cannot be delivered: ${why}`, FAILURE.WebhookRefused);

/** A row that vanished under an activity (its genie was deleted) cannot come back: fail at once. */
function permanentIfGone(err: unknown): unknown {
  if (err instanceof RowNotFoundError) return err.table === 'runs' ? runNotFound(err.id) : genieNotFound(err.id);
  return err;
}

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/** The activities with repository "not found" errors turned into permanent failures. */
export function withPermanentFailures<T extends Record<string, ActivityFunction>>(activities: T): T {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (err) {
        throw permanentIfGone(err);
      }
    };
  }
  return wrapped as T;
}
