// Tools from MCP servers inside a run: listing each server's tools once when the run starts, and
// calling one (the same idempotency key on every attempt, failures the model can read).
import { ApplicationFailure } from '@temporalio/activity';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Queryable } from '../../db';
import type { GenieRow } from '../../db/repositories/genies';
import {
  allowedMcpTools,
  mcpToolName,
  type McpServerConfig,
  type McpToolEntry,
  type RunWarning,
} from '../../domain/mcp';
import { callMcpServerTool, listMcpServerTools, McpServerError, type McpConnection } from '../../fetch/mcp-client';
import { Redactor } from '../../fetch/redact';
import { FAILURE, MCP_TOOL_ACTIVITY } from '../../temporal/contract';
import type { ToolDeps } from '../deps';
import {
  credentialUsed,
  refreshable,
  refreshAfterUnauthorized,
  useCredential,
  type CredentialDeps,
  type UsableCredential,
} from './credential-use';
import { toolError, type ToolOutcome } from './registry';

/** A result longer than this (UTF-8 bytes) is cut, as web_fetch's bodies are. */
const MCP_RESULT_MAX_BYTES = 64 * 1024;
/** Listing a server is tried again for at most this long before the run goes on without it. */
const LIST_RETRY_FOR_MS = 30_000;
const LIST_REQUEST_TIMEOUT_MS = 10_000;

/** Waits `ms`, or less when `signal` aborts. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });

/** Cuts text to at most `max` UTF-8 bytes (never inside a character), saying so. */
function cut(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, max)).replace(/\uFFFD$/, '');
  return `${head}\n[cut: the result was ${bytes.length} bytes; only the first ${max} are shown]`;
}

/**
 * What the model reads of a tool's result: its text content joined, `structuredContent` as JSON,
 * images, audio and resources named by type and size; cut at 64 KiB; secrets redacted.
 */
export function mcpResultText(result: CallToolResult, redactor: Redactor): string {
  const parts: string[] = [];
  for (const block of result.content ?? []) {
    switch (block.type) {
      case 'text':
        parts.push(block.text);
        break;
      case 'image':
      case 'audio':
        parts.push(`[${block.type}: ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`);
        break;
      case 'resource': {
        const resource = block.resource as { uri: string; mimeType?: string; text?: string; blob?: string };
        const size =
          resource.text !== undefined
            ? Buffer.byteLength(resource.text)
            : Math.floor(((resource.blob ?? '').length * 3) / 4);
        parts.push(`[resource ${resource.uri}${resource.mimeType ? `, ${resource.mimeType}` : ''}, ${size} bytes]`);
        break;
      }
      case 'resource_link':
        parts.push(`[resource link ${block.uri}${block.mimeType ? `, ${block.mimeType}` : ''}]`);
        break;
      default:
        parts.push(`[${(block as { type: string }).type} content]`);
    }
  }
  if (result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  const text = parts.join('\n') || (result.isError ? 'The tool failed and said nothing more.' : '(no content)');
  return cut(redactor.text(text), MCP_RESULT_MAX_BYTES);
}

interface ServerTarget {
  connection: McpConnection;
  credential?: UsableCredential;
}

/** Where and how to reach a server: its URL, the address rules, its credential if it has one. */
async function connectionTo(
  db: Queryable,
  deps: CredentialDeps,
  ownerId: string,
  server: McpServerConfig
): Promise<ServerTarget | { error: string }> {
  const connection: McpConnection = { url: server.url, policy: deps.fetchPolicy };
  if (!server.credential) return { connection };
  const credential = await useCredential(db, deps, ownerId, server.credential, new URL(server.url));
  if ('error' in credential) return credential;
  return { connection: { ...connection, credential: credential.fetch }, credential };
}

/**
 * After the server answered 401: the same target with a fresh access token, when its credential
 * is an `oauth2` one (undefined otherwise: a new token cannot help), or why there is none.
 */
async function withFreshToken(
  deps: CredentialDeps,
  target: ServerTarget
): Promise<ServerTarget | { error: string } | undefined> {
  if (!refreshable(target.credential)) return undefined;
  const fresh = await refreshAfterUnauthorized(deps, target.credential);
  if ('error' in fresh) return fresh;
  return { connection: { ...target.connection, credential: fresh.fetch }, credential: fresh };
}

/** One server's tools as the run offers them, or why it could not be listed. */
async function listServer(
  db: Queryable,
  deps: CredentialDeps,
  ownerId: string,
  server: McpServerConfig,
  signal?: AbortSignal
): Promise<McpToolEntry[] | RunWarning> {
  const warning = (message: string): RunWarning => ({ type: 'mcp_unavailable', server: server.name, message });
  let target = await connectionTo(db, deps, ownerId, server);
  if ('error' in target) return warning(target.error);
  let redactor = target.credential?.redactor ?? new Redactor([]);
  let refreshed = false;
  const giveUpAt = Date.now() + LIST_RETRY_FOR_MS;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 8000)) {
    try {
      const listing = await listMcpServerTools({ ...target.connection, signal, timeoutMs: LIST_REQUEST_TIMEOUT_MS });
      if (target.credential) await credentialUsed(db, ownerId, target.credential);
      return allowedMcpTools(server, listing.tools).map((tool) => ({
        name: mcpToolName(server.name, tool.name),
        server: server.name,
        tool: tool.name,
        description: redactor.text(tool.description),
        input_schema: tool.input_schema,
        read_only: tool.read_only,
      }));
    } catch (err) {
      const failure = err instanceof McpServerError ? err : new McpServerError(String(err), false);
      if (failure.unauthorized && !refreshed) {
        // An oauth2 access token refused: one fresh token, and the listing tried once more at once.
        refreshed = true;
        const fresh = await withFreshToken(deps, target);
        if (fresh && 'error' in fresh) return warning(redactor.text(fresh.error));
        if (fresh) {
          target = fresh;
          redactor = fresh.credential?.redactor ?? redactor;
          continue;
        }
      }
      if (!failure.retryable || Date.now() + delay > giveUpAt || signal?.aborted) {
        return warning(redactor.text(failure.message));
      }
      await sleep(delay, signal);
    }
  }
}

