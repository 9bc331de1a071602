import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/activity';
import { findGenie } from '../db/repositories/genies';
import { findMessage, listSteps, saveMessage, saveStep, type ContentBlock } from '../db/repositories/run-records';
import { findRun, refreshRunTotals, ZERO_USAGE } from '../db/repositories/runs';
import type { Db } from '../db';
import type { ModelTurn, TokenUsage } from '../workflows/types';
import { buildConversation, EPHEMERAL, textOf, toolUses, withConversationBreakpoint } from './conversation';
import { withHeartbeat } from './heartbeat';
import { preview } from './previews';
import { systemPrompt } from './prompt';
import { offeredTools } from './tools';
import { inputJsonSchema } from './tools/registry';

export interface ModelSettings {
  apiKey?: string;
  baseURL?: string;
  defaultModel: string;
  /** max_tokens of each Messages API call. */
  maxOutputTokens: number;
  /** Per-request timeout; Temporal's start-to-close timeout bounds the whole activity. */
  requestTimeoutMs: number;
}

export interface CallModelInput {
  runId: string;
  ownerId: string;
  turn: number;
}

const usageOf = (usage: Partial<Anthropic.Usage> | null | undefined): TokenUsage => ({
  input_tokens: usage?.input_tokens ?? 0,
  output_tokens: usage?.output_tokens ?? 0,
  cache_read_input_tokens: usage?.cache_read_input_tokens ?? 0,
  cache_creation_input_tokens: usage?.cache_creation_input_tokens ?? 0,
});

/** Seconds (or an HTTP date) from `retry-after`, as a delay for Temporal's next attempt. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Maps an Anthropic SDK error to a retryable or permanent Temporal failure. */
export function toModelFailure(err: unknown): Error {
  if (!(err instanceof Anthropic.APIError) || typeof err.status !== 'number') return err as Error;
  const status: number = err.status;
  const headers = err.headers as Headers | undefined;
  const what = `Anthropic answered ${status}${err.type ? ` ${err.type}` : ''}: ${err.apiMessage ?? err.message}`;
  if (status === 429 || status === 529 || status >= 500 || status === 408 || status === 409) {
    const delay = retryAfterMs(headers);
    return ApplicationFailure.create({
      message: what,
      type: status === 429 ? 'ModelRateLimited' : status === 529 ? 'ModelOverloaded' : 'ModelUnavailable',
      nextRetryDelay: delay,
    });
  }
  return ApplicationFailure.nonRetryable(what, 'ModelRequestRejected');
}

/** Step preview of a reply: its text, or the tools it calls. */
function replyPreview(content: ContentBlock[], stopReason: string): string {
  const calls = toolUses(content).map((call) => call.name);
  const text = textOf(content);
  return preview([text, calls.length ? `→ ${calls.join(', ')}` : '', `[${stopReason}]`].filter(Boolean).join(' '));
}

export function turnOf(
  content: ContentBlock[],
  stopReason: string,
  usage: TokenUsage,
  summarize: (name: string, input: unknown) => string
): ModelTurn {
  return {
    stopReason,
    toolCalls: toolUses(content).map((call) => ({
      id: call.id,
      name: call.name,
      summary: summarize(call.name, call.input),
    })),
    usage,
  };
}

/**
 * The `callModel` activity: loads the transcript, calls Claude once, stores the reply and the step,
 * and returns only what steers the loop. A turn already stored is returned as stored (a repeated
 * attempt never calls Claude twice for one turn). Transient API errors throw retryable failures
 * honouring `retry-after`; a rejected request or a missing API key throws a non-retryable one.
 */
export function createCallModel(db: Db, settings: ModelSettings) {
  const client = settings.apiKey
    ? new Anthropic({
        apiKey: settings.apiKey,
        baseURL: settings.baseURL,
        maxRetries: 0, // Temporal owns retries
        timeout: settings.requestTimeoutMs,
      })
    : undefined;

  return async function callModel({ runId, ownerId, turn }: CallModelInput): Promise<ModelTurn> {
    const run = await findRun(db, ownerId, runId);
    if (!run) throw ApplicationFailure.nonRetryable(`Run ${runId} not found`, 'RunNotFound');
    const genie = await findGenie(db, ownerId, run.genie_id);
    if (!genie) throw ApplicationFailure.nonRetryable('The genie was deleted', 'GenieNotFound');
    const tools = offeredTools(genie.tools);
    const summarize = (name: string, input: unknown) =>
      tools.find((t) => t.name === name)?.summarize(input ?? {}) ?? name;

    const stored = await findMessage(db, ownerId, runId, turn, 'assistant');
    if (stored) {
      const step = (await listSteps(db, ownerId, runId)).find((s) => s.kind === 'model' && s.turn === turn);
      const stopReason = (step?.result as { stop_reason?: string } | null)?.stop_reason ?? 'end_turn';
      return turnOf(stored.content, stopReason, step?.usage ?? ZERO_USAGE, summarize);
    }
    if (!client) {
      throw ApplicationFailure.nonRetryable(
        'ANTHROPIC_API_KEY is not set on the worker, so the genie cannot call Claude.',
        'ModelNotConfigured'
      );
    }

    const toolDefs: Anthropic.Tool[] = tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: inputJsonSchema(tool) as Anthropic.Tool.InputSchema,
    }));
    if (toolDefs.length > 0) toolDefs[toolDefs.length - 1]!.cache_control = EPHEMERAL;
    const model = genie.model ?? settings.defaultModel;
    const messages = withConversationBreakpoint(await buildConversation(db, ownerId, runId));
    const startedAt = new Date();
    const response = await withHeartbeat((signal) =>
      client.messages
        .create(
          {
            model,
            max_tokens: settings.maxOutputTokens,
            system: [
              {
                type: 'text',
                text: systemPrompt(
                  genie,
                  run,
                  tools.map((t) => t.name)
                ),
                cache_control: EPHEMERAL,
              },
            ],
            ...(toolDefs.length ? { tools: toolDefs } : {}),
            messages,
            metadata: { user_id: ownerId },
          },
          { signal }
        )
        .catch((err: unknown) => {
          throw toModelFailure(err);
        })
    );

    const content = response.content as unknown as ContentBlock[];
    const stopReason = response.stop_reason ?? 'unknown';
    const usage = usageOf(response.usage);
    await db.transaction(async (trx) => {
      await saveMessage(trx, ownerId, { runId, turn, role: 'assistant', content });
      await saveStep(trx, ownerId, {
        run_id: runId,
        turn,
        kind: 'model',
        tool: null,
        tool_use_id: null,
        input: { model, messages: messages.length },
        result: { stop_reason: stopReason, message_id: response.id },
        output_preview: replyPreview(content, stopReason),
        is_error: false,
        usage,
        started_at: startedAt,
        duration_ms: Date.now() - startedAt.getTime(),
      });
      await refreshRunTotals(trx, ownerId, runId);
    });
    return turnOf(content, stopReason, usage, summarize);
  };
}
