import { Webhook } from 'standardwebhooks';
import { findWebhookSigningSecrets, type GenieRow } from '../db/repositories/genies';
import {
  claimWebhookDelivery,
  findWebhookDelivery,
  markWebhookFailed,
  recordWebhookAttempt,
} from '../db/repositories/webhook-deliveries';
import type { Queryable } from '../db';
import type { WebhookEvent } from '../domain/webhooks';
import { FetchRefusedError, HostUnresolvedError } from '../fetch/ssrf';
import { guardedFetch } from '../fetch/guarded-fetch';
import { openWebhookSecret } from '../security/webhook-secrets';
import type { WebhookDeliveryInput } from '../temporal/contract';
import type { ActivityDeps } from './deps';
import { webhookNotAccepted, webhookRefused } from './failures';

/** How long one delivery attempt may wait for the endpoint's answer. */
const WEBHOOK_TIMEOUT_MS = 15_000;

/**
 * Records the delivery of `event` when the genie wants it (it has a `webhook_url` and lists the
 * event), with its body fixed now; answers its id for the workflow to start delivering, or
 * undefined when there is nothing (more) to deliver. Once per event: a repeat finds the first.
 */
export async function webhookDeliveryFor(
  db: Queryable,
  ownerId: string,
  genie: GenieRow,
  event: { type: WebhookEvent; runId: string; approvalId?: string; data: unknown }
): Promise<string | undefined> {
  if (!genie.webhook_url || !genie.webhook_events.includes(event.type)) return undefined;
  const delivery = await claimWebhookDelivery(db, ownerId, {
    genieId: genie.id,
    runId: event.runId,
    approvalId: event.approvalId,
    event: event.type,
    url: genie.webhook_url,
    payload: { type: event.type, timestamp: new Date().toISOString(), data: event.data },
  });
  return delivery.status === 'pending' ? delivery.id : undefined;
}

/** The webhook activities, bound to the database, the vault and the address rules. */
export function createWebhookActivities({
  db,
  vault,
  fetchPolicy,
}: Pick<ActivityDeps, 'db' | 'vault' | 'fetchPolicy'>) {
  /**
   * `deliverWebhook`: one attempt to POST the event, signed the Standard Webhooks way (`webhook-id`
   * is the delivery's id on every attempt; the timestamp and signature are the attempt's). For a
   * while after a rotation it carries two signatures, the new secret's and the old one's
   * (`v1,<new> v1,<old>`), so a receiver verifies it with either. 2xx delivers it; anything else
   * (a redirect too: none is followed, the event goes only to the URL the owner set) is recorded
   * and thrown for Temporal to retry with backoff; an address the SSRF rules refuse fails it for good.
   */
  async function deliverWebhook({ ownerId, deliveryId }: WebhookDeliveryInput): Promise<void> {
    const delivery = await findWebhookDelivery(db, ownerId, deliveryId);
    if (!delivery || delivery.status !== 'pending') return;
    const secrets = await findWebhookSigningSecrets(db, ownerId, delivery.genie_id);
    if (!secrets?.current) {
      await markWebhookFailed(db, ownerId, deliveryId, 'the genie no longer has a webhook secret');
      throw webhookRefused('the genie no longer has a webhook secret');
    }
    const body = JSON.stringify(delivery.payload);
    const now = new Date();
    const sign = (sealed: string) =>
      new Webhook(openWebhookSecret(vault, ownerId, delivery.genie_id, sealed)).sign(delivery.id, now, body);
    const signatures = [sign(secrets.current)];
    if (secrets.previous) {
      try {
        signatures.push(sign(secrets.previous));
      } catch {
        // A courtesy during a switch: one no configured key opens any more is left out, not fatal.
      }
    }
    const headers = {
      'content-type': 'application/json',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signatures.join(' '),
    };
    let status: number;
    try {
      const answer = await guardedFetch(
        { url: delivery.url, method: 'POST', headers, body, timeoutMs: WEBHOOK_TIMEOUT_MS },
        { policy: fetchPolicy, maxRedirects: 0 }
      );
      status = answer.status;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      await recordWebhookAttempt(db, ownerId, deliveryId, { delivered: false, statusCode: null, error: why });
      // An address the SSRF rules refuse stays refused; a name that does not resolve may later.
      if (err instanceof FetchRefusedError && !(err instanceof HostUnresolvedError)) {
        await markWebhookFailed(db, ownerId, deliveryId, why);
        throw webhookRefused(why);
      }
      throw webhookNotAccepted(why);
    }
    const delivered = status >= 200 && status < 300;
    const why = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
    await recordWebhookAttempt(db, ownerId, deliveryId, {
      delivered,
      statusCode: status,
      error: delivered ? null : why,
    });
    if (!delivered) throw webhookNotAccepted(why);
  }

  /** `giveUpWebhook`: a delivery not accepted within a day (or refused) is marked failed. */
  async function giveUpWebhook(input: WebhookDeliveryInput & { error: string }): Promise<void> {
    await markWebhookFailed(db, input.ownerId, input.deliveryId, input.error);
  }

  return { deliverWebhook, giveUpWebhook };
}
