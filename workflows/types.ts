// Types shared by the workflow, its activities and the API. Pure: no imports.

/** How a run was started. */
export interface RunTrigger {
  type: 'manual' | 'schedule' | 'event';
  /** ISO time the schedule meant the run for. */
  scheduledAt?: string;
  eventType?: string;
  /** The stored event (payload in Postgres) that started an event run. */
  eventId?: string;
}

/**
 * Input of the `genieRun` workflow: ids only (the transcript lives in Postgres). Scheduled runs
 * have no `runId`: their schedule's arguments are fixed, so `startRun` records the run itself.
 */
export interface GenieRunInput {
  runId?: string;
  genieId: string;
  ownerId: string;
  trigger: RunTrigger;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** What a run was set up with (returned by the startRun activity). */
export interface RunPlan {
  runId: string;
  genieName: string;
  maxTurns: number;
  maxTokensPerRun: number | null;
}

export interface ToolCallRef {
  id: string;
  name: string;
  /** One line for the Temporal UI, e.g. `memory_write notes/today`. */
  summary: string;
}

/** One model turn as the workflow sees it: no message content, only what steers the loop. */
export interface ModelTurn {
  stopReason: string;
  toolCalls: ToolCallRef[];
  usage: TokenUsage;
}

export interface ToolRunSummary {
  isError: boolean;
  preview: string;
}

export type RunEndStatus = 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

export interface RunEnd {
  status: RunEndStatus;
  error: { type: string; message: string } | null;
}

/** Answer of the `status` query. */
export interface RunStatusView {
  phase: 'starting' | 'calling_model' | 'running_tools' | 'finishing' | 'done';
  turn: number;
  currentTools: string[];
  usage: TokenUsage;
}

/** Failure types that retrying cannot fix (activities throw them non-retryable). */
export const PERMANENT_FAILURES = [
  'ModelNotConfigured',
  'ModelRequestRejected',
  'GenieNotFound',
  'RunNotFound',
  'RunAlreadyEnded',
  'ToolCallMissing',
];

/** An event as the inbox sees it: ids only (the payload stays in Postgres). */
export interface InboxEvent {
  eventId: string;
  eventType: string;
  idempotencyKey?: string;
}

/** Input of the `genieEvents` inbox; `pending` and `seen` carry its state across continue-as-new. */
export interface GenieEventsInput {
  genieId: string;
  ownerId: string;
  pending?: InboxEvent[];
  /** Idempotency keys already accepted, with when (ms). */
  seen?: Array<[string, number]>;
  /** Test knob: continue as new after this many events (else when the server suggests it). */
  continueAsNewAfter?: number;
}

/** What the inbox needs to start an event run (returned by the prepareEventRun activity). */
export interface EventRunPlan {
  /** False when the genie is gone or disabled: the event is dropped. */
  start: boolean;
  runId?: string;
  maxConcurrent: number;
}
