// The endpoint table: every endpoint of the API, declared once in its resource's file. The Express
// routes, the `POST /v1/worker-genies {action}` dispatcher and the OpenAPI document come from it.
// Its order is the order the OpenAPI document lists paths in and the action names are listed in.
import { accountEndpoints } from './account';
import { apiKeyEndpoints } from './api-keys';
import { approvalEndpoints } from './approvals';
import { catalogueEndpoints } from './catalogue';
import { credentialEndpoints } from './credentials';
import { dataEndpoints } from './data';
import type { Endpoint } from './define';
import { evalEndpoints } from './evals';
import { eventEndpoints } from './events';
import { genieEndpoints } from './genies';
import { mcpEndpoints } from './mcp';
import { modelEndpoints } from './models';
import { memoryEndpoints } from './memory';
import { metaEndpoints } from './meta';
import { notificationEndpoints } from './notifications';
import { runEndpoints } from './runs';
import { webhookEndpoints } from './webhooks';

export const ENDPOINTS: readonly Endpoint[] = [
  ...metaEndpoints,
  ...genieEndpoints,
  ...runEndpoints,
  ...credentialEndpoints,
  ...mcpEndpoints,
  ...eventEndpoints,
  ...webhookEndpoints,
  ...approvalEndpoints,
  ...memoryEndpoints,
  ...dataEndpoints,
  ...notificationEndpoints,
  ...apiKeyEndpoints,
  ...catalogueEndpoints,
  ...modelEndpoints,
  ...accountEndpoints,
  ...evalEndpoints,
];
