// MCP servers: what a server offers, looked at before a genie uses it.
import { McpInspectRequestSchema } from '../../domain/schemas/genie';
import * as R from '../openapi/responses';
import { endpoint } from './define';

export const mcpEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/mcp-servers/inspect',
    operationId: 'inspectMcpServer',
    tag: 'MCP servers',
    summary: 'Connect to an MCP server (Streamable HTTP) and list its tools',
    description:
      'The same connection a run makes: public addresses only (GENIE_FETCH_ALLOW_HOSTS aside), the credential sent as its type says. `read_only` is the server’s readOnlyHint: with approval "writes", a call of any other tool waits for you.',
    action: 'inspect-mcp-server',
    body: McpInspectRequestSchema,
    label: 'Inspect request',
    responses: { 200: { description: 'the server and its tools', schema: R.ok(R.McpServerInspectionSchema) } },
    errors: {
      400: 'validation_error: the url is not http(s), or its address may not be reached',
      404: 'not_found: no credential of that name',
      409: 'conflict: the server could not be reached or the handshake failed (the reason says which), or the credential may not go to that host',
    },
    handler: async ({ ownerId, body, services }) => ({ data: await services.mcp.inspect(ownerId, body) }),
  }),
];
