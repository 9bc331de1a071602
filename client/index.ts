// The typed client of the Worker Genies REST API: `new GenieClient({ baseUrl, apiKey })`, one method
// per operation, answers typed by the schemas GET /v1/openapi.json is generated from, run streams
// as async iterators, failures as GenieApiError. Only `fetch` and web streams: Node 20 or a browser.
export { GenieClient, paginate, type GenieClientOptions, type StreamRunOptions } from './genie-client';
export { GenieApiError, type ApiErrorCode, type FieldProblem, type GenieApiErrorCode } from './errors';
export { OPERATIONS, type HttpMethod, type Operation, type OperationName } from './operations';
export type * from './types';
