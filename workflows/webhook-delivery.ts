import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { LIFECYCLE_ACTIVITY, WEBHOOK_ACTIVITY, type WebhookDeliveryInput } from '../temporal/contract';

const { deliverWebhook } = proxyActivities<Activities>(WEBHOOK_ACTIVITY);
const { giveUpWebhook } = proxyActivities<Activities>(LIFECYCLE_ACTIVITY);

/**
 * `webhookDelivery`: delivers one webhook event (`genie-webhook-<delivery id>`). Temporal retries
 * the attempt with backoff for up to a day, every attempt carrying the same `webhook-id`; a
 * delivery not accepted by then, or refused (a private address), is recorded as failed. Started by
 * the run (or its approval) and left to run on when the run ends.
 */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
  try {
    await deliverWebhook(input);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const error = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : 'the delivery failed';
    await giveUpWebhook({ ...input, error: `given up: ${error}` });
  }
}
