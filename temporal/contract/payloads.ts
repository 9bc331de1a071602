// What crosses the Temporal boundary: workflow and activity inputs and results. Ids, counters and
// one-line previews only (the transcript and tool results stay in Postgres), so history stays small.
import type { ApprovalDecision, ApprovalStatus } from '../../domain/approvals';
import type { RunEnd, RunPhase, RunTrigger, TokenUsage } from '../../domain/runs';

/**
 * Input of the `genieRun` workflow. Scheduled runs have no `runId`: their schedule's arguments are
 * fixed, so `startRun` records the run itself.
 */
export interface GenieRunInput {
  runId?: string;
  genieId: string;
  ownerId: string;
  trigger: RunTrigger;
  /** Only tests set it (nothing in the product does): the run's working-time limit in ms (else one hour). */
  testing?: { deadlineMs?: number };
  /** @deprecated `testing.deadlineMs`; still read so histories recorded before replay the same. */
  deadlineMs?: number;
}

/** What a run was set up with (returned by the startRun activity). */
export interface RunPlan {
  runId: string;
  maxTurns: number;
  maxTokensPerRun: number | null;
  /** max_cost_per_run_usd in micro-dollars (absent: no cap, or a run from before caps). */
  maxCostPerRunMicroUsd?: number;
  /** How many MCP servers the genie has: their tools are listed once, before the first turn (absent: none). */
  mcpServers?: number;
  /** Every model call through the Message Batches API (absent: realtime). */
  modelMode?: 'batch';
}

/** Input of listMcpTools. */
export interface ListMcpToolsInput {
  runId: string;
  ownerId: string;
}

/** What listMcpTools kept for the run (the tools themselves stay in Postgres). */
export interface McpToolsListed {
  tools: number;
  /** Servers left out (see the run's warnings). */
  unavailable: string[];
}

export interface ToolCallRef {
  id: string;
  name: string;
  /** One line for the Temporal UI, e.g. `memory_write notes/today`. */
  summary: string;
  /** The genie's `approval_required` covers this call: it waits for its owner first. */
  needsApproval?: boolean;
}

/** One model turn as the workflow sees it: no message content, only what steers the loop. */
export interface ModelTurn {
  stopReason: string;
  toolCalls: ToolCallRef[];
  usage: TokenUsage;
  /** What the run's model calls cost so far, every response billed (absent: unpriced, or from before costs). */
  runCostMicroUsd?: number;
  /**
   * Nothing was called: a monthly budget is spent. The run waits (status `waiting_budget`) for the
   * `budgetChanged` signal or `releaseInMs`, when the next UTC month begins, then asks again.
   */
  budgetWait?: { scope: 'genie' | 'account'; releaseInMs: number };
  /** Webhook deliveries (budget alerts) for the workflow to start. */
  webhookDeliveryIds?: string[];
}

export interface CallModelInput {
  runId: string;
  ownerId: string;
  turn: number;
}

/** One Message Batches submission of a turn (1 first; one more each time a batch is resubmitted). */
export interface ModelBatchInput extends CallModelInput {
  submission: number;
}

/** A submitted batch (its Anthropic id). */
export interface ModelBatchRef extends ModelBatchInput {
  batchId: string;
}

/** What submitModelBatch did: submitted a batch, or answered without one (the turn stored, or a budget wait). */
export interface ModelBatchSubmitted {
  batchId?: string;
  reply?: ModelTurn;
}

/** What collectModelBatch found: the turn (its reply stored and billed), or no reply (submit again). */
export interface ModelBatchCollected {
  /** The batch's result type for the request: succeeded, errored, expired or canceled. */
  resultType: string;
  reply?: ModelTurn;
}

export interface RunToolInput {
  runId: string;
  ownerId: string;
  genieId: string;
  /** The turn whose assistant message holds the tool_use block. */
  turn: number;
  toolUseId: string;
  /** The owner refused the call (or let its approval expire): it is answered, not run. */
  refused?: { status: 'denied' | 'expired'; note: string | null };
}

/** One ask_genie call of a run (input of startDelegation). */
export interface AskGenieInput {
  runId: string;
  ownerId: string;
  /** The turn whose assistant message holds the call. */
  turn: number;
  toolUseId: string;
}

