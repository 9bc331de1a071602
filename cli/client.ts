import fs from 'node:fs';
import type { Config } from '../platform/config';
import { devApiKeyFile, runningStack } from '../platform/data-dir';
import { StartupError } from '../platform/errors';
import { readEvents, type SseEvent } from './sse';

/** Where the REST commands go and as whom. */
export interface ApiTarget {
  url: string;
  key: string;
}

/**
 * `GENIE_API_URL` (else the running `npm start`'s API, else localhost:$PORT) and `GENIE_API_KEY`
 * (else the dev key `npm start` made in GENIE_DATA_DIR): right after `npm start` nothing needs setting.
 */
export function apiTarget(config: Config, env: NodeJS.ProcessEnv): ApiTarget {
  const url = (
    env.GENIE_API_URL?.trim() ||
    runningStack(config.dataDir)?.apiUrl ||
    `http://localhost:${config.PORT}`
  ).replace(/\/+$/, '');
  let key = env.GENIE_API_KEY?.trim();
  if (!key) {
    try {
      key = fs.readFileSync(devApiKeyFile(config.dataDir), 'utf8').trim();
    } catch {
      throw new StartupError(
        `No API key: set GENIE_API_KEY (make one with \`npm run cli -- api-key create --email EMAIL\`), or run \`npm start\` first for a dev key.`
      );
    }
  }
  return { url, key };
}

/** An answer of the API that is not a success. */
export class ApiCallError extends StartupError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(private readonly target: ApiTarget) {}

  get baseUrl(): string {
    return this.target.url;
  }

  /** Calls the API and returns its `data`; a failure throws an ApiCallError with the API's message. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.target.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.target.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new StartupError(
        `Cannot reach the API at ${this.target.url}: is \`npm start\` running? (GENIE_API_URL sets another)`
      );
    }
    const payload = (await res.json().catch(() => null)) as {
      success?: boolean;
      data?: T;
      error?: { code?: string; message?: string; details?: unknown };
    } | null;
    if (res.ok && payload?.success) return payload.data as T;
    const error = payload?.error ?? {};
    const fields = Array.isArray(error.details)
      ? ` (${(error.details as Array<{ field: string; message: string }>).map((d) => `${d.field}: ${d.message}`).join('; ')})`
      : '';
    const hint = res.status === 401 ? ' Check GENIE_API_KEY.' : '';
    throw new ApiCallError(
      res.status,
      error.code ?? 'error',
      `${error.message ?? `HTTP ${res.status}`}${fields}${hint}`,
      error.details
    );
  }

  /** Follows a run's event stream until `end` (reconnecting with Last-Event-ID if it drops). */
  async follow(runId: string, onEvent: (event: SseEvent) => void): Promise<void> {
    let lastId = 0;
    for (let attempt = 0; ; attempt++) {
      let ended = false;
      try {
        const res = await fetch(`${this.target.url}/v1/runs/${runId}/stream`, {
          headers: {
            authorization: `Bearer ${this.target.key}`,
            ...(lastId ? { 'last-event-id': String(lastId) } : {}),
          },
        });
        if (!res.ok || !res.body) {
          const payload = (await res.json().catch(() => null)) as {
            error?: { code?: string; message?: string };
          } | null;
          throw new ApiCallError(
            res.status,
            payload?.error?.code ?? 'error',
            payload?.error?.message ?? `HTTP ${res.status}`
          );
        }
        await readEvents(res.body, (event) => {
          if (event.id) lastId = Number(event.id);
          if (event.event === 'end') ended = true;
          onEvent(event);
        });
      } catch (err) {
        if (err instanceof ApiCallError || attempt >= 30) throw err;
      }
      if (ended) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
