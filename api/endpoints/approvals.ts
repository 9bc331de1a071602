// Approvals: the caller's, one of them, and the owner's decision on a pending one.
import * as R from '../openapi/responses';
import { DecisionSchema, ListApprovalsSchema } from '../schemas';
import { endpoint, uuidParam } from './define';

const APPROVAL_ID = { id: uuidParam('Approval') };

const decision = (verb: 'approve' | 'deny') =>
  endpoint({
    method: 'post',
    path: `/v1/approvals/{id}/${verb}`,
    operationId: `${verb}Approval`,
    tag: 'Approvals',
    summary:
      verb === 'approve'
        ? 'Approve a pending call: it runs (once)'
        : 'Deny a pending call: the genie is told so, with your note',
    action: { name: verb, fields: { id: 'approval_id' } },
    params: APPROVAL_ID,
    body: DecisionSchema,
    bodyOptional: true,
    label: 'Decision',
    responses: {
      200: { description: 'the approval as recorded', schema: R.ok(R.ApprovalSchema) },
      202: {
        description:
          'no worker could take the decision now: Temporal holds it and the run applies it when a worker is back (the approval is still pending)',
        schema: R.ok(R.ApprovalSchema),
      },
    },
    errors: { 409: 'conflict: already decided or expired, or the run no longer waits for it' },
    handler: async ({ ownerId, params, body, services }) => {
      const approval = await services.approvals.decide(
        ownerId,
        params.id,
        verb === 'approve' ? 'approved' : 'denied',
        body.note ?? null
      );
      // Still pending: no worker could take it now; Temporal holds it for the run (202 Accepted).
      return { status: approval.status === 'pending' ? 202 : 200, data: approval };
    },
  });

export const approvalEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/approvals',
    operationId: 'listApprovals',
    tag: 'Approvals',
    summary: 'Your approvals, newest first (?status=pending for those waiting)',
    action: 'approvals',
    query: ListApprovalsSchema,
    label: 'Approvals request',
    responses: { 200: { description: 'a page of approvals', schema: R.ok(R.ApprovalListSchema) } },
    handler: async ({ ownerId, query, services }) => ({ data: await services.approvals.list(ownerId, query) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/approvals/{id}',
    operationId: 'getApproval',
    tag: 'Approvals',
    summary: 'One approval',
    params: APPROVAL_ID,
    responses: { 200: { description: 'the approval', schema: R.ok(R.ApprovalSchema) } },
    handler: async ({ ownerId, params, services }) => ({ data: await services.approvals.get(ownerId, params.id) }),
  }),
  decision('approve'),
  decision('deny'),
];
