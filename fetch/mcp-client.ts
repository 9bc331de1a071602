// A Model Context Protocol client for one server, on the official SDK's Streamable HTTP transport,
// every request through the address guard of web_fetch (guardedWebFetch) with the credential the
// server may get. Used to list a server's tools (a run's start, the inspect endpoint) and to call one.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { MCP_IDEMPOTENCY_META } from '../domain/mcp';
import type { FetchCredential } from './guarded-fetch';
import { guardedWebFetch } from './guarded-web-fetch';
import { FetchRefusedError, HostUnresolvedError, type FetchPolicy } from './ssrf';

const CLIENT_INFO = { name: 'worker-genies', version: '1.0.0' };
/** Each request to a server (the handshake, a listing page, a call) gets at most this long. */
const MCP_REQUEST_TIMEOUT_MS = 60_000;
/** A server listing more tools than this is cut (its first ones kept). */
const MAX_LISTED_TOOLS = 500;
const MAX_LIST_PAGES = 20;

export interface McpConnection {
  url: string;
  policy: FetchPolicy;
  credential?: FetchCredential;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** How talking to a server failed, in words for its owner or the model, and whether trying again may help. */
export class McpServerError extends Error {
  override name = 'McpServerError';
  constructor(
    message: string,
    /** A transport failure, a 5xx or a 429, a timeout: the same call may work later. */
    readonly retryable: boolean,
    /** The server refused the credential (401): a fresh token may help. */
    readonly unauthorized = false,
    /** The address may not be reached (a private one): nothing was sent. */
    readonly refused = false
  ) {
    super(message);
  }
}

/** One tool a server lists, as the platform keeps it. */
export interface ListedTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
  read_only: boolean;
}

export interface ServerListing {
  server: { name: string; version: string };
  protocol_version: string;
  tools: ListedTool[];
}

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function refusedIn(err: unknown): FetchRefusedError | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if (e instanceof FetchRefusedError) return e;
  }
  return undefined;
}

/** What went wrong talking to a server, classified (never a credential: the caller redacts the message too). */
function describeMcpFailure(err: unknown): McpServerError {
  if (err instanceof McpServerError) return err;
  const refused = refusedIn(err);
  // A name that does not resolve is a server out of reach (DNS may answer later), not a refused address.
  if (refused instanceof HostUnresolvedError) return new McpServerError(refused.message, true);
  if (refused) return new McpServerError(refused.message, false, false, true);
  if (err instanceof StreamableHTTPError) {
    const status = err.code ?? 0;
    const retryable = status >= 500 || status === 429 || status === 408;
    return new McpServerError(`The MCP server answered HTTP ${status}`, retryable, status === 401);
  }
  if (err instanceof McpError) {
    const code = err.code;
    if (code === (ErrorCode.RequestTimeout as number))
      return new McpServerError('The MCP server did not answer in time', true);
    if (code === (ErrorCode.ConnectionClosed as number))
      return new McpServerError('The MCP server closed the connection', true);
    return new McpServerError(`The MCP server answered with an error: ${err.message}`, false);
  }
  const code = networkCode(err);
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return new McpServerError('The MCP server did not answer in time', true);
  }
  if (code) return new McpServerError(`Could not reach the MCP server (${code})`, true);
  const message = err instanceof Error ? err.message : String(err);
  const status = /HTTP (\d{3})/.exec(message)?.[1];
  if (status) {
    const n = Number(status);
    return new McpServerError(`The MCP server answered HTTP ${n}`, n >= 500 || n === 429, n === 401);
  }
  return new McpServerError(`The MCP server could not be used: ${message}`, false);
}

/** Connects (the initialize handshake), runs `use`, and closes the session whatever happened. */
async function withClient<T>(
  connection: McpConnection,
  use: (client: Client, transport: StreamableHTTPClientTransport) => Promise<T>
): Promise<T> {
  const timeout = connection.timeoutMs ?? MCP_REQUEST_TIMEOUT_MS;
  const transport = new StreamableHTTPClientTransport(new URL(connection.url), {
    fetch: guardedWebFetch({ policy: connection.policy, credential: connection.credential, signal: connection.signal }),
  });
  const client = new Client(CLIENT_INFO);
  try {
    await client.connect(transport, { signal: connection.signal, timeout });
    return await use(client, transport);
  } catch (err) {
    throw describeMcpFailure(err);
  } finally {
    // Ends the session on the server (a DELETE), best effort.
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

function listed(tool: Tool): ListedTool {
  return {
    name: tool.name,
    description: tool.description ?? tool.title ?? '',
    input_schema: tool.inputSchema ?? { type: 'object' },
    read_only: tool.annotations?.readOnlyHint === true,
  };
}

/** The server's name, version, protocol and every tool it lists (page by page, up to 500). */
export function listMcpServerTools(connection: McpConnection): Promise<ServerListing> {
  const timeout = connection.timeoutMs ?? MCP_REQUEST_TIMEOUT_MS;
  return withClient(connection, async (client, transport) => {
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES && tools.length < MAX_LISTED_TOOLS; page++) {
      const answer = await client.listTools(cursor ? { cursor } : {}, { signal: connection.signal, timeout });
      tools.push(...answer.tools.map(listed));
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    const version = client.getServerVersion();
    return {
      server: { name: version?.name ?? '', version: version?.version ?? '' },
      protocol_version: transport.protocolVersion ?? '',
      tools: tools.slice(0, MAX_LISTED_TOOLS),
    };
  });
}

/**
 * Calls one tool. Every attempt of one call passes the same `idempotencyKey` in
 * `params._meta["io.worker-genies/idempotency-key"]`, so the server can drop a repeat. A JSON-RPC
 * error comes back as a result with `isError` (the model reads it); what else fails throws an
 * McpServerError saying whether to try again.
 */
export function callMcpServerTool(
  connection: McpConnection,
  call: { tool: string; arguments: Record<string, unknown>; idempotencyKey: string }
): Promise<CallToolResult> {
  const timeout = connection.timeoutMs ?? MCP_REQUEST_TIMEOUT_MS;
  return withClient(connection, async (client) => {
    try {
      const result: CallToolResult = (await client.callTool(
        { name: call.tool, arguments: call.arguments, _meta: { [MCP_IDEMPOTENCY_META]: call.idempotencyKey } },
        undefined,
        { signal: connection.signal, timeout }
      )) as CallToolResult;
      return result;
    } catch (err) {
      const failure = describeMcpFailure(err);
      if (err instanceof McpError && !failure.retryable) {
        return { isError: true, content: [{ type: 'text', text: `MCP error ${err.code}: ${err.message}` }] };
      }
      throw failure;
    }
  });
}
