import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Anthropic Messages API that speaks its wire format: `POST /v1/messages`
 * with an API key, replies with `content` blocks (`text`, `tool_use`), `stop_reason` and `usage`
 * (cache fields included), and errors as `{type: "error", error: {type, message}}` with the real
 * status codes and `retry-after`. Tests script it per genie and read back what it received.
 *
 * A request with `stream: true` (the SDK's `messages.stream()`) is answered as the API streams:
 * Server-Sent Events `message_start`, `ping`, then per block `content_block_start`,
 * `content_block_delta`s (`text_delta` a word at a time, `thinking_delta` and a `signature_delta`,
 * `input_json_delta` pieces of a `tool_use`'s or `server_tool_use`'s input; other blocks, such as
 * `web_search_tool_result`, come whole in their start) and `content_block_stop`, then
 * `message_delta` (stop reason, output tokens, server tool use) and `message_stop`. A scripted
 * reply may wait `chunkDelayMs` before each delta, or break the connection after
 * `breakAfterChunks` deltas. An error reply is an HTTP error either way, before any event.
 *
 * It also speaks the Message Batches API as `@anthropic-ai/sdk` calls it (`messages.batches.create`,
 * `.retrieve`, `.results`, `.cancel`): `POST /v1/messages/batches`, `GET /v1/messages/batches/:id`,
 * `GET /v1/messages/batches/:id/results` (JSONL) and `POST /v1/messages/batches/:id/cancel`. Each
 * request of a batch is answered by the same scripts as a realtime one, when the batch is created.
 */

export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'server_tool_use'; id: string; name: string; input: unknown }
  | { type: 'web_search_tool_result'; tool_use_id: string; content: unknown };

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  /** Claude's server-side tool uses (web searches) for the reply. */
  server_tool_use?: { web_search_requests: number };
}

/**
 * One scripted answer. `batchErrored` and `batchExpired` are outcomes only a request of a batch can
 * have (see {@link batchErrored}, {@link batchExpired}); a realtime request that meets one gets a 500.
 */
export type FakeReply =
  | {
      kind: 'message';
      content: Block[];
      stop_reason: string;
      usage?: Partial<FakeUsage>;
      latencyMs?: number;
      /** Streamed: how long to wait before each `content_block_delta` (ms). */
      chunkDelayMs?: number;
      /** Streamed: send this many `content_block_delta`s, then drop the connection (the stream breaks). */
      breakAfterChunks?: number;
    }
  | { kind: 'error'; status: number; type: string; message: string; retryAfter?: number; latencyMs?: number }
  | { kind: 'batchErrored'; message: string; latencyMs?: number }
  | { kind: 'batchExpired'; latencyMs?: number };

export interface RecordedRequest {
  at: number;
  headers: http.IncomingHttpHeaders;
  /** The Messages API request body (for a request of a batch: its `params`). */
  body: any;
  /** The script that answered it, if any. */
  marker?: string;
  /** The batch it came in, if it came in one. */
  batchId?: string;
  /** Its `custom_id` in that batch. */
  customId?: string;
}

/** A message as the API answers it (realtime, or in a `succeeded` batch result). */
export interface FakeMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Block[];
  stop_reason: string;
  stop_sequence: null;
  usage: FakeUsage;
}

/** The outcome of one request of a batch, as the results JSONL carries it. */
export type FakeBatchResult =
  | { type: 'succeeded'; message: FakeMessage }
  | { type: 'errored'; error: { type: 'error'; error: { type: string; message: string } } }
  | { type: 'canceled' }
  | { type: 'expired' };

/** One line of a batch's results JSONL. */
export interface FakeBatchResultLine {
  custom_id: string;
  result: FakeBatchResult;
}

/**
 * What the fake knows of a Message Batch (tests read it from {@link FakeAnthropic.batches}). Its
 * state moves only when the batch is retrieved (`GET /v1/messages/batches/:id`, which the SDK's
 * `results()` also does first).
 */
