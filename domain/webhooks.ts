// Run webhooks: the events a genie can have POSTed to its `webhook_url`. Pure.
import type { RunEndStatus } from './runs';

export const WEBHOOK_EVENTS = [
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'run.timed_out',
  'approval.requested',
  'budget.warning',
  'budget.reached',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What a genie with a `webhook_url` is sent when it names no events: every run ending. */
export const DEFAULT_WEBHOOK_EVENTS: WebhookEvent[] = ['run.succeeded', 'run.failed', 'run.cancelled', 'run.timed_out'];

/** The event of a run ending with `status`. */
export const runEndEvent = (status: RunEndStatus): WebhookEvent => `run.${status}`;

/** How long a rotated-out webhook secret keeps signing (next to the new one). */
export const WEBHOOK_PREVIOUS_SECRET_HOURS = 24;
