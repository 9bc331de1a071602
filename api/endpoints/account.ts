// The caller's account: its monthly budget across all genies, and what it spent.
import { AccountUpdateSchema } from '../../domain/schemas/account';
import * as R from '../openapi/responses';
import { endpoint } from './define';

export const accountEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/account',
    operationId: 'getAccount',
    tag: 'Account',
    summary: 'Your monthly budget (all genies together) and what was spent today and this month',
    action: 'account',
    responses: { 200: { description: 'the account', schema: R.ok(R.AccountSchema) } },
    handler: async ({ ownerId, services }) => ({ data: await services.account.get(ownerId) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/account',
    operationId: 'updateAccount',
    tag: 'Account',
    summary: 'Set or remove the monthly budget of all your genies together',
    description:
      'Once a UTC month’s spend reaches it, runs wait (`waiting_budget`) before their next model call; raising or removing it releases them within seconds. At 80 % and 100 % you get a notification (once each per month).',
    action: 'update-account',
    body: AccountUpdateSchema,
    label: 'Account update',
    responses: { 200: { description: 'the account', schema: R.ok(R.AccountSchema) } },
    handler: async ({ ownerId, body, services }) => ({ data: await services.account.update(ownerId, body) }),
  }),
];