export interface FakeBatch {
  readonly id: string;
  /** The `custom_id`s of its requests, in order. */
  readonly customIds: string[];
  /** The script marker each request carried (undefined: none), in order. */
  readonly markers: Array<string | undefined>;
  /** When it was created (ms since the epoch). */
  readonly createdAt: number;
  status: 'in_progress' | 'canceling' | 'ended';
  /** Whether cancel was called for it (even after it ended). */
  cancelled: boolean;
  /** When cancelling began (ms since the epoch), if it did. */
  cancelInitiatedAt?: number;
  /** When it ended (ms since the epoch), if it did. */
  endedAt?: number;
  /** How many times it was retrieved. */
  retrieves: number;
  /** Each request's result type, in order, once it ended (empty before). */
  resultTypes: Array<FakeBatchResult['type']>;
  /** Its results JSONL lines, once it ended (empty before). */
  results: FakeBatchResultLine[];
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** A reply of text that ends the turn. */
export const text = (value: string, usage?: Partial<FakeUsage>): FakeReply => ({
  kind: 'message',
  content: [{ type: 'text', text: value }],
  stop_reason: 'end_turn',
  usage,
});

type MessageReply = Extract<FakeReply, { kind: 'message' }>;

/**
 * A message reply with more to it: `before`, blocks ahead of its content (a thinking block, a web
 * search), and how it is paced when streamed. Any other reply is returned as it is.
 */
export function reshape(
  reply: FakeReply,
  more: { before?: Block[] } & Pick<MessageReply, 'latencyMs' | 'chunkDelayMs' | 'breakAfterChunks'>
): FakeReply {
  if (reply.kind !== 'message') return reply;
  const { before = [], ...pacing } = more;
  return { ...reply, ...pacing, content: [...before, ...reply.content] };
}

/** A search Claude's server-side web_search made: its `server_tool_use` block and its result block. */
export function webSearch(id: string, query: string, pages: Array<{ title: string; url: string }>): Block[] {
  return [
    { type: 'server_tool_use', id, name: 'web_search', input: { query } },
    {
      type: 'web_search_tool_result',
      tool_use_id: id,
      content: pages.map((page) => ({ type: 'web_search_result', ...page, encrypted_content: 'Eq…' })),
    },
  ];
}

let toolUseCounter = 0;
/** A reply that calls tools (several at once run in parallel). */
export const toolUse = (
  calls: Array<{ name: string; input: unknown; id?: string }>,
  options: { text?: string; usage?: Partial<FakeUsage> } = {}
): FakeReply => ({
  kind: 'message',
  content: [
    ...(options.text ? [{ type: 'text' as const, text: options.text }] : []),
    ...calls.map((call) => ({
      type: 'tool_use' as const,
      id: call.id ?? `toolu_fake_${++toolUseCounter}_${crypto.randomBytes(4).toString('hex')}`,
      name: call.name,
      input: call.input,
    })),
  ],
  stop_reason: 'tool_use',
  usage: options.usage,
});

/** A reply with any stop reason (pause_turn, max_tokens, refusal, …). */
export const stopWith = (stop_reason: string, blocks: Block[] = []): FakeReply => ({
  kind: 'message',
  content: blocks,
  stop_reason,
});

/** An error answer with the API's status and error type. */
export const apiError = (status: number, options: { retryAfter?: number; message?: string } = {}): FakeReply => ({
  kind: 'error',
  status,
  type: ERROR_TYPES[status] ?? 'api_error',
  message: options.message ?? `fake ${status}`,
  retryAfter: options.retryAfter,
});

/** A batch-only outcome: the request of a batch fails with an `api_error` (`errored` result). */
export const batchErrored = (message = 'fake batch request error'): FakeReply => ({ kind: 'batchErrored', message });

/** A batch-only outcome: the request of a batch is not processed in time (`expired` result). */
export const batchExpired = (): FakeReply => ({ kind: 'batchExpired' });

const notFound = (message: string) => ({ type: 'error', error: { type: 'not_found_error', message } });

const BATCHES_PATH = /^\/v1\/messages\/batches(?:\/([^/]+)(?:\/(results|cancel))?)?\/?$/;

const DAY_MS = 24 * 60 * 60 * 1000;

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const systemText = (body: any): string =>
  typeof body?.system === 'string'
    ? body.system
    : Array.isArray(body?.system)
      ? body.system.map((b: { text?: string }) => b.text ?? '').join('\n')
      : '';

/** The API key a request carries: `x-api-key`, or `Authorization: Bearer` (newer SDKs send that). */
export const apiKeyOf = (headers: http.IncomingHttpHeaders): string | undefined =>
  (headers['x-api-key'] as string | undefined) ?? /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];

