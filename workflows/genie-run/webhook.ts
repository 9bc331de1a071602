import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { CancellationScope, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WORKFLOW, webhookDeliveryWorkflowId, type WebhookDeliveryWorkflow } from '../../temporal/contract';

/**
 * Starts delivering a webhook event; it runs on after the run (abandoned, not cancelled, on close).
 * A delivery already started (the same event announced twice) is left to the first start.
 */
export async function startWebhookDelivery(ownerId: string, deliveryId: string): Promise<void> {
  try {
    await CancellationScope.nonCancellable(() =>
      startChild<WebhookDeliveryWorkflow>(WORKFLOW.webhookDelivery, {
        workflowId: webhookDeliveryWorkflowId(deliveryId),
        args: [{ ownerId, deliveryId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `webhook delivery ${deliveryId}`,
      })
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
