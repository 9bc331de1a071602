import { CancellationScope, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WORKFLOW, webhookDeliveryWorkflowId, type WebhookDeliveryWorkflow } from '../../temporal/contract';

/** Starts delivering a webhook event; it runs on after the run (abandoned, not cancelled, on close). */
export async function startWebhookDelivery(ownerId: string, deliveryId: string): Promise<void> {
  await CancellationScope.nonCancellable(() =>
    startChild<WebhookDeliveryWorkflow>(WORKFLOW.webhookDelivery, {
      workflowId: webhookDeliveryWorkflowId(deliveryId),
      args: [{ ownerId, deliveryId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `webhook delivery ${deliveryId}`,
    })
  );
}
