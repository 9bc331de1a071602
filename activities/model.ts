import type Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { needsApproval } from '../domain/approvals';
import { monthOf, type BudgetScope } from '../domain/budgets';
import { callCostMicroUsd, priceOf, usdOf, type ModelMode } from '../domain/prices';
import { DEFAULT_PRICES } from '../platform/default-prices';
import { mcpPolicyGates } from '../domain/mcp';
import { loadRunContext, type RunContext } from '../db/repositories/run-context';
import type { GenieRow } from '../db/repositories/genies';
import { saveModelTurn, saveStep, toolUsesOf, type ContentBlock, type NewStep } from '../db/repositories/run-records';
import { usageOf, zeroUsage, type TokenUsage } from '../domain/runs';
import type { CallModelInput, ModelTurn } from '../temporal/contract';
import { createAnthropicClient, EPHEMERAL, toModelFailure, toolDefinitions } from './anthropic';
import { budgetGate, raiseBudgetAlerts, systemClock } from './budgets';
import { buildConversation, textOf, withConversationBreakpoint } from './conversation';
import type { ActivityDeps } from './deps';
import { modelNotConfigured, runNotFound } from './failures';
import { untilRecorded } from './durable';
import { withHeartbeat } from './heartbeat';
import { LiveText } from './live-text';
import { preview } from './previews';
import { systemPrompt } from './prompt';
import { offeredTools } from './tools';
import { ASK_GENIE_TOOL } from '../domain/delegation';
import { askGenieTool } from './delegation';
import { listDelegates } from '../db/repositories/delegation';

/** Step preview of a reply: its text, or the tools it calls. */
function replyPreview(content: ContentBlock[], stopReason: string): string {
  const calls = toolUsesOf(content).map((call) => call.name);
  const text = textOf(content);
  return preview([text, calls.length ? `→ ${calls.join(', ')}` : '', `[${stopReason}]`].filter(Boolean).join(' '));
}

/** What Claude thought before its reply (its thinking blocks; a redacted one is said to be), if it did. */
function thinkingOf(content: ContentBlock[]): string | undefined {
  const parts = content.flatMap((block) =>
    block.type === 'thinking' && typeof block.thinking === 'string'
      ? [block.thinking]
      : block.type === 'redacted_thinking'
        ? ['[redacted thinking]']
        : []
  );
  return parts.length ? parts.join('\n') : undefined;
}

/** A server tool's result as a step shows it: a search's pages (title and URL), or its error. */
function serverToolResult(block: ContentBlock | undefined): { result: unknown; isError: boolean } {
  const content = block?.content;
  if (Array.isArray(content)) {
    return {
      result: content.map((item: { title?: unknown; url?: unknown }) => ({ title: item.title, url: item.url })),
      isError: false,
    };
  }
  const code = (content as { error_code?: unknown } | undefined)?.error_code;
  return { result: typeof code === 'string' ? `web search failed: ${code}` : 'no result', isError: true };
}

