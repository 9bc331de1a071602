// The Anthropic Messages API as the model activity uses it: the client, tool definitions, and
// how API errors map onto Temporal's retries.
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/activity';
import type { McpToolEntry } from '../domain/mcp';
import { FAILURE } from '../temporal/contract';
import type { ModelSettings } from './deps';
import { inputJsonSchema, type ToolDefinition } from './tools/registry';

/** Marks a prompt-cache breakpoint. */
export const EPHEMERAL = { type: 'ephemeral' } as const;

/** The client, or undefined without an API key (runs then fail with ModelNotConfigured). */
export function createAnthropicClient(settings: ModelSettings): Anthropic | undefined {
  if (!settings.apiKey) return undefined;
  return new Anthropic({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    maxRetries: 0, // Temporal owns retries
    timeout: settings.requestTimeoutMs,
  });
}

/** An MCP tool's input schema as the Messages API takes it: an object schema, without `$schema`. */
function mcpInputSchema(schema: Record<string, unknown> | undefined): Anthropic.Tool.InputSchema {
  if (schema?.type !== 'object') return { type: 'object', properties: {} };
  const { $schema: _dialect, ...rest } = schema;
  return rest as Anthropic.Tool.InputSchema;
}

/** The tools as the Messages API declares them (`more` first: ask_genie), the last one a cache breakpoint. */
export function toolDefinitions(
  tools: ToolDefinition[],
  mcpTools: readonly McpToolEntry[] = [],
  more: readonly Anthropic.Tool[] = []
): Anthropic.Tool[] {
  const definitions: Anthropic.Tool[] = [
    ...more,
    ...tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: inputJsonSchema(tool) as Anthropic.Tool.InputSchema,
    })),
    // As its server describes it (an input schema that is not an object schema gets an empty one).
    ...mcpTools.map((tool) => ({
      name: tool.name,
      description: tool.description || `${tool.tool} (from the MCP server ${tool.server})`,
      input_schema: mcpInputSchema(tool.input_schema),
    })),
  ];
  if (definitions.length > 0) definitions[definitions.length - 1]!.cache_control = EPHEMERAL;
  return definitions;
}

/** Seconds (or an HTTP date) from `retry-after`, as a delay for Temporal's next attempt. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The failure type of an error event in the middle of a stream, by its error type. */
const STREAM_ERROR_TYPES: Record<string, string> = {
  overloaded_error: FAILURE.ModelOverloaded,
  rate_limit_error: FAILURE.ModelRateLimited,
};

/**
 * Maps an Anthropic SDK error to a retryable or permanent Temporal failure. A streamed reply that
 * broke off (the connection dropped, or an `error` event came instead of the rest) is retryable:
 * the next attempt asks again. Connection errors and aborts are left as they are.
 */
export function toModelFailure(err: unknown): Error {
  if (err instanceof Anthropic.APIUserAbortError || err instanceof Anthropic.APIConnectionError) return err;
  if (err instanceof Anthropic.APIError && typeof err.status !== 'number') {
    return ApplicationFailure.create({
      message: `Anthropic's stream ended with an error${err.type ? ` ${err.type}` : ''}: ${err.apiMessage ?? err.message}`,
      type: STREAM_ERROR_TYPES[err.type ?? ''] ?? FAILURE.ModelUnavailable,
    });
  }
  if (err instanceof Anthropic.AnthropicError && !(err instanceof Anthropic.APIError)) {
    return ApplicationFailure.create({
      message: `Anthropic's stream broke off: ${err.message}`,
      type: FAILURE.ModelUnavailable,
      cause: err,
    });
  }
  if (!(err instanceof Anthropic.APIError) || typeof err.status !== 'number') return err as Error;
  const status: number = err.status;
  const headers = err.headers as Headers | undefined;
  const what = `Anthropic answered ${status}${err.type ? ` ${err.type}` : ''}: ${err.apiMessage ?? err.message}`;
  if (status === 429 || status === 529 || status >= 500 || status === 408 || status === 409) {
    return ApplicationFailure.create({
      message: what,
      type:
        status === 429 ? FAILURE.ModelRateLimited : status === 529 ? FAILURE.ModelOverloaded : FAILURE.ModelUnavailable,
      nextRetryDelay: retryAfterMs(headers),
    });
  }
  return ApplicationFailure.nonRetryable(what, FAILURE.ModelRequestRejected);
}
