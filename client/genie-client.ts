// GenieClient: one method per operation of the API (client/operations.ts), typed by the schemas the
// OpenAPI document comes from. Only `fetch`, streams and timers: it runs in Node 20 and in browsers.
import { errorOf, GenieApiError, networkError } from './errors';
import { OPERATIONS, type OperationName } from './operations';
import { sseEvents } from './sse';
import type * as T from './types';

export interface GenieClientOptions {
  /** Where the API is, e.g. `http://localhost:3000` (no `/v1`). */
  baseUrl: string;
  /** An API key, `hg_live_<secret>`. */
  apiKey: string;
  /** The fetch to call; default the global one. */
  fetch?: typeof fetch;
}

export interface StreamRunOptions {
  /** Resume after this step (the `id` of the last event seen): earlier steps are not sent again. */
  lastEventId?: string | number;
  /** Stops the stream: the loop ends with the signal's reason thrown. */
  signal?: AbortSignal;
  /**
   * A stream that drops before `end` is reconnected, resuming after the last event (Last-Event-ID):
   * up to this many times in a row without an event in between (default 30; 0: never).
   */
  maxReconnects?: number;
  /** Milliseconds between reconnections (default 1000). */
  reconnectDelayMs?: number;
}

interface Call {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

type Envelope = { success?: unknown; data?: unknown } | null;

const STREAM_EVENTS: ReadonlySet<string> = new Set<T.RunStreamEventName>([
  'status',
  'run',
  'step',
  'approval',
  'text',
  'text_reset',
  'end',
  'error',
]);

/**
 * The Worker Genies REST API, typed. Each method returns the answer's `data` and throws a
 * {@link GenieApiError} for anything else.
 *
 * ```ts
 * const client = new GenieClient({ baseUrl: 'http://localhost:3000', apiKey });
 * const { run_id } = await client.runGenie(genieId, { input: 'hello' });
 * for await (const event of client.streamRun(run_id)) if (event.event === 'end') console.log(event.data.output);
 * ```
 */
export class GenieClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch?: typeof fetch;

  constructor(options: GenieClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch;
  }

  // ── Health and this API's document (no key needed) ──

  /** 200 when Postgres and Temporal answer; else a 503 `upstream_unavailable` whose details say which is down. */
  getHealth(): Promise<T.Health> {
    return this.#data('getHealth', {});
  }

  /** The OpenAPI 3.1 document (not enveloped). */
  async getOpenApi(): Promise<Record<string, unknown>> {
    const res = await this.#send('getOpenApi', {});
    const document = await readJson(res);
    if (res.ok && document !== null && typeof document === 'object') return document as Record<string, unknown>;
    throw errorOf(res.status, document, res.headers.get('retry-after'));
  }

  // ── Genies ──

  /** Your genies, newest first, a page at a time. */
  listGenies(query: T.ListGeniesQuery = {}): Promise<T.GenieList> {
    return this.#data('listGenies', { query: { ...query } });
  }

  /** Creates a genie (201). */
  createGenie(genie: T.GenieCreate): Promise<T.GenieSaved> {
    return this.#data('createGenie', { body: genie });
  }

  /**
   * `POST /v1/worker-genies` with any action by name (`{action: 'get', id}`, `{action: 'run', id, data}`, …):
   * each answers as its REST alias, which has its own typed method. `idempotencyKey` serves `run`.
   */
  workerGeniesAction(request: T.ActionRequest, options: T.RunOptions = {}): Promise<unknown> {
    return this.#data('workerGeniesAction', { body: request, headers: idempotency(options) });
  }

  /** One genie with its recent runs (and, scheduled, its next run times and schedule state). */
  getGenie(id: string): Promise<T.GenieWithRuns> {
    return this.#data('getGenie', { params: { id } });
  }

  /** Changes some fields; a changed schedule or trigger takes effect at once. */
  updateGenie(id: string, patch: T.GenieUpdate): Promise<T.GenieSaved> {
    return this.#data('updateGenie', { params: { id }, body: patch });
  }

  /** Deletes a genie, its schedule, running runs, run history and memory. */
  deleteGenie(id: string): Promise<T.Deleted> {
    return this.#data('deleteGenie', { params: { id } });
  }

  /** A new webhook signing secret, shown this once (the old one signs beside it for 24 hours). */
  rotateWebhookSecret(id: string): Promise<T.WebhookSecret> {
    return this.#data('rotateWebhookSecret', { params: { id } });
  }

  /** What a genie remembers: its own memory and the account's (`scope` for one). */
  listGenieMemory(id: string, query: T.ListMemoryQuery = {}): Promise<T.MemoryList> {
    return this.#data('listGenieMemory', { params: { id }, query: { ...query } });
  }