/**
 * What startDelegation did: recorded the child run to start (its genie's name names it in the
 * Temporal UI), or answered the call without one (a refusal, a bad call, an answer already given).
 */
export type DelegationStart = { childRunId: string; genieId: string; genieName: string } | { answered: ToolRunSummary };

/** The ask_genie call whose child run ended (input of finishDelegation). */
export interface FinishDelegationInput extends AskGenieInput {
  childRunId: string;
}

/** The call's answer, and what the child run and every run it asked for cost (micro-dollars). */
export interface DelegationDone extends ToolRunSummary {
  costMicroUsd: number;
}

/** A child run telling its parent whether it waits (for an approval, a budget, or a child of its own). */
export interface ChildWaitingNotice {
  runId: string;
  waiting: boolean;
}

/** Identifies one gated tool call (input of requestApproval). */
export interface RequestApprovalInput {
  runId: string;
  ownerId: string;
  genieId: string;
  turn: number;
  toolUseId: string;
}

/** The approval a gated call waits on (returned by requestApproval). */
export interface ApprovalTicket {
  approvalId: string;
  /** ISO time; a decision after it is refused and the call is answered as expired. */
  expiresAt: string;
  /** `pending`, or how it was already settled (a repeated request after a decision). */
  status: ApprovalStatus;
  note: string | null;
  /** A webhook delivery (approval.requested) to start, when the genie wants one. */
  webhookDeliveryId?: string;
}

/** The owner's decision, as the API sends it in the decideApproval update. */
export interface DecideApprovalInput {
  approvalId: string;
  decision: ApprovalDecision;
  note?: string | null;
}

/** How an approval was settled (the update's answer, and settleApproval's). */
export interface ApprovalOutcome {
  approvalId: string;
  status: ApprovalStatus;
  note: string | null;
}

export interface SettleApprovalInput {
  ownerId: string;
  runId: string;
  approvalId: string;
  status: Exclude<ApprovalStatus, 'pending'>;
  note: string | null;
}

/** Input of the `webhookDelivery` workflow and of its activities. */
export interface WebhookDeliveryInput {
  ownerId: string;
  deliveryId: string;
}

/** What finishRun leaves for the workflow to do: a webhook delivery to start, when due. */
export interface FinishRunResult {
  webhookDeliveryId?: string;
}

export interface ToolRunSummary {
  isError: boolean;
  preview: string;
}

export type FinishRunInput = { runId: string; ownerId: string } & RunEnd;

/** A gated call waiting for its owner, as the `status` query shows it. */
export interface PendingApprovalView {
  approvalId: string;
  tool: string;
  toolUseId: string;
  expiresAt: string;
}

/** Answer of the run's `status` query. */
export interface RunStatusView {
  phase: RunPhase;
  turn: number;
  currentTools: string[];
  usage: TokenUsage;
  /** Absent in runs from before approvals. */
  pendingApprovals?: PendingApprovalView[];
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
  /** Only tests set it (nothing in the product does): continue as new after this many events (else when the server suggests it). */
  testing?: { continueAsNewAfter?: number };
  /** @deprecated `testing.continueAsNewAfter`; still read so histories recorded before replay the same. */
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

/** Input of the `genieEval` workflow (its changes, runs and rubric are in Postgres). */
export interface GenieEvalInput {
  evalId: string;
  ownerId: string;
}

/** What an eval runs: its case runs, in order, and whether a judge scores each. */
export interface EvalPlan {
  cases: Array<{ runId: string; genieId: string }>;
  judged: boolean;
}

export interface EvalCaseInput {
  evalId: string;
  ownerId: string;
  runId: string;
}

export interface FinishEvalInput {
  evalId: string;
  ownerId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string | null;
}

/** The workflows' signatures, for typed starts by name from the client side. */
export type GenieRunWorkflow = (input: GenieRunInput) => Promise<RunEnd>;
export type GenieEventsWorkflow = (input: GenieEventsInput) => Promise<{ dropped: number }>;
export type ScheduleReconcilerWorkflow = (input: ScheduleReconcilerInput) => Promise<void>;
export type WebhookDeliveryWorkflow = (input: WebhookDeliveryInput) => Promise<void>;
export type GenieEvalWorkflow = (input: GenieEvalInput) => Promise<{ status: string }>;
