import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Anthropic Messages API that speaks its wire format: `POST /v1/messages`
 * with an API key, replies with `content` blocks (`text`, `tool_use`), `stop_reason` and `usage`
 * (cache fields included), and errors as `{type: "error", error: {type, message}}` with the real
 * status codes and `retry-after`. Tests script it per genie and read back what it received.
 */

export type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export type FakeReply =
  | { kind: 'message'; content: Block[]; stop_reason: string; usage?: Partial<FakeUsage>; latencyMs?: number }
  | { kind: 'error'; status: number; type: string; message: string; retryAfter?: number; latencyMs?: number };

export interface RecordedRequest {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** The script that answered it, if any. */
  marker?: string;
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

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  /** Added to every answer (ms). */
  latencyMs = 0;
  /** Whether requests are kept in {@link requests} (a long benchmark turns it off). */
  record = true;
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

  /** Requests answered for `marker`, in order. */
  requestsFor(marker: string): RecordedRequest[] {
    return this.requests.filter((r) => r.marker === marker);
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
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
    const marker = [...this.scripts.keys()].find((m) => system.includes(m));
    const conversation = marker ? undefined : [...this.conversations.keys()].find((m) => system.includes(m));
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
    const queue = marker ? this.scripts.get(marker)! : undefined;
    const byTurn = conversation ? this.conversations.get(conversation)! : undefined;
    const reply = queue
      ? queue.length > 1
        ? queue.shift()!
        : (queue[0] ?? defaultReply(body))
      : byTurn
        ? (byTurn[Math.min(assistantTurns(body), byTurn.length - 1)] ?? defaultReply(body))
        : defaultReply(body);
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
    this.send(res, 200, {
      id: `msg_fake_${crypto.randomBytes(8).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: reply.content,
      stop_reason: reply.stop_reason,
      stop_sequence: null,
      usage,
    });
  }
}
