// Failure types activities throw (ApplicationFailure.type). A permanent one fails the activity at
// once (it is in every retry policy's nonRetryableErrorTypes); the others are retried with backoff.
// A run that fails records its failure's type as `error.type`.

const FAILURES = {
  /** No ANTHROPIC_API_KEY on the worker. */
  ModelNotConfigured: { permanent: true },
  /** Anthropic answered 400/401/403/404: the same request would fail again. */
  ModelRequestRejected: { permanent: true },
  /** Anthropic answered 429; retried after `retry-after`. */
  ModelRateLimited: { permanent: false },
  /** Anthropic answered 529. */
  ModelOverloaded: { permanent: false },
  /** Anthropic answered 5xx, 408 or 409. */
  ModelUnavailable: { permanent: false },
  GenieNotFound: { permanent: true },
  RunNotFound: { permanent: true },
  RunAlreadyEnded: { permanent: true },
  /** The stored assistant message has no tool call with that id. */
  ToolCallMissing: { permanent: true },
  /** An eval case called what its recorded run called, but that run's result is gone (a deleted run or step). */
  RecordedResultMissing: { permanent: true },
  /** An MCP server was unreachable or answered 5xx/429; retried with backoff (the last attempt answers the model). */
  McpServerUnavailable: { permanent: false },
  /** A webhook endpoint answered non-2xx or not at all; retried with backoff for up to a day. */
  WebhookNotAccepted: { permanent: false },
  /** A webhook URL that may not be reached (a private address) or a delivery that cannot be made. */
  WebhookRefused: { permanent: true },
} as const satisfies Record<string, { permanent: boolean }>;

export type FailureType = keyof typeof FAILURES;

/** Every failure type by name: `FAILURE.GenieNotFound === 'GenieNotFound'`. */
export const FAILURE = Object.fromEntries(Object.keys(FAILURES).map((type) => [type, type])) as {
  readonly [T in FailureType]: T;
};

/** The failure types retrying cannot fix. */
export const PERMANENT_FAILURES: FailureType[] = (Object.keys(FAILURES) as FailureType[]).filter(
  (type) => FAILURES[type].permanent
);
