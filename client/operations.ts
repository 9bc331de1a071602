// Every operation of the API, by the GenieClient method that calls it. test/unit/client.test.ts
// holds this map to GET /v1/openapi.json (every operationId, its method and path), and each
// method builds its request from its entry here, so the client cannot drift from the API.

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI style: `{name}` is a path parameter. */
  path: string;
}

const op = (operationId: string, method: HttpMethod, path: string): Operation => ({ operationId, method, path });
const read = (table: string) => op(`read_${table}`, 'GET', `/v1/data/${table}`);
const ingest = (table: string) => op(`ingest_${table}`, 'POST', `/v1/data/${table}`);

export const OPERATIONS = {
  getHealth: op('getHealth', 'GET', '/healthz'),
  getOpenApi: op('getOpenApi', 'GET', '/v1/openapi.json'),

  listGenies: op('listGenies', 'GET', '/v1/worker-genies'),
  // POST /v1/worker-genies creates a genie when the body names no action: createGenie is that,
  // workerGeniesAction any action by name.
  createGenie: op('workerGeniesAction', 'POST', '/v1/worker-genies'),
  workerGeniesAction: op('workerGeniesAction', 'POST', '/v1/worker-genies'),
  getGenie: op('getGenie', 'GET', '/v1/worker-genies/{id}'),
  updateGenie: op('updateGenie', 'PATCH', '/v1/worker-genies/{id}'),
  deleteGenie: op('deleteGenie', 'DELETE', '/v1/worker-genies/{id}'),
  rotateWebhookSecret: op('rotateWebhookSecret', 'POST', '/v1/worker-genies/{id}/rotate-webhook-secret'),
  listGenieMemory: op('listGenieMemory', 'GET', '/v1/worker-genies/{id}/memory'),

  runGenie: op('runGenie', 'POST', '/v1/worker-genies/{id}/run'),
  listRuns: op('listRuns', 'GET', '/v1/runs'),
  listGenieRuns: op('listGenieRuns', 'GET', '/v1/worker-genies/{id}/runs'),
  getRun: op('getRun', 'GET', '/v1/runs/{run_id}'),
  streamRun: op('streamRun', 'GET', '/v1/runs/{run_id}/stream'),
  cancelRun: op('cancelRun', 'POST', '/v1/runs/{run_id}/cancel'),

  listCredentials: op('listCredentials', 'GET', '/v1/credentials'),
  storeCredential: op('storeCredential', 'POST', '/v1/credentials'),
  deleteCredential: op('deleteCredential', 'DELETE', '/v1/credentials/{id}'),
  testCredential: op('testCredential', 'POST', '/v1/credentials/{id}/test'),

  inspectMcpServer: op('inspectMcpServer', 'POST', '/v1/mcp-servers/inspect'),

  listModels: op('listModels', 'GET', '/v1/models'),
  getAccount: op('getAccount', 'GET', '/v1/account'),
  createEval: op('createEval', 'POST', '/v1/worker-genies/{id}/evals'),
  listEvals: op('listEvals', 'GET', '/v1/worker-genies/{id}/evals'),
  getEval: op('getEval', 'GET', '/v1/evals/{id}'),
  cancelEval: op('cancelEval', 'POST', '/v1/evals/{id}/cancel'),
  applyEval: op('applyEval', 'POST', '/v1/evals/{id}/apply'),
  updateAccount: op('updateAccount', 'PATCH', '/v1/account'),

  sendGenieEvent: op('sendGenieEvent', 'POST', '/v1/worker-genies/{id}/events'),
  sendEvent: op('sendEvent', 'POST', '/v1/events'),

  listApprovals: op('listApprovals', 'GET', '/v1/approvals'),
  getApproval: op('getApproval', 'GET', '/v1/approvals/{id}'),
  approveApproval: op('approveApproval', 'POST', '/v1/approvals/{id}/approve'),
  denyApproval: op('denyApproval', 'POST', '/v1/approvals/{id}/deny'),

  readAgents: read('agents'),
  ingestAgents: ingest('agents'),
  readConversations: read('conversations'),
  ingestConversations: ingest('conversations'),
  readLeads: read('leads'),
  ingestLeads: ingest('leads'),
  readLeadActivities: read('lead_activities'),
  ingestLeadActivities: ingest('lead_activities'),
  readCallLogs: read('call_logs'),
  ingestCallLogs: ingest('call_logs'),
  readDocuments: read('documents'),
  ingestDocuments: ingest('documents'),
  readEmailLogs: read('email_logs'),
  ingestEmailLogs: ingest('email_logs'),

  listNotifications: op('listNotifications', 'GET', '/v1/notifications'),
  markNotificationRead: op('markNotificationRead', 'POST', '/v1/notifications/{id}/read'),

  listApiKeys: op('listApiKeys', 'GET', '/v1/api-keys'),
  createApiKey: op('createApiKey', 'POST', '/v1/api-keys'),
  revokeApiKey: op('revokeApiKey', 'DELETE', '/v1/api-keys/{id}'),

  getCatalogue: op('getCatalogue', 'GET', '/v1/catalogue'),
} as const satisfies Record<string, Operation>;

/** A GenieClient method that calls the API: one per key of OPERATIONS. */
export type OperationName = keyof typeof OPERATIONS;