  // ── Runs ──

  /** Starts a run (202, queued); with `idempotencyKey`, a repeat answers the first run and starts nothing. */
  runGenie(id: string, request: T.RunRequest = {}, options: T.RunOptions = {}): Promise<T.RunStarted> {
    return this.#data('runGenie', { params: { id }, body: request, headers: idempotency(options) });
  }

  /** All your runs, newest first, a page at a time. */
  listRuns(query: T.ListRunsQuery = {}): Promise<T.RunList> {
    return this.#data('listRuns', { query: { ...query } });
  }

  /** One genie's runs, newest first, a page at a time. */
  listGenieRuns(id: string, query: T.ListRunsQuery = {}): Promise<T.RunList> {
    return this.#data('listGenieRuns', { params: { id }, query: { ...query } });
  }

  /** A run with its steps, approvals and webhook deliveries. */
  getRun(runId: string): Promise<T.RunWithSteps> {
    return this.#data('getRun', { params: { run_id: runId } });
  }

  /**
   * Follows a run live: its events as they happen, every step once in seq order (those saved before
   * included), Claude's text as it is written (`text`, `text_reset`: live only, never replayed after
   * a reconnect), until `end` (the final run), after which the iteration ends. A dropped connection is
   * resumed after the last event seen (Last-Event-ID). An answer that is not a stream (404, 429: too
   * many open streams, 401) throws a GenieApiError, as does running out of reconnections.
   */
  async *streamRun(runId: string, options: StreamRunOptions = {}): AsyncGenerator<T.RunStreamEvent, void, undefined> {
    const { signal } = options;
    const maxReconnects = options.maxReconnects ?? 30;
    const delayMs = options.reconnectDelayMs ?? 1000;
    let lastEventId = options.lastEventId === undefined ? undefined : String(options.lastEventId);
    let dropped = 0;
    for (;;) {
      const connection = new AbortController();
      const abort = () => connection.abort(signal?.reason);
      signal?.addEventListener('abort', abort, { once: true });
      let failure: GenieApiError | undefined;
      let received = false;
      try {
        const res = await this.#send('streamRun', {
          params: { run_id: runId },
          headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: connection.signal,
        });
        if (!res.ok || !res.body) throw errorOf(res.status, await readJson(res), res.headers.get('retry-after'));
        try {
          for await (const message of sseEvents(res.body)) {
            if (message.id !== undefined) lastEventId = message.id;
            if (!STREAM_EVENTS.has(message.event)) continue;
            let data: unknown;
            try {
              data = JSON.parse(message.data);
            } catch {
              throw new GenieApiError(
                res.status,
                'bad_response',
                `The ${message.event} event of the stream is not JSON`
              );
            }
            received = true;
            yield {
              event: message.event,
              data,
              ...(message.id === undefined ? {} : { id: message.id }),
            } as T.RunStreamEvent;
            if (message.event === 'end') return;
          }
        } catch (err) {
          if (signal?.aborted || err instanceof GenieApiError) throw err;
          failure = networkError(`The stream of run ${runId} broke: ${describe(err)}`, err);
        }
      } catch (err) {
        // Connecting failed: an answer that is not a stream is final, no answer is worth another try.
        if (!(err instanceof GenieApiError) || err.code !== 'network_error') throw err;
        failure = err;
      } finally {
        signal?.removeEventListener('abort', abort);
        connection.abort();
      }
      dropped = received ? 1 : dropped + 1;
      if (dropped > maxReconnects) {
        throw failure ?? networkError(`The stream of run ${runId} closed before the run ended`);
      }
      await sleep(delayMs, signal);
    }
  }

  /** Cancels a run and waits briefly for it to stop (409 when it already ended). */
  cancelRun(runId: string): Promise<T.RunWithSteps> {
    return this.#data('cancelRun', { params: { run_id: runId } });
  }

  // ── Credentials ──

  /** Your credentials (never a value). */
  listCredentials(): Promise<T.CredentialList> {
    return this.#data('listCredentials', {});
  }

  /** Stores a credential, encrypted (201; 200 when `replace` replaced one). */
  storeCredential(credential: T.StoreCredential): Promise<T.Credential> {
    return this.#data('storeCredential', { body: credential });
  }

  /** Deletes a credential by id or name; `force` also removes it from the genies that name it. */
  deleteCredential(idOrName: string, options: { force?: boolean } = {}): Promise<T.CredentialDeleted> {
    return this.#data('deleteCredential', { params: { id: idOrName }, query: { force: options.force } });
  }

  /** Checks that a stored credential decrypts; with `url` (one of its allowed_hosts), makes a real request with it. */
  testCredential(idOrName: string, request: T.TestCredentialRequest = {}): Promise<T.CredentialTestResult> {
    return this.#data('testCredential', { params: { id: idOrName }, body: request });
  }

  // ── MCP servers ──

  /**
   * Connects to an MCP server as a run would (public addresses only, the credential as its type
   * says) and lists its tools; `read_only` tools never wait for approval under `"writes"`.
   */
  inspectMcpServer(request: T.InspectMcpServerRequest): Promise<T.McpServerInspection> {
    return this.#data('inspectMcpServer', { body: request });
  }

  // ── Models ──

  /** What each Claude model costs here (USD per million tokens), and server tools. */
  listModels(): Promise<T.ModelList> {
    return this.#data('listModels', {});
  }

  // ── Evals ──

  /** Tries a change to a genie against its past runs (202: it runs in the background). */
  createEval(genieId: string, request: T.EvalCreate): Promise<T.EvalStarted> {
    return this.#data('createEval', { params: { id: genieId }, body: request });
  }

  /** A genie's evals, newest first. */
  listEvals(genieId: string, query: T.PageQuery = {}): Promise<T.EvalList> {
    return this.#data('listEvals', { params: { id: genieId }, query: { ...query } });
  }

  /** An eval with its cases side by side. */
  getEval(id: string): Promise<T.Eval> {
    return this.#data('getEval', { params: { id } });
  }

  cancelEval(id: string): Promise<T.Eval> {
    return this.#data('cancelEval', { params: { id } });
  }

  /** Applies the eval's change as one genie update (409 when the genie changed since). */
  applyEval(id: string): Promise<T.GenieSaved> {
    return this.#data('applyEval', { params: { id } });
  }

  // ── Account ──

  /** Your monthly budget (all genies together) and what was spent today and this month. */
  getAccount(): Promise<T.Account> {
    return this.#data('getAccount', {});
  }

  /** Sets (or with null removes) the monthly budget of all your genies together. */
  updateAccount(patch: T.AccountUpdate): Promise<T.Account> {
    return this.#data('updateAccount', { body: patch });
  }

  // ── Events ──

  /** Sends an event to an event-triggered genie (202). */
  sendGenieEvent(id: string, event: T.GenieEvent = {}): Promise<T.EventAccepted> {
    return this.#data('sendGenieEvent', { params: { id }, body: event });
  }

  /** Sends an event to every enabled genie of yours whose event_types contain its type (202). */
  sendEvent(event: T.FanOutEvent): Promise<T.FanOutAccepted> {
    return this.#data('sendEvent', { body: event });
  }

  // ── Approvals ──

  /** Your approvals, newest first (`status: 'pending'` for those waiting). */
  listApprovals(query: T.ListApprovalsQuery = {}): Promise<T.ApprovalList> {
    return this.#data('listApprovals', { query: { ...query } });
  }

  getApproval(id: string): Promise<T.Approval> {
    return this.#data('getApproval', { params: { id } });
  }

  /** Lets the waiting call run (once). Still `pending` in the answer: no worker now, the run takes it when one is back. */
  approveApproval(id: string, decision: T.Decision = {}): Promise<T.Approval> {
    return this.#data('approveApproval', { params: { id }, body: decision });
  }

  /** Refuses the waiting call; the genie is told, with the note. */
  denyApproval(id: string, decision: T.Decision = {}): Promise<T.Approval> {
    return this.#data('denyApproval', { params: { id }, body: decision });
  }

  // ── Business data: a table's rows (filters as query_data's), and rows to add (all or nothing) ──

  readAgents(query?: T.DataReadQuery): Promise<T.DataRows> {
    return this.#read('readAgents', query);
  }
  ingestAgents(rows: T.DataRow[]): Promise<T.Ingested> {
    return this.#data('ingestAgents', { body: { rows } });
  }
  readConversations(query?: T.DataReadQuery): Promise<T.DataRows> {
    return this.#read('readConversations', query);
  }
  ingestConversations(rows: T.DataRow[]): Promise<T.Ingested> {
    return this.#data('ingestConversations', { body: { rows } });
  }
  readLeads(query?: T.DataReadQuery): Promise<T.DataRows> {
    return this.#read('readLeads', query);
  }
  ingestLeads(rows: T.DataRow[]): Promise<T.Ingested> {
    return this.#data('ingestLeads', { body: { rows } });
  }
  readLeadActivities(query?: T.DataReadQuery): Promise<T.DataRows> {
    return this.#read('readLeadActivities', query);
  }
  ingestLeadActivities(rows: T.DataRow[]): Promise<T.Ingested> {
    return this.#data('ingestLeadActivities', { body: { rows } });
  }
  readCallLogs(query?: T.DataReadQuery): Promise<T.DataRows> {
    return this.#read('readCallLogs', query);
  }
  ingestCallLogs(rows: T.DataRow[]): Promise<T.Ingested> {
    return this.#data('ingestCallLogs', { body: { rows } });
  }
  readDocuments(query?: T.DataReadQuery): Promise<T.DataRows> {
    return this.#read('readDocuments', query);
  }
  ingestDocuments(rows: T.DataRow[]): Promise<T.Ingested> {
    return this.#data('ingestDocuments', { body: { rows } });
  }
  readEmailLogs(query?: T.DataReadQuery): Promise<T.DataRows> {
    return this.#read('readEmailLogs', query);
  }
  ingestEmailLogs(rows: T.DataRow[]): Promise<T.Ingested> {
    return this.#data('ingestEmailLogs', { body: { rows } });
  }

  // ── Notifications ──

  /** What your genies told you, newest first (`unread: true` for the unread ones). */
  listNotifications(query: T.ListNotificationsQuery = {}): Promise<T.NotificationList> {
    return this.#data('listNotifications', { query: { ...query } });
  }

  markNotificationRead(id: string): Promise<T.Notification> {
    return this.#data('markNotificationRead', { params: { id } });
  }

  // ── API keys ──

  /** Your API keys (never a secret). */
  listApiKeys(): Promise<T.ApiKeyList> {
    return this.#data('listApiKeys', {});
  }

  /** A new API key (201): the answer is the only place its `key` is ever shown. */
  createApiKey(request: T.CreateApiKey = {}): Promise<T.ApiKeyCreated> {
    return this.#data('createApiKey', { body: request });
  }

  /** Revokes an API key: its next request answers 401. */
  revokeApiKey(id: string): Promise<T.ApiKey> {
    return this.#data('revokeApiKey', { params: { id } });
  }

  // ── What this server offers ──

  /** The tools, approval gates, webhook events, schedule policies, genie defaults and limits, run phases. */
  getCatalogue(): Promise<T.Catalogue> {
    return this.#data('getCatalogue', {});
  }

  // ── The wire ──

  #read(name: OperationName, query: T.DataReadQuery = {}): Promise<T.DataRows> {
    const { filters, ...options } = query;
    return this.#data(name, { query: { ...filters, ...options } });
  }

  /** Calls an operation and returns the `data` of its success envelope; anything else throws. */
  async #data<R>(name: OperationName, call: Call): Promise<R> {
    const res = await this.#send(name, call);
    const payload = (await readJson(res)) as Envelope;
    if (res.ok && payload?.success === true) return payload.data as R;
    throw errorOf(res.status, payload, res.headers.get('retry-after'));
  }

  /** Sends an operation's request; no answer at all is a `network_error`. */
  async #send(name: OperationName, call: Call): Promise<Response> {
    const operation = OPERATIONS[name];
    const path = operation.path.replace(/\{(\w+)\}/g, (_, param: string) => {
      const value = call.params?.[param];
      if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: ${param} is missing`);
      return encodeURIComponent(value);
    });
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, ...call.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const fetcher = this.#fetch ?? globalThis.fetch;
    try {
      return await fetcher(`${this.baseUrl}${path}${queryString(call.query)}`, {
        method: operation.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: call.signal,
      });
    } catch (err) {
      if (call.signal?.aborted) throw err;
      throw networkError(`Cannot reach ${this.baseUrl}: ${describe(err)}`, err);
    }
  }
}

/**
 * Every item of a paged list, fetching the next page as the loop reaches it:
 * `for await (const run of paginate((cursor) => client.listRuns({ cursor, limit: 100 })))`.
 */
export async function* paginate<I>(
  page: (cursor: string | undefined) => Promise<{ items: I[]; next_cursor?: string }>
): AsyncGenerator<I, void, undefined> {
  let cursor: string | undefined;
  do {
    const current = await page(cursor);
    yield* current.items;
    cursor = current.next_cursor;
  } while (cursor);
}

const idempotency = (options: T.RunOptions): Record<string, string> =>
  options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };

/** `?a=1&b=x`: undefined and null left out, an array as one parameter per item. */
function queryString(query: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The body as JSON, or null when it is not JSON (or cannot be read). */
async function readJson(res: Response): Promise<unknown> {
  try {
    const value: unknown = await res.json();
    return value;
  } catch {
    return null;
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  const message = err instanceof Error ? err.message : String(err);
  return detail ? `${message} (${detail})` : message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}