const estimateTokens = (value: unknown) => Math.ceil(JSON.stringify(value ?? '').length / 4);

/**
 * With no script for a request, a small demo genie: it calls each of its MCP tools once, or looks
 * at the best leads (query_data), or saves the run's input (memory_write); reports what it found to
 * its owner (notify_owner) when it may, then answers.
 */
/** How many assistant turns the request's conversation holds. */
function assistantTurns(body: any): number {
  return (body.messages as Array<{ role?: string }>).filter((m) => m.role === 'assistant').length;
}

/** An input for a tool from its JSON schema: each required property a plain value of its type. */
function demoInput(schema: any): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const name of (schema?.required ?? []) as string[]) {
    const type = schema.properties?.[name]?.type;
    input[name] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : 'demo';
  }
  return input;
}

function defaultReply(body: any): FakeReply {
  // A tool the request forces (`tool_choice`), called with an input its schema allows.
  if (body.tool_choice?.type === 'tool') {
    const forced = (body.tools ?? []).find((t: any) => t.name === body.tool_choice.name);
    if (forced) return toolUse([{ name: forced.name as string, input: demoInput(forced.input_schema) }]);
  }
  const messages: any[] = body.messages ?? [];
  const offered = new Set<string>((body.tools ?? []).map((t: any) => t.name));
  const calls = messages
    .filter((m) => m.role === 'assistant' && Array.isArray(m.content))
    .flatMap((m) => m.content.filter((b: any) => b.type === 'tool_use').map((b: any) => b.name as string));
  const last = messages[messages.length - 1];
  const results = Array.isArray(last?.content) ? last.content.filter((b: any) => b.type === 'tool_result') : [];
  const summary = results.map((r: any) => String(r.content).slice(0, 500)).join(' | ');
  if (results.length > 0) {
    if (offered.has('notify_owner') && !calls.includes('notify_owner')) {
      return toolUse(
        [{ name: 'notify_owner', input: { subject: 'What I found', message: summary, channel: 'both' } }],
        {
          text: 'Telling my owner.',
        }
      );
    }
    return text(`Done. Tool results: ${summary.slice(0, 400)}`);
  }
  const firstUser = messages[0];
  const opening = Array.isArray(firstUser?.content)
    ? firstUser.content.map((b: any) => b.text ?? '').join('\n')
    : String(firstUser?.content ?? '');
  // A genie with delegates asks the first one listed, with its own input.
  const askGenie = ((body.tools ?? []) as any[]).find((t) => t.name === 'ask_genie');
  const delegate = askGenie && /\(id ([0-9a-f-]{36})\)/.exec(String(askGenie.description))?.[1];
  if (delegate) {
    return toolUse([{ name: 'ask_genie', input: { genie: delegate, input: opening.trim() || 'Do your job.' } }], {
      text: 'Asking another genie.',
    });
  }
  // Tools from MCP servers: each one once, in one turn (a gated one waits for its owner).
  const mcpTools = ((body.tools ?? []) as any[]).filter((t) => String(t.name).startsWith('mcp__'));
  if (mcpTools.length > 0) {
    return toolUse(
      mcpTools.map((t) => ({ name: t.name as string, input: demoInput(t.input_schema) })),
      { text: 'Trying my MCP tools.' }
    );
  }
  if (offered.has('query_data')) {
    return toolUse(
      [
        {
          name: 'query_data',
          input: {
            table: 'leads',
            columns: ['name', 'company', 'status', 'score'],
            order_by: { column: 'score', direction: 'desc' },
            limit: 3,
          },
        },
      ],
      { text: 'Looking at the best leads.' }
    );
  }
  if (offered.has('memory_write')) {
    return toolUse([{ name: 'memory_write', input: { key: 'last_run_input', value: opening.slice(0, 2000) } }], {
      text: 'Saving the input to memory.',
    });
  }
  return text(`Nothing to do with tools. I read: ${opening.slice(0, 200)}`);
}

