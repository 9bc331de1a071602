import { Router } from 'express';
import { bodyFields } from '../actions';
import { sendData } from '../envelope';
import { ownerOf } from '../middleware/auth';
import { FanOutEventSchema } from '../schemas';
import type { Services } from '../services';
import { parseOrThrow } from '../validation';
import { route } from './define';

/** `POST /v1/events`: one event to every genie of the caller subscribed to its type. */
export function eventsRouter({ events }: Services): Router {
  const router = Router();
  route(router, '/', {
    post: async (req, res) => {
      const event = parseOrThrow(FanOutEventSchema, bodyFields(req), 'Event');
      const data = await events.fanOut(ownerOf(res), {
        eventType: event.event_type,
        payload: event.payload,
        idempotencyKey: event.idempotency_key,
      });
      sendData(res, data, 202);
    },
  });
  return router;
}