/** The steps of a reply's server tool uses (`server_tool_use` and their `…_tool_result` blocks). */
function serverToolSteps(runId: string, turn: number, content: ContentBlock[], startedAt: Date): NewStep[] {
  return content
    .filter((block) => block.type === 'server_tool_use')
    .map((use) => {
      const { result, isError } = serverToolResult(
        content.find((block) => block.type !== 'server_tool_use' && block.tool_use_id === use.id)
      );
      return {
        run_id: runId,
        turn,
        kind: 'server_tool' as const,
        tool: String(use.name),
        tool_use_id: String(use.id),
        input: use.input,
        result,
        output_preview: preview(result),
        is_error: isError,
        usage: null,
        started_at: startedAt,
        duration_ms: null,
      };
    });
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

/** A turn not taken: a monthly budget is spent (nothing was called, nothing billed). */
const budgetWaitTurn = (wait: { scope: BudgetScope; releaseInMs: number }): ModelTurn => ({
  stopReason: 'budget_wait',
  toolCalls: [],
  usage: zeroUsage(),
  budgetWait: wait,
});

/** Claude's server-side web search, with the genie's options. */
const webSearchTool = (options: GenieRow['web_search']): Anthropic.WebSearchTool20250305 => ({
  type: 'web_search_20250305',
  name: 'web_search',
  ...(options?.allowed_domains ? { allowed_domains: options.allowed_domains } : {}),
  ...(options?.blocked_domains ? { blocked_domains: options.blocked_domains } : {}),
  ...(options?.max_uses ? { max_uses: options.max_uses } : {}),
});

/** One model call ready to send: the request, and how its reply is summarised for the workflow. */
export interface PreparedCall {
  context: RunContext;
  turn: number;
  month: string;
  model: string;
  params: Anthropic.MessageCreateParamsNonStreaming;
  messages: number;
  summarize: (name: string, input: unknown) => string;
  gated: (name: string, input: unknown) => boolean;
}

/** A reply as Claude gave it (a Messages API message, from either API). */
export interface ModelReply {
  id: string;
  content: ContentBlock[];
  stopReason: string;
  usage: TokenUsage;
  /** Searches Claude's server-side web_search made for this reply (billed per search). */
  webSearches?: number;
}

export type ModelDeps = Pick<ActivityDeps, 'db' | 'model' | 'metrics' | 'prices' | 'mailer' | 'clock'>;

/**
 * The model calls of a run, for both APIs: `prepare` answers a turn already stored (a repeated
 * attempt never calls Claude twice for one turn) or a wait for a spent budget, else the request;
 * `record` stores a reply with its step and bills it (once per `billingKey`).
 */
export function createModelCalls(deps: ModelDeps) {
  const { db, model: settings, metrics } = deps;
  const prices = deps.prices ?? DEFAULT_PRICES;
  const clock = deps.clock ?? systemClock;

  async function prepare(
    { runId, ownerId, turn }: CallModelInput,
    options: { budgetGate: boolean } = { budgetGate: true }
  ): Promise<{ reply: ModelTurn } | PreparedCall> {
    const month = monthOf(clock());
    const context = await loadRunContext(db, ownerId, runId, { turn, budgetMonth: month });
    if (!context) throw runNotFound(runId);
    const { run, genie } = context;
    const isEval = run.eval_id !== null;
    const tools = offeredTools(genie.tools);
    // The MCP tools the run listed when it started: every turn offers the same ones.
    const mcpTools = run.mcp_tools ?? [];
    const mcpTool = (name: string) => mcpTools.find((t) => t.name === name);
    const summarize = (name: string, input: unknown) => {
      if (name === ASK_GENIE_TOOL) {
        const asked = (input as { genie?: unknown } | null)?.genie;
        return typeof asked === 'string' ? `ask_genie ${asked.slice(0, 80)}` : 'ask_genie';
      }
      const entry = mcpTool(name);
      return entry
        ? `${entry.server}: ${entry.tool}`
        : (tools.find((t) => t.name === name)?.summarize(input ?? {}) ?? name);
    };
    // A call waits for its owner when approval_required (or its MCP server's policy) covers it,
    // and it is a call that can run.
    const gated = (name: string, input: unknown) => {
      if (isEval) return false; // an eval asks no approval: its cases run nothing that would need one
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
      return { reply: withCost(stored, run.cost_micro_usd === null ? null : Number(run.cost_micro_usd)) };
    }
    // An eval's spend is its own: no budget holds its cases.
    const wait =
      options.budgetGate && !isEval ? await budgetGate(deps, run, context.budgets!, month, clock()) : undefined;
    if (wait) return { reply: budgetWaitTurn(wait) };

    // ask_genie, listing the delegates as they are now (only a genie with delegates is offered it).
    const askGenie = genie.delegates.length ? [askGenieTool(await listDelegates(db, ownerId, genie.delegates))] : [];
    const toolDefs: Anthropic.ToolUnion[] = [
      ...toolDefinitions(tools, mcpTools, askGenie),
      ...(genie.server_tools.includes('web_search') ? [webSearchTool(genie.web_search)] : []),
    ];
    const model = genie.model ?? settings.defaultModel;
    const messages = withConversationBreakpoint(await buildConversation(db, ownerId, runId));
    const system = systemPrompt(genie, run, [
      ...askGenie.map((t) => t.name),
      ...tools.map((t) => t.name),
      ...mcpTools.map((t) => t.name),
    ]);
    return {
      context,
      turn,
      month,
      model,
      messages: messages.length,
      summarize,
      gated,
      params: {
        model,
        // With extended thinking, max_tokens covers the thinking budget and the reply after it.
        max_tokens: settings.maxOutputTokens + (genie.thinking_budget_tokens ?? 0),
        ...(genie.thinking_budget_tokens
          ? { thinking: { type: 'enabled' as const, budget_tokens: genie.thinking_budget_tokens } }
          : {}),
        system: [{ type: 'text', text: system, cache_control: EPHEMERAL }],
        ...(toolDefs.length ? { tools: toolDefs } : {}),
        messages,
        metadata: { user_id: ownerId },
      },
    };
  }

  /**
   * Stores the reply as the turn (once) and bills it: `billingKey` is the activity attempt that
   * received a realtime reply, or the batch submission that produced a batch one. Raises the budget
   * alerts the new spend calls for; answers the turn for the workflow.
   */
  async function record(
    call: PreparedCall,
    reply: ModelReply,
    billing: { mode: ModelMode; billingKey: number; startedAt: Date }
  ): Promise<ModelTurn> {
    const { context, turn, model, month } = call;
    const { run } = context;
    const price = priceOf(prices, model);
    const searchMicroUsd =
      (reply.webSearches ?? 0) * (prices.server_tools?.web_search?.usd_per_search ?? 0) * 1_000_000;
    const costMicroUsd = price ? callCostMicroUsd(reply.usage, price, billing.mode) + Math.round(searchMicroUsd) : null;
    const thinking = thinkingOf(reply.content);
    // Claude answered (and charged for it): record the turn even if Postgres needs a moment.
    const { runCostMicroUsd } = await untilRecorded(`turn ${turn} of run ${run.id}`, () =>
      saveModelTurn(db, run.owner_id, {
        content: reply.content,
        step: {
          run_id: run.id,
          turn,
          kind: 'model',
          tool: null,
          tool_use_id: null,
          input: { model, messages: call.messages, ...(billing.mode === 'batch' ? { mode: 'batch' } : {}) },
          result: {
            stop_reason: reply.stopReason,
            message_id: reply.id,
            ...(thinking ? { thinking_preview: preview(thinking) } : {}),
          },
          output_preview: replyPreview(reply.content, reply.stopReason),
          is_error: false,
          usage: reply.usage,
          started_at: billing.startedAt,
          duration_ms: Date.now() - billing.startedAt.getTime(),
          cost_micro_usd: costMicroUsd,
        },
        call: {
          genieId: run.genie_id,
          attempt: billing.billingKey,
          model,
          mode: billing.mode,
          costMicroUsd,
          month,
          purpose: run.eval_id === null ? 'run' : 'eval',
        },
      })
    );
    // Claude's server-side tool uses (web searches), each a step with what it found.
    for (const step of serverToolSteps(run.id, turn, reply.content, billing.startedAt)) {
      await untilRecorded(`a ${step.tool} step of run ${run.id}`, () => saveStep(db, run.owner_id, step));
    }
    if (metrics) {
      metrics.modelTokens.inc({ model, kind: 'input' }, reply.usage.input_tokens);
      metrics.modelTokens.inc({ model, kind: 'output' }, reply.usage.output_tokens);
      metrics.modelTokens.inc({ model, kind: 'cache_read' }, reply.usage.cache_read_input_tokens);
      metrics.modelTokens.inc({ model, kind: 'cache_creation' }, reply.usage.cache_creation_input_tokens);
      if (costMicroUsd !== null) metrics.costUsd.inc({ model, mode: billing.mode }, usdOf(costMicroUsd));
    }
    const budgets = context.budgets!;
    const spent = costMicroUsd ?? 0;
    const webhookDeliveryIds =
      run.eval_id === null
        ? await raiseBudgetAlerts(deps, { ...context, budgets }, month, {
            genie: budgets.spent.genie + spent,
            account: budgets.spent.account + spent,
          })
        : [];
    const next = withCost(
      turnOf(reply.content, reply.stopReason, reply.usage, call.summarize, call.gated),
      runCostMicroUsd
    );
    return webhookDeliveryIds.length ? { ...next, webhookDeliveryIds } : next;
  }

  return { prepare, record };
}

/** A Messages API message as a {@link ModelReply}. */
export const replyOf = (message: Anthropic.Message): ModelReply => ({
  id: message.id,
  content: message.content as unknown as ContentBlock[],
  stopReason: message.stop_reason ?? 'unknown',
  usage: usageOf(message.usage),
  webSearches: message.usage.server_tool_use?.web_search_requests ?? 0,
});

/** How long a failing attempt waits, at most, to say its text is void (best effort) before it throws. */
const RESET_WAIT_MS = 1000;
/** How long the step waits, at most, for the last live text to go out (Postgres slow or away). */
const FLUSH_WAIT_MS = 5000;

/** `work`, or nothing once `ms` passed. */
const atMost = (ms: number, work: Promise<void>) =>
  Promise.race([work, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);

/**
 * Calls Claude with the streaming Messages API (the same request), handing each piece of its text
 * to `live` as it comes (a new text block after earlier text begins on a new line, as the turn's
 * text joins them); resolves with the final message, exactly what a non-streaming call answers.
 */
async function streamMessage(
  client: Anthropic,
  params: Anthropic.MessageCreateParamsNonStreaming,
  signal: AbortSignal,
  live: LiveText
): Promise<Anthropic.Message> {
  const stream = client.messages.stream(params, { signal });
  let wrote = false;
  let newBlock = false;
  stream.on('streamEvent', (event) => {
    if (event.type === 'content_block_start' && event.content_block.type === 'text') newBlock = wrote;
    else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta' && event.delta.text) {
      live.write(newBlock ? `\n${event.delta.text}` : event.delta.text);
      wrote = true;
      newBlock = false;
    }
  });
  return stream.finalMessage();
}

/** The model activity, bound to its dependencies. */
export function createModelActivities(deps: ModelDeps) {
  const client = createAnthropicClient(deps.model);
  const calls = createModelCalls(deps);

  /**
   * `callModel`: loads the transcript, calls Claude once, stores the reply and the step, and
   * returns only what steers the loop. A turn already stored is returned as stored (a repeated
   * attempt never calls Claude twice for one turn); a spent monthly budget is answered as a wait
   * (`budgetWait`) without calling. Transient API errors throw retryable failures honouring
   * `retry-after`; a rejected request or a missing API key throws a permanent one.
   *
   * The call streams: Claude's text goes out live as it is written (`LiveText`: pg_notify, never
   * in the result), the last of it before the step is saved. A retry first says the attempt before
   * it is void (`text_reset`), as does a call that breaks after some text, if it can.
   */
  async function callModel(input: CallModelInput): Promise<ModelTurn> {
    const { attempt } = Context.current().info;
    const logger = Context.current().log;
    const prepared = await calls.prepare(input);
    if ('reply' in prepared) return prepared.reply;
    if (!client) throw modelNotConfigured();
    const live = new LiveText(deps.db, {
      runId: input.runId,
      turn: input.turn,
      attempt,
      onError: (err) => {
        logger.warn('could not send live text; the call goes on', { error: String(err) });
      },
    });
    // The attempt before this one may have sent text: readers drop it before this one's comes.
    if (attempt > 1) live.reset(attempt - 1);
    const startedAt = new Date();
    let response: Anthropic.Message;
    try {
      response = await withHeartbeat((signal) => streamMessage(client, prepared.params, signal, live));
    } catch (err) {
      if (live.wrote) {
        live.reset(attempt);
        await atMost(RESET_WAIT_MS, live.flush());
      }
      live.close();
      throw toModelFailure(err);
    }
    await atMost(FLUSH_WAIT_MS, live.flush());
    return calls.record(prepared, replyOf(response), { mode: 'realtime', billingKey: attempt, startedAt });
  }

  return { callModel };
}
