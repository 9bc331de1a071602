import { Context } from '@temporalio/activity';
import { needsApproval } from '../domain/approvals';
import { callCostMicroUsd, priceOf, usdOf } from '../domain/prices';
import { DEFAULT_PRICES } from '../platform/default-prices';
import { mcpPolicyGates } from '../domain/mcp';
import { loadRunContext } from '../db/repositories/run-context';
import { saveModelTurn, toolUsesOf, type ContentBlock } from '../db/repositories/run-records';
import { usageOf, zeroUsage, type TokenUsage } from '../domain/runs';
import type { CallModelInput, ModelTurn } from '../temporal/contract';
import { createAnthropicClient, EPHEMERAL, toModelFailure, toolDefinitions } from './anthropic';
import { buildConversation, textOf, withConversationBreakpoint } from './conversation';
import type { ActivityDeps } from './deps';
import { modelNotConfigured, runNotFound } from './failures';
import { untilRecorded } from './durable';
import { withHeartbeat } from './heartbeat';
import { preview } from './previews';
import { systemPrompt } from './prompt';
import { offeredTools } from './tools';

/** Step preview of a reply: its text, or the tools it calls. */
function replyPreview(content: ContentBlock[], stopReason: string): string {
  const calls = toolUsesOf(content).map((call) => call.name);
  const text = textOf(content);
  return preview([text, calls.length ? `→ ${calls.join(', ')}` : '', `[${stopReason}]`].filter(Boolean).join(' '));
}

/** What the workflow learns of a reply: its stop reason, its tool calls (ids and summaries) and usage. */
function turnOf(
  content: ContentBlock[],
  stopReason: string,
  usage: TokenUsage,
  summarize: (name: string, input: unknown) => string,
  gated: (name: string, input: unknown) => boolean = () => false
): ModelTurn {
  return {
    stopReason,
    toolCalls: toolUsesOf(content).map((call) => ({
      id: call.id,
      name: call.name,
      summary: summarize(call.name, call.input),
      ...(gated(call.name, call.input) ? { needsApproval: true } : {}),
    })),
    usage,
  };
}

/** The turn with what the run cost so far, when its model has a price (what the workflow's cost cap reads). */
const withCost = (turn: ModelTurn, runCostMicroUsd: number | null): ModelTurn =>
  runCostMicroUsd === null ? turn : { ...turn, runCostMicroUsd };

/** The model activity, bound to its dependencies. */
export function createModelActivities(deps: Pick<ActivityDeps, 'db' | 'model' | 'metrics' | 'prices'>) {
  const { db, model: settings, metrics } = deps;
  const prices = deps.prices ?? DEFAULT_PRICES;
  const client = createAnthropicClient(settings);

  /**
   * `callModel`: loads the transcript, calls Claude once, stores the reply and the step, and
   * returns only what steers the loop. A turn already stored is returned as stored (a repeated
   * attempt never calls Claude twice for one turn). Transient API errors throw retryable failures
   * honouring `retry-after`; a rejected request or a missing API key throws a permanent one.
   */
  async function callModel({ runId, ownerId, turn }: CallModelInput): Promise<ModelTurn> {
    const attempt = Context.current().info.attempt;
    const context = await loadRunContext(db, ownerId, runId, { turn });
    if (!context) throw runNotFound(runId);
    const { run, genie } = context;
    const tools = offeredTools(genie.tools);
    // The MCP tools the run listed when it started: every turn offers the same ones.
    const mcpTools = run.mcp_tools ?? [];
    const mcpTool = (name: string) => mcpTools.find((t) => t.name === name);
    const summarize = (name: string, input: unknown) => {
      const entry = mcpTool(name);
      return entry
        ? `${entry.server}: ${entry.tool}`
        : (tools.find((t) => t.name === name)?.summarize(input ?? {}) ?? name);
    };
    // A call waits for its owner when approval_required (or its MCP server's policy) covers it,
    // and it is a call that can run.
    const gated = (name: string, input: unknown) => {
      const entry = mcpTool(name);
      if (entry) {
        const server = genie.mcp_servers.find((s) => s.name === entry.server);
        const isObject = input !== null && typeof input === 'object' && !Array.isArray(input);
        return (
          !!server &&
          isObject &&
          (needsApproval(genie.approval_required, name, input) || mcpPolicyGates(server.approval, entry.read_only))
        );
      }
      return (
        needsApproval(genie.approval_required, name, input) &&
        tools.some((t) => t.name === name && t.input.safeParse(input).success)
      );
    };

    if (context.reply) {
      const step = context.modelStep;
      const stopReason = (step?.result as { stop_reason?: string } | null)?.stop_reason ?? 'end_turn';
      const stored = turnOf(context.reply, stopReason, step?.usage ?? zeroUsage(), summarize, gated);
      return withCost(stored, run.cost_micro_usd === null ? null : Number(run.cost_micro_usd));
    }
    if (!client) throw modelNotConfigured();

    const toolDefs = toolDefinitions(tools, mcpTools);
    const model = genie.model ?? settings.defaultModel;
    const messages = withConversationBreakpoint(await buildConversation(db, ownerId, runId));
    const system = systemPrompt(genie, run, [...tools.map((t) => t.name), ...mcpTools.map((t) => t.name)]);
    const startedAt = new Date();
    const response = await withHeartbeat((signal) =>
      client.messages
        .create(
          {
            model,
            max_tokens: settings.maxOutputTokens,
            system: [{ type: 'text', text: system, cache_control: EPHEMERAL }],
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
    const price = priceOf(prices, model);
    const costMicroUsd = price ? callCostMicroUsd(usage, price, 'realtime') : null;
    // Claude answered (and charged for it): record the turn even if Postgres needs a moment.
    const { runCostMicroUsd } = await untilRecorded(`turn ${turn} of run ${runId}`, () =>
      saveModelTurn(db, ownerId, {
        content,
        step: {
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
          cost_micro_usd: costMicroUsd,
        },
        call: { genieId: run.genie_id, attempt, model, mode: 'realtime', costMicroUsd },
      })
    );
    if (metrics) {
      metrics.modelTokens.inc({ model, kind: 'input' }, usage.input_tokens);
      metrics.modelTokens.inc({ model, kind: 'output' }, usage.output_tokens);
      metrics.modelTokens.inc({ model, kind: 'cache_read' }, usage.cache_read_input_tokens);
      metrics.modelTokens.inc({ model, kind: 'cache_creation' }, usage.cache_creation_input_tokens);
      if (costMicroUsd !== null) metrics.costUsd.inc({ model, mode: 'realtime' }, usdOf(costMicroUsd));
    }
    return withCost(turnOf(content, stopReason, usage, summarize, gated), runCostMicroUsd);
  }

  return { callModel };
}
