// What a run is, in one place: how it is triggered, its statuses, how it ends and what it costs.
// Pure: imported by workflows, activities, repositories and the API alike.

export const TRIGGER_TYPES = ['manual', 'schedule', 'event'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** How a run can have started: a genie's trigger, as a case of an eval, or asked by another run (`ask_genie`). */
export const RUN_TRIGGER_TYPES = [...TRIGGER_TYPES, 'eval', 'delegated'] as const;
export type RunTriggerType = (typeof RUN_TRIGGER_TYPES)[number];

/** How a run was started. */
export interface RunTrigger {
  type: RunTriggerType;
  /** ISO time the schedule meant the run for. */
  scheduledAt?: string;
  eventType?: string;
  /** The stored event (payload in Postgres) that started an event run. */
  eventId?: string;
}

export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting_approval',
  'waiting_budget',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What a running run is doing, as its workflow's status query answers (`live.phase`). */
export const RUN_PHASES = [
  'starting',
  'calling_model',
  'running_tools',
  'waiting_approval',
  'waiting_budget',
  'waiting_batch',
  'waiting_child',
  'finishing',
  'done',
] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** Each phase as people read it (the console's live panel, the CLI's spinner). */
export const PHASE_LABEL: Record<RunPhase, string> = {
  starting: 'Starting',
  calling_model: 'Claude is thinking',
  running_tools: 'Running tools',
  waiting_approval: 'Waiting for your approval',
  waiting_budget: 'Waiting for budget',
  waiting_batch: 'Waiting for the batch',
  waiting_child: 'Waiting for a genie it asked',
  finishing: 'Recording the result',
  done: 'Done',
};

/** The statuses a run ends in; a run in one of them never changes again. */
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'timed_out'] as const;
export type RunEndStatus = (typeof TERMINAL_STATUSES)[number];

export const isTerminal = (status: string): status is RunEndStatus =>
  (TERMINAL_STATUSES as readonly string[]).includes(status);

/** Why a run did not succeed: a failure type (e.g. `max_turns_exceeded`, `ModelRequestRejected`) and a sentence. */
export interface RunError {
  type: string;
  message: string;
}

/** How a run ended, as the workflow records it. */
export interface RunEnd {
  status: RunEndStatus;
  error: RunError | null;
}

/** Error types of the endings the loop itself decides (activity failures keep their own type). */
export const RUN_ERROR = {
  cancelled: 'cancelled',
  timedOut: 'timed_out',
  maxTurns: 'max_turns_exceeded',
  tokenBudget: 'token_budget_exceeded',
  budgetExceeded: 'budget_exceeded',
  refusal: 'refusal',
  contextWindow: 'context_window_exceeded',
  unexpectedStopReason: 'unexpected_stop_reason',
  internal: 'internal',
} as const;

/** Tokens as the Messages API counts them; a run's usage is the sum over its model turns. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export const USAGE_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
] as const satisfies ReadonlyArray<keyof TokenUsage>;

export const zeroUsage = (): TokenUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

/** The usage fields of anything that has them (an API response, a run row); missing ones count 0. */
export function usageOf(source: Partial<Record<keyof TokenUsage, number | null>> | null | undefined): TokenUsage {
  const usage = zeroUsage();
  for (const field of USAGE_FIELDS) usage[field] = source?.[field] ?? 0;
  return usage;
}

/** Adds `turn` into `total`, in place. */
export function addUsage(total: TokenUsage, turn: TokenUsage): void {
  for (const field of USAGE_FIELDS) total[field] += turn[field];
}

/** Every token the run was billed for: input, output and both kinds of cache tokens. */
export const totalTokens = (usage: TokenUsage): number => USAGE_FIELDS.reduce((sum, field) => sum + usage[field], 0);

/**
 * A piece of the text Claude is writing in a turn (the run stream's `text` event): `delta` follows
 * that turn's text of that attempt so far. Live only: never stored, never replayed.
 */
export interface RunTextDelta {
  turn: number;
  /** The model call's attempt (1 first): a retried call writes its text again, after a `text_reset`. */
  attempt: number;
  delta: string;
}

/** The text of a turn's attempt is void (`text_reset`: the call broke and is retried): readers drop it. */
export interface RunTextReset {
  turn: number;
  attempt: number;
}
