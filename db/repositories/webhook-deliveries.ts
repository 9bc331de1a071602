import type { WebhookEvent } from '../../domain/webhooks';
import type { Queryable } from '../index';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryRow {
  /** Also the `webhook-id` of every attempt. */
  id: string;
  owner_id: string;
  genie_id: string;
  run_id: string;
  approval_id: string | null;
  event: WebhookEvent;
  url: string;
  /** The body, fixed when the event happened: `{type, timestamp, data}`. */
  payload: { type: WebhookEvent; timestamp: string; data: unknown };
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface NewWebhookDelivery {
  genieId: string;
  runId: string;
  approvalId?: string;
  event: WebhookEvent;
  url: string;
  payload: WebhookDeliveryRow['payload'];
}

/** The delivery of one event, created once: announcing the same event again returns the first. */
export async function claimWebhookDelivery(
  db: Queryable,
  ownerId: string,
  delivery: NewWebhookDelivery
): Promise<WebhookDeliveryRow> {
  const [inserted] = (await db('webhook_deliveries')
    .insert({
      owner_id: ownerId,
      genie_id: delivery.genieId,
      run_id: delivery.runId,
      approval_id: delivery.approvalId ?? null,
      event: delivery.event,
      url: delivery.url,
      payload: JSON.stringify(delivery.payload),
    })
    .onConflict(db.raw(`(run_id, event, coalesce(approval_id, '00000000-0000-0000-0000-000000000000'::uuid))`))
    .ignore()
    .returning('*')) as WebhookDeliveryRow[];
  if (inserted) return inserted;
  const query = db<WebhookDeliveryRow>('webhook_deliveries').where({
    owner_id: ownerId,
    run_id: delivery.runId,
    event: delivery.event,
  });
  if (delivery.approvalId) query.andWhere({ approval_id: delivery.approvalId });
  else query.whereNull('approval_id');
  return (await query.first())!;
}

export async function findWebhookDelivery(
  db: Queryable,
  ownerId: string,
  id: string
): Promise<WebhookDeliveryRow | undefined> {
  return db<WebhookDeliveryRow>('webhook_deliveries').where({ owner_id: ownerId, id }).first();
}

/** Records one attempt: delivered (2xx), or not yet (its status code or error). */
export async function recordWebhookAttempt(
  db: Queryable,
  ownerId: string,
  id: string,
  attempt: { delivered: boolean; statusCode: number | null; error: string | null }
): Promise<void> {
  await db('webhook_deliveries')
    .where({ owner_id: ownerId, id })
    .whereNot({ status: 'delivered' })
    .update({
      attempts: db.raw('attempts + 1'),
      last_status_code: attempt.statusCode,
      last_error: attempt.error,
      ...(attempt.delivered ? { status: 'delivered', delivered_at: db.fn.now() } : {}),
    });
}

/** Gives a delivery up (refused, or not accepted within a day). */
export async function markWebhookFailed(db: Queryable, ownerId: string, id: string, error: string): Promise<void> {
  await db('webhook_deliveries')
    .where({ owner_id: ownerId, id, status: 'pending' })
    .update({ status: 'failed', last_error: error });
}
