import type { PriceTable } from '../../domain/prices';
import crypto from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../platform/logger';
import type { FetchPolicy } from '../../fetch/ssrf';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import type { RateLimits } from '../../api/middleware/rate-limit';
import { close, listen } from '../../api/server';
import { createApiKey } from '../../db/repositories/api-keys';
import { findOrCreateUserByEmail } from '../../db/repositories/users';
import { createDb, type Db } from '../../db';
import { RunEventListener } from '../../db/run-listener';
import type { RunStreamTimings } from '../../api/services/run-stream';
import { TEST_PAYLOAD_KEYS, testDataConverter, testVault } from './keys';
import { parseKeys } from '../../security/encryption-keys';
import { AesGcmPayloadCodec } from '../../security/payload-codec';

export interface TestUser {
  id: string;
  email: string;
  key: string;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Harness {
  url: string;
  db: Db;
  temporal: Client;
  /** A new user with its own API key; every test gets its own so tests never see each other. */
  createUser(label?: string): Promise<TestUser>;
  /** Calls the API over real HTTP. `body` objects are sent as JSON; strings are sent as they are. */
  call<T = any>(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> }
  ): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** What a harness may be started with; every option has a default. */
export interface HarnessOptions {
  temporalAddress?: string;
  taskQueue?: string;
  fetchPolicy?: FetchPolicy;
  /** The price table (the shipped one unless given). */
  prices?: PriceTable;
  logStream?: DestinationStream;
  /** The suite sends thousands of requests from one address: limits are high unless a test sets them. */
  rateLimits?: RateLimits;
  streamTimings?: RunStreamTimings;
  /** The codec server's token (none: loopback callers only, as in the dev stack). */
  codecToken?: string;
  /** Networks whose callers need no codec token. */
  codecAllowNetworks?: string[];
  /** `GENIE_METRICS_TOKEN`: `/metrics` wants it as a bearer token (none: open). */
  metricsToken?: string;
  /** GENIE_TRUST_PROXY. */
  trustProxy?: number | string[];
}

/** The real API app on a free port, against the suite's Postgres and Temporal. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = createDb(process.env.DATABASE_URL!);
  const connection = Connection.lazy({ address: options.temporalAddress ?? process.env.TEMPORAL_ADDRESS! });
  const temporal = new Client({ connection, dataConverter: testDataConverter() });
  const runEvents = new RunEventListener(db);
  const logger = options.logStream
    ? createLogger({ LOG_LEVEL: 'trace' }, 'api', options.logStream)
    : createLogger({ LOG_LEVEL: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' }, 'api');
  const app = createApp({
    db,
    temporal,
    logger,
    namespace: 'default',
    temporalUiUrl: 'http://localhost:8233',
    taskQueue: options.taskQueue ?? 'test-no-worker',
    vault: testVault(),
    fetchPolicy: options.fetchPolicy ?? { allowHosts: [] },
    ...(options.prices ? { prices: options.prices } : {}),
    rateLimits: options.rateLimits ?? { perKeyPerMinute: 1_000_000, failedAuthPerMinute: 1_000_000 },
    runEvents,
    streamTimings: options.streamTimings,
    metricsToken: options.metricsToken,
    trustProxy: options.trustProxy,
    codecServer: {
      codec: new AesGcmPayloadCodec(parseKeys(TEST_PAYLOAD_KEYS), { plain: 'pass' }),
      token: options.codecToken,
      allowLoopback: options.codecToken === undefined,
      allowNetworks: options.codecAllowNetworks,
      corsOrigins: ['http://localhost:8233'],
    },
  });
  const server: http.Server = await listen(app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    db,
    temporal,
    async createUser(label = 'user') {
      const email = `${label}-${crypto.randomUUID()}@example.test`;
      const user = await findOrCreateUserByEmail(db, email);
      const { key } = await createApiKey(db, user.id, 'test');
      return { id: user.id, email, key };
    },
    async call(method, path, { key, body, headers = {} } = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (key) (init.headers as Record<string, string>).authorization = `Bearer ${key}`;
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, init);
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // leave as text: tests assert that every answer is JSON
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async close() {
      await close(server, 1000);
      await runEvents.stop();
      await connection.close();
      await db.destroy();
    },
  };
}
