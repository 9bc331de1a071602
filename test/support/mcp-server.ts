// A real Model Context Protocol server for tests, built with the official SDK (McpServer on the
// Streamable HTTP transport, one session per client), on loopback. Its tools stand in for an issue
// tracker; it records what reached it (calls, idempotency keys, headers) and can be told to fail.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const IDEMPOTENCY_META = 'io.worker-genies/idempotency-key';

export interface McpCall {
  tool: string;
  arguments: Record<string, unknown>;
  idempotencyKey?: string;
  authorization?: string;
}

export class TestMcpServer {
  private server?: http.Server;
  private readonly sessions = new Map<string, StreamableHTTPServerTransport>();
  /** Every tools/call that reached the server (failed attempts included), in order. */
  readonly calls: McpCall[] = [];
  /** Every HTTP request's method and headers. */
  readonly requests: Array<{ method: string; headers: http.IncomingHttpHeaders }> = [];
  /** Issues created (once per idempotency key, as a careful server would). */
  readonly created = new Map<string, { title: string }>();
  /** Answer every request with this status (503: the server is down). */
  down?: number;
  /** When set, a request whose Authorization header this refuses is answered 401. */
  authorize?: (authorization: string | undefined) => boolean;
  /** Called when create_issue has created its issue, before the server answers (a crash test kills the caller here). */
  afterCreate?: (idempotencyKey: string) => void;
  /** tools/call of `flaky` answers 503 this many times per idempotency key before it works. */
  flakyFailures = 2;
  private readonly flakySeen = new Map<string, number>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  /** The tools/call requests of one tool. */
  callsOf(tool: string): McpCall[] {
    return this.calls.filter((call) => call.tool === tool);
  }

  private build(): McpServer {
    const mcp = new McpServer({ name: 'test-tracker', version: '1.2.3' });
    mcp.registerTool(
      'list_issues',
      {
        description: 'List the open issues of a project.',
        inputSchema: { project: z.string() },
        annotations: { readOnlyHint: true },
      },
      ({ project }) => ({ content: [{ type: 'text', text: `${project}: #1 Login fails, #2 Slow search` }] })
    );
    mcp.registerTool(
      'create_issue',
      {
        description: 'Create an issue.',
        inputSchema: { title: z.string() },
        annotations: { readOnlyHint: false },
      },
      ({ title }, extra) => {
        const meta = extra._meta?.[IDEMPOTENCY_META];
        const key = typeof meta === 'string' ? meta : crypto.randomUUID();
        if (!this.created.has(key)) this.created.set(key, { title });
        this.afterCreate?.(key);
        const id = [...this.created.keys()].indexOf(key) + 1;
        return {
          content: [{ type: 'text', text: `Created issue #${id}: ${title}` }],
          structuredContent: { id, title },
        };
      }
    );
    mcp.registerTool('close_issue', { description: 'Close an issue.', inputSchema: { id: z.number() } }, ({ id }) => ({
      content: [{ type: 'text', text: `Issue #${id} does not exist.` }],
      isError: true,
    }));
    mcp.registerTool(
      'export_all',
      { description: 'Export every issue as text.', annotations: { readOnlyHint: true } },
      () => ({
        content: [{ type: 'text', text: 'x'.repeat(200 * 1024) }],
      })
    );
    mcp.registerTool('flaky', { description: 'Works after a few tries.', annotations: { readOnlyHint: true } }, () => ({
      content: [{ type: 'text', text: 'finally worked' }],
    }));
    mcp.registerTool('whoami', { description: 'Echo the credential.', annotations: { readOnlyHint: true } }, () => ({
      content: [{ type: 'text', text: `you sent ${this.requests.at(-1)?.headers.authorization ?? 'nothing'}` }],
    }));
    return mcp;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requests.push({ method: req.method ?? '', headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: any = text ? JSON.parse(text) : undefined;
    const answer = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
    };
    if (this.down) return answer(this.down, 'down');
    if (this.authorize && !this.authorize(req.headers.authorization)) return answer(401, 'unauthorized');
    if (body?.method === 'tools/call') {
      const key = body.params?._meta?.[IDEMPOTENCY_META] as string | undefined;
      this.calls.push({
        tool: body.params?.name,
        arguments: body.params?.arguments ?? {},
        idempotencyKey: key,
        authorization: req.headers.authorization,
      });
      if (body.params?.name === 'flaky') {
        const seen = this.flakySeen.get(key ?? '') ?? 0;
        this.flakySeen.set(key ?? '', seen + 1);
        if (seen < this.flakyFailures) return answer(503, 'try again');
      }
    }
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (!transport) {
      if (req.method !== 'POST' || !isInitializeRequest(body)) return answer(400, 'no such session');
      const fresh = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => void this.sessions.set(id, fresh),
      });
      fresh.onclose = () => {
        if (fresh.sessionId) this.sessions.delete(fresh.sessionId);
      };
      await this.build().connect(fresh);
      transport = fresh;
    }
    await transport.handleRequest(req, res, body);
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const transport of this.sessions.values()) await transport.close().catch(() => undefined);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