/**
 * Lists the tools of each of the genie's MCP servers, all at once; a server that cannot be listed
 * (after trying for 30 s when the failure may pass) becomes a warning and the run goes on without it.
 */
export async function listGenieMcpTools(
  db: Queryable,
  deps: CredentialDeps,
  ownerId: string,
  genie: Pick<GenieRow, 'mcp_servers'>,
  signal?: AbortSignal
): Promise<{ tools: McpToolEntry[]; warnings: RunWarning[] }> {
  const listings = await Promise.all(genie.mcp_servers.map((server) => listServer(db, deps, ownerId, server, signal)));
  const tools: McpToolEntry[] = [];
  const warnings: RunWarning[] = [];
  for (const listing of listings) {
    if (Array.isArray(listing)) tools.push(...listing);
    else warnings.push(listing);
  }
  return { tools, warnings };
}

/**
 * Calls an MCP tool for the model. A failure the model should read (a JSON-RPC error, `isError`, a
 * refused address or credential) is an `is_error` result; a transport failure, 5xx or 429 throws a
 * retryable failure so Temporal tries again with backoff, every attempt with the same idempotency
 * key, and the last attempt answers the model instead.
 */
export async function runMcpTool(
  ctx: {
    db: Queryable;
    deps: ToolDeps;
    ownerId: string;
    runId: string;
    toolUseId: string;
    signal?: AbortSignal;
    attempt?: number;
  },
  entry: McpToolEntry,
  server: McpServerConfig,
  input: unknown
): Promise<ToolOutcome> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return toolError(`Invalid input for ${entry.name}: it must be a JSON object`);
  }
  let target = await connectionTo(ctx.db, ctx.deps, ctx.ownerId, server);
  if ('error' in target) return toolError(target.error);
  let redactor = target.credential?.redactor ?? new Redactor([]);
  const call = (connection: McpConnection) =>
    callMcpServerTool(
      { ...connection, signal: ctx.signal },
      { tool: entry.tool, arguments: input as Record<string, unknown>, idempotencyKey: `${ctx.runId}:${ctx.toolUseId}` }
    );
  try {
    let result: CallToolResult;
    try {
      result = await call(target.connection);
    } catch (err) {
      if (!(err instanceof McpServerError && err.unauthorized)) throw err;
      // An oauth2 access token refused: one fresh token, one more try (a second 401 is the model's to read).
      const fresh = await withFreshToken(ctx.deps, target);
      if (!fresh) throw err;
      if ('error' in fresh) return toolError(redactor.text(fresh.error));
      target = fresh;
      redactor = fresh.credential?.redactor ?? redactor;
      result = await call(target.connection);
    }
    if (target.credential) await credentialUsed(ctx.db, ctx.ownerId, target.credential);
    const text = mcpResultText(result, redactor);
    return result.isError ? toolError(text) : { isError: false, result: text };
  } catch (err) {
    const failure = err instanceof McpServerError ? err : new McpServerError(String(err), false);
    const message = redactor.text(failure.message);
    const attempts = MCP_TOOL_ACTIVITY.retry?.maximumAttempts ?? 1;
    if (failure.retryable && (ctx.attempt ?? 1) < attempts && !ctx.signal?.aborted) {
      throw ApplicationFailure.retryable(`${server.name}: ${message}`, FAILURE.McpServerUnavailable);
    }
    if (failure.unauthorized) {
      return toolError(`The MCP server "${server.name}" refused the credential (HTTP 401). The call was not made.`);
    }
    return toolError(
      failure.retryable
        ? `The MCP server "${server.name}" could not be used after ${attempts} attempts: ${message}`
        : `The MCP server "${server.name}": ${message}`
    );
  }
}