/** One Server-Sent Event of a streamed reply; `delta` marks a `content_block_delta`. */
interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
  delta?: boolean;
}

/** Text as the API streams it: a word (with the spaces after it) at a time. */
const words = (value: string): string[] => value.match(/\s*\S+\s*|\s+/g) ?? [];

/** A tool input's JSON as the API streams it: pieces of a few characters. */
function jsonPieces(input: unknown): string[] {
  const json = input === undefined ? '' : JSON.stringify(input);
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += 12) pieces.push(json.slice(i, i + 12));
  return pieces;
}

/** The events of `message` streamed, in the order and shapes of the Messages API. */
function streamEventsOf(message: FakeMessage): StreamEvent[] {
  const { usage } = message;
  const events: StreamEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: usage.input_tokens,
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            cache_read_input_tokens: usage.cache_read_input_tokens,
            output_tokens: 1,
          },
        },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  const delta = (index: number, value: Record<string, unknown>): StreamEvent => ({
    event: 'content_block_delta',
    data: { type: 'content_block_delta', index, delta: value },
    delta: true,
  });
  message.content.forEach((block, index) => {
    const start = (content_block: unknown): StreamEvent => ({
      event: 'content_block_start',
      data: { type: 'content_block_start', index, content_block },
    });
    switch (block.type) {
      case 'text':
        events.push(start({ ...block, text: '' }));
        for (const text of words(block.text)) events.push(delta(index, { type: 'text_delta', text }));
        break;
      case 'thinking':
        events.push(start({ ...block, thinking: '', signature: '' }));
        for (const thinking of words(block.thinking)) events.push(delta(index, { type: 'thinking_delta', thinking }));
        events.push(delta(index, { type: 'signature_delta', signature: block.signature }));
        break;
      case 'tool_use':
      case 'server_tool_use':
        events.push(start({ ...block, input: {} }));
        for (const partial_json of jsonPieces(block.input)) {
          events.push(delta(index, { type: 'input_json_delta', partial_json }));
        }
        break;
      default:
        // redacted_thinking, web_search_tool_result: whole in their start
        events.push(start(block));
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push(
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: message.stop_reason, stop_sequence: null },
        usage: {
          output_tokens: usage.output_tokens,
          ...(usage.server_tool_use ? { server_tool_use: usage.server_tool_use } : {}),
        },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } }
  );
  return events;
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  /** The Message Batches created, by id. */
  readonly batches = new Map<string, FakeBatch>();
  /** Added to every answer (ms). */
  latencyMs = 0;
  /**
   * How long a batch takes (ms): it ends at the first retrieve once this much time has passed since
   * it was created (0: at the first retrieve).
   */
  batchLatencyMs = 0;
  /** While true, batches in progress never end (a cancelled one still ends at its next retrieve). */
  holdBatches = false;
  /** Whether requests are kept in {@link requests} (a long benchmark turns it off). */
  record = true;
  /** Each batch's results decided when it was created, by batch id. */
  private readonly planned = new Map<string, FakeBatchResultLine[]>();
  private readonly scripts = new Map<string, FakeReply[]>();
  private readonly conversations = new Map<string, FakeReply[]>();
  private server?: http.Server;
  private cacheSizes = new Map<string, number>();
  url = '';

  /**
   * Sets the replies for requests whose system prompt contains `marker` (use the genie's unique soul
   * prompt), replacing any left from before. Replies are used in order, and the last one repeats.
   */
  script(marker: string, replies: FakeReply[]): void {
    this.scripts.set(marker, [...replies]);
  }

  /**
   * Sets the replies for requests whose system prompt contains `marker` by their place in the
   * conversation: the first request of a run gets `replies[0]`, the one after one assistant turn
   * `replies[1]`, and so on (the last repeats). Runs of one genie that overlap each get the whole script.
   */
  scriptConversation(marker: string, replies: FakeReply[]): void {
    this.conversations.set(marker, [...replies]);
  }

  /** Requests answered for `marker`, in order (those of batches included). */
  requestsFor(marker: string): RecordedRequest[] {
    return this.requests.filter((r) => r.marker === marker);
  }

  /** Batches with at least one request answered for `marker`, in the order they were created. */
  batchesFor(marker: string): FakeBatch[] {
    return [...this.batches.values()].filter((b) => b.markers.includes(marker));
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': `req_fake_${crypto.randomBytes(6).toString('hex')}`,
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  /** The script (or conversation script) whose marker the system prompt contains. */
  private markersOf(system: string): { marker?: string; conversation?: string } {
    const marker = [...this.scripts.keys()].find((m) => system.includes(m));
    const conversation = marker ? undefined : [...this.conversations.keys()].find((m) => system.includes(m));
    return { marker, conversation };
  }

  /** The next reply for a request: from its script, its conversation script, or the demo genie. */
  private nextReply(body: any, marker: string | undefined, conversation: string | undefined): FakeReply {
    const queue = marker ? this.scripts.get(marker)! : undefined;
    const byTurn = conversation ? this.conversations.get(conversation)! : undefined;
    return queue
      ? queue.length > 1
        ? queue.shift()!
        : (queue[0] ?? defaultReply(body))
      : byTurn
        ? (byTurn[Math.min(assistantTurns(body), byTurn.length - 1)] ?? defaultReply(body))
        : defaultReply(body);
  }

  /** The message answering `body` with `reply`, its usage reported as the API does. */
  private message(
    body: any,
    reply: Extract<FakeReply, { kind: 'message' }>,
    marker: string | undefined,
    system: string
  ): FakeMessage {
    // Prompt caching as the API reports it: what an earlier request of this conversation already
    // wrote to the cache is read back; the rest is written now.
    const promptTokens = estimateTokens(body.system) + estimateTokens(body.tools) + estimateTokens(body.messages);
    const cacheKey = marker ?? system;
    const cached = JSON.stringify(body).includes('"cache_control"') ? (this.cacheSizes.get(cacheKey) ?? 0) : 0;
    this.cacheSizes.set(cacheKey, promptTokens);
    const usage: FakeUsage = {
      input_tokens: 3,
      cache_read_input_tokens: Math.min(cached, promptTokens),
      cache_creation_input_tokens: Math.max(0, promptTokens - cached),
      output_tokens: estimateTokens(reply.content),
      ...reply.usage,
    };
    return {
      id: `msg_fake_${crypto.randomBytes(8).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: reply.content,
      stop_reason: reply.stop_reason,
      stop_sequence: null,
      usage,
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    if (path === '/v1/messages/batches' || path.startsWith('/v1/messages/batches/')) {
      return this.handleBatches(req, res, path, Buffer.concat(chunks));
    }
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
      return this.send(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
    }
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return this.send(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'bad JSON' } });
    }
    const system = systemText(body);
    const { marker, conversation } = this.markersOf(system);
    if (this.record) this.requests.push({ at: Date.now(), headers: req.headers, body, marker: marker ?? conversation });
    if (!apiKeyOf(req.headers)) {
      return this.send(res, 401, {
        type: 'error',
        error: { type: 'authentication_error', message: 'an x-api-key or Authorization: Bearer header is required' },
      });
    }
    if (!body.model || !Array.isArray(body.messages) || typeof body.max_tokens !== 'number') {
      return this.send(res, 400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'model, messages and max_tokens are required' },
      });
    }
    const reply = this.nextReply(body, marker, conversation);
    const latency = (reply.latencyMs ?? 0) + this.latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (res.destroyed) return;

    if (reply.kind === 'error') {
      return this.send(
        res,
        reply.status,
        { type: 'error', error: { type: reply.type, message: reply.message } },
        reply.retryAfter === undefined ? {} : { 'retry-after': String(reply.retryAfter) }
      );
    }
    if (reply.kind === 'batchErrored' || reply.kind === 'batchExpired') {
      return this.send(res, 500, {
        type: 'error',
        error: { type: 'api_error', message: `fake: a batch-only reply (${reply.kind}) met a realtime request` },
      });
    }
    const message = this.message(body, reply, marker, system);
    if (body.stream === true) return this.stream(res, message, reply);
    this.send(res, 200, message);
  }

  /**
   * Answers with `message` streamed as Server-Sent Events, waiting the reply's `chunkDelayMs` before
   * each delta, and dropping the connection after `breakAfterChunks` deltas when it says so.
   */
  private async stream(
    res: http.ServerResponse,
    message: FakeMessage,
    reply: Extract<FakeReply, { kind: 'message' }>
  ): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': `req_fake_${crypto.randomBytes(6).toString('hex')}`,
    });
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    const write = (chunk: string) =>
      Promise.race([new Promise<void>((resolve) => res.write(chunk, () => resolve())), closed]);
    let deltas = 0;
    for (const { event, data, delta } of streamEventsOf(message)) {
      if (delta && reply.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, reply.chunkDelayMs));
      if (res.destroyed) return;
      await write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (delta && reply.breakAfterChunks !== undefined && ++deltas >= reply.breakAfterChunks) {
        res.destroy(); // the connection drops in the middle of the reply
        return;
      }
    }
    res.end();
  }

  /** A batch as the API shows it (a `MessageBatch`). */
  private batchObject(batch: FakeBatch) {
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (batch.status === 'ended') for (const type of batch.resultTypes) counts[type]++;
    else counts.processing = batch.customIds.length;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.status,
      request_counts: counts,
      ended_at: iso(batch.endedAt),
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.createdAt + DAY_MS),
      archived_at: null,
      cancel_initiated_at: iso(batch.cancelInitiatedAt),
      results_url: batch.status === 'ended' ? `${this.url}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  /**
   * Ends `batch` if it is due: a cancelled one at once (each request `canceled`), one in progress
   * once {@link batchLatencyMs} has passed since it was created, unless {@link holdBatches}.
   */
  private settle(batch: FakeBatch): void {
    if (batch.status === 'ended') return;
    if (batch.status === 'in_progress' && (this.holdBatches || Date.now() - batch.createdAt < this.batchLatencyMs)) {
      return;
    }
    const planned = this.planned.get(batch.id) ?? [];
    batch.results =
      batch.status === 'canceling'
        ? planned.map((line) => ({ custom_id: line.custom_id, result: { type: 'canceled' } }))
        : planned;
    batch.resultTypes = batch.results.map((line) => line.result.type);
    batch.status = 'ended';
    batch.endedAt = Date.now();
  }

  /** The result a request of a batch will have, given its reply. */
  private batchResult(body: any, reply: FakeReply, marker: string | undefined, system: string): FakeBatchResult {
    switch (reply.kind) {
      case 'message':
        return { type: 'succeeded', message: this.message(body, reply, marker, system) };
      case 'error':
        return { type: 'errored', error: { type: 'error', error: { type: reply.type, message: reply.message } } };
      case 'batchErrored':
        return { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: reply.message } } };
      case 'batchExpired':
        return { type: 'expired' };
    }
  }

  /**
   * The Message Batches API. A batch's replies are taken from the scripts when it is created (in the
   * order of its requests), so replies scripted before then answer it in order; a reply's own
   * `latencyMs` does not apply (the batch's time is {@link batchLatencyMs}).
   */
  private async handleBatches(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    raw: Buffer
  ): Promise<void> {
    const match = BATCHES_PATH.exec(path);
    const id = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    const action = match?.[2];
    const route = !match
      ? undefined
      : req.method === 'POST' && !id
        ? 'create'
        : req.method === 'GET' && id && !action
          ? 'retrieve'
          : req.method === 'GET' && action === 'results'
            ? 'results'
            : req.method === 'POST' && action === 'cancel'
              ? 'cancel'
              : undefined;
    if (!route) return this.send(res, 404, notFound('Not found'));
    let body: any;
    if (route === 'create') {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return this.send(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'bad JSON' } });
      }
    }
    if (!apiKeyOf(req.headers)) {
      return this.send(res, 401, {
        type: 'error',
        error: { type: 'authentication_error', message: 'an x-api-key or Authorization: Bearer header is required' },
      });
    }
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (res.destroyed) return;

    if (route === 'create') return this.createBatch(req, res, body);
    const batch = this.batches.get(id!);
    if (!batch) return this.send(res, 404, notFound(`No message batch with id ${id}`));
    if (route === 'retrieve') {
      batch.retrieves++;
      this.settle(batch);
      return this.send(res, 200, this.batchObject(batch));
    }
    if (route === 'cancel') {
      batch.cancelled = true;
      if (batch.status === 'in_progress') {
        batch.status = 'canceling';
        batch.cancelInitiatedAt = Date.now();
      }
      return this.send(res, 200, this.batchObject(batch));
    }
    if (batch.status !== 'ended') {
      return this.send(res, 404, notFound(`Message batch ${batch.id} has not ended: no results yet`));
    }
    res.writeHead(200, {
      'content-type': 'application/x-jsonl',
      'content-disposition': `attachment; filename*=utf-8''${batch.id}_results.jsonl`,
      'request-id': `req_fake_${crypto.randomBytes(6).toString('hex')}`,
    });
    res.end(batch.results.map((line) => `${JSON.stringify(line)}\n`).join(''));
  }

  /** `POST /v1/messages/batches`: checks the requests, records them and decides their results. */
  private createBatch(req: http.IncomingMessage, res: http.ServerResponse, body: any): void {
    const requests: unknown = body?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      return this.send(res, 400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'requests: a non-empty array is required' },
      });
    }
    const bad = requests.findIndex(
      (r: any) =>
        typeof r?.custom_id !== 'string' ||
        !r.params?.model ||
        !Array.isArray(r.params.messages) ||
        typeof r.params.max_tokens !== 'number'
    );
    if (bad >= 0) {
      return this.send(res, 400, {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: `requests.${bad}: custom_id, and params with model, messages and max_tokens, are required`,
        },
      });
    }
    const customIds = requests.map((r: any) => r.custom_id as string);
    if (new Set(customIds).size !== customIds.length) {
      return this.send(res, 400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'requests: each custom_id must be unique' },
      });
    }
    const id = `msgbatch_fake_${crypto.randomBytes(12).toString('hex')}`;
    const createdAt = Date.now();
    const markers: Array<string | undefined> = [];
    const planned = requests.map((r: any): FakeBatchResultLine => {
      const params = r.params;
      const system = systemText(params);
      const { marker, conversation } = this.markersOf(system);
      markers.push(marker ?? conversation);
      if (this.record) {
        this.requests.push({
          at: createdAt,
          headers: req.headers,
          body: params,
          marker: marker ?? conversation,
          batchId: id,
          customId: r.custom_id,
        });
      }
      const reply = this.nextReply(params, marker, conversation);
      return { custom_id: r.custom_id, result: this.batchResult(params, reply, marker, system) };
    });
    const batch: FakeBatch = {
      id,
      customIds,
      markers,
      createdAt,
      status: 'in_progress',
      cancelled: false,
      retrieves: 0,
      resultTypes: [],
      results: [],
    };
    this.batches.set(id, batch);
    this.planned.set(id, planned);
    this.send(res, 200, this.batchObject(batch));
  }
}
