// Notifications: what genies told their owner, newest first.
import * as R from '../openapi/responses';
import { ListNotificationsSchema } from '../schemas';
import { endpoint, uuidParam } from './define';

export const notificationEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/notifications',
    operationId: 'listNotifications',
    tag: 'Notifications',
    summary: 'Notifications from genies, newest first',
    query: ListNotificationsSchema,
    label: 'List request',
    responses: { 200: { description: 'a page', schema: R.ok(R.NotificationListSchema) } },
    handler: async ({ ownerId, query, services }) => ({ data: await services.notifications.list(ownerId, query) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/notifications/{id}/read',
    operationId: 'markNotificationRead',
    tag: 'Notifications',
    summary: 'Mark a notification read',
    params: { id: uuidParam('Notification') },
    responses: { 200: { description: 'the notification', schema: R.ok(R.NotificationSchema) } },
    handler: async ({ ownerId, params, services }) => ({
      data: await services.notifications.markRead(ownerId, params.id),
    }),
  }),
];
