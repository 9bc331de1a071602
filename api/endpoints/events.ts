// Events: one to a genie, or one to every genie of the caller subscribed to its type.
import * as R from '../openapi/responses';
import { FanOutEventSchema, TriggerSchema } from '../schemas';
import { endpoint } from './define';
import { GENIE_ID } from './genies';

export const eventEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/worker-genies/{id}/events',
    operationId: 'sendGenieEvent',
    tag: 'Events',
    summary: 'Send an event to an event-triggered genie',
    action: 'trigger',
    params: GENIE_ID,
    body: TriggerSchema,
    bodyOptional: true,
    label: 'Event',
    responses: {
      202: { description: 'accepted (duplicate: true when the key was seen)', schema: R.ok(R.EventAcceptedSchema) },
    },
    errors: { 409: 'conflict: the genie is disabled or not event-triggered' },
    handler: async ({ ownerId, params, body, services }) => ({
      status: 202,
      data: await services.events.send(ownerId, params.id, {
        eventType: body.event_type,
        payload: body.payload,
        idempotencyKey: body.idempotency_key,
      }),
    }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/events',
    operationId: 'sendEvent',
    tag: 'Events',
    summary: 'Send an event to every enabled genie of yours whose event_types contain its type',
    body: FanOutEventSchema,
    label: 'Event',
    responses: { 202: { description: 'accepted', schema: R.ok(R.FanOutAcceptedSchema) } },
    handler: async ({ ownerId, body, services }) => ({
      status: 202,
      data: await services.events.fanOut(ownerId, {
        eventType: body.event_type,
        payload: body.payload,
        idempotencyKey: body.idempotency_key,
      }),
    }),
  }),
];
