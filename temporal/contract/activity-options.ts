// How each activity is timed out and retried. Only platform faults reach these retries: a tool
// failure that is the input's fault comes back to the model as an `is_error` result.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/common';
import type { ToolName } from '../../domain/tools';
import { PERMANENT_FAILURES } from './failures';

/** Run bookkeeping (startRun, finishRun, prepareEventRun, dropEvents, reconcileSchedules). */
export const LIFECYCLE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  // Postgres being down must delay a run, never lose it: retry without limit, backing off.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: PERMANENT_FAILURES },
};

/**
 * A run's own bookkeeping at its start and its end (startRun, finishRun) as local activities: they
 * run inside the workflow task, on the worker that holds the run, which spares Temporal a task
 * dispatch and a workflow task each (the Temporal UI lists them as local activities). They retry
 * like {@link LIFECYCLE_ACTIVITY}: Postgres being down delays the run, never loses it.
 */
export const LIFECYCLE_LOCAL_ACTIVITY: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: LIFECYCLE_ACTIVITY.retry,
};

/** One call to Claude (callModel). */
export const MODEL_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
};

const DATABASE_TOOL: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
};

/** One tool call (runTool), by tool. */
export const TOOL_ACTIVITY: Record<ToolName, ActivityOptions> = {
  memory_read: DATABASE_TOOL,
  memory_write: DATABASE_TOOL,
  query_data: DATABASE_TOOL,
  // Long start-to-close: a dead worker is noticed by its heartbeats; a live one may have to wait out
  // a Postgres outage to record an effect it already had (never repeat it).
  web_fetch: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '15 seconds',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 5,
      nonRetryableErrorTypes: PERMANENT_FAILURES,
    },
  },
  notify_owner: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '15 seconds',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 8,
      nonRetryableErrorTypes: PERMANENT_FAILURES,
    },
  },
};

/**
 * One call of a tool from an MCP server (runTool for an `mcp__…` name): a transport failure, 5xx
 * or 429 is retried with backoff, every attempt with the same idempotency key; the last attempt
 * answers the model with the failure instead of failing the run.
 */
export const MCP_TOOL_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
};

/**
 * Listing a run's MCP tools when it starts (listMcpTools): each server is tried for at most 30 s
 * inside the activity, then left out with a warning; Postgres being down delays the run.
 */
export const MCP_LIST_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: LIFECYCLE_ACTIVITY.retry,
};

/**
 * Asking Anthropic how a submitted batch is doing (pollModelBatch): short, and retried without limit
 * (an outage delays the run); the workflow itself waits between polls, on timers.
 */
export const BATCH_POLL_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: LIFECYCLE_ACTIVITY.retry,
};

/** Cancelling a batch the run no longer needs (cancelModelBatch): a few tries, then it is left to expire. */
export const BATCH_CANCEL_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: PERMANENT_FAILURES },
};

/** A tool call the platform has no tool for still runs (to answer the model with an error). */
export const UNKNOWN_TOOL_ACTIVITY: ActivityOptions = DATABASE_TOOL;

/**
 * Asking for an approval (requestApproval): records it, tells the owner (maybe by email, so like
 * notify_owner: long start-to-close, heartbeats) and announces it.
 */
export const APPROVAL_ACTIVITY: ActivityOptions = TOOL_ACTIVITY.notify_owner;

/**
 * One webhook delivery attempt (deliverWebhook): retried with backoff, up to an hour apart, for a
 * day; every attempt carries the same `webhook-id`.
 */
export const WEBHOOK_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
};
