// What crosses the Temporal boundary: workflow and activity inputs and results. Ids, counters and
// one-line previews only (the transcript and tool results stay in Postgres), so history stays small.
import type { RunEnd, RunTrigger, TokenUsage } from '../../domain/runs';

/**
 * Input of the `genieRun` workflow. Scheduled runs have no `runId`: their schedule's arguments are
 * fixed, so `startRun` records the run itself.
 */
export interface GenieRunInput {
  runId?: string;
  genieId: string;
  ownerId: string;
  trigger: RunTrigger;
}

/** What a run was set up with (returned by the startRun activity). */
export interface RunPlan {
  runId: string;
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

export interface CallModelInput {
  runId: string;
  ownerId: string;
  turn: number;
}

export interface RunToolInput {
  runId: string;
  ownerId: string;
  genieId: string;
  /** The turn whose assistant message holds the tool_use block. */
  turn: number;
  toolUseId: string;
}

export interface ToolRunSummary {
  isError: boolean;
  preview: string;
}

export type FinishRunInput = { runId: string; ownerId: string } & RunEnd;

/** Answer of the run's `status` query. */
export interface RunStatusView {
  phase: 'starting' | 'calling_model' | 'running_tools' | 'finishing' | 'done';
  turn: number;
  currentTools: string[];
  usage: TokenUsage;
}

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

/** Answer of the inbox's `status` query. */
export interface InboxStatusView {
  pending: number;
  running: number;
  seen: number;
}

export interface PrepareEventRunInput {
  ownerId: string;
  genieId: string;
  eventId: string;
}

/** What the inbox needs to start an event run (returned by the prepareEventRun activity). */
export type EventRunPlan =
  /** The genie is gone or disabled: the event is dropped. */
  | { start: false; maxConcurrent: number }
  /** `genieName` names the child run in the Temporal UI (absent in histories from before it). */
  | { start: true; runId: string; maxConcurrent: number; genieName?: string };

export interface DropEventsInput {
  ownerId: string;
  eventIds: string[];
}

/** Input of the schedule reconciler; `passes` counts across continue-as-new. */
export interface ScheduleReconcilerInput {
  passes?: number;
}

/** What one reconciliation pass changed. */
export interface ReconcileReport {
  created: string[];
  deleted: string[];
}

/** The workflows' signatures, for typed starts by name from the client side. */
export type GenieRunWorkflow = (input: GenieRunInput) => Promise<RunEnd>;
export type GenieEventsWorkflow = (input: GenieEventsInput) => Promise<{ dropped: number }>;
export type ScheduleReconcilerWorkflow = (input: ScheduleReconcilerInput) => Promise<void>;
