import { isIP } from 'node:net';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { ConfigError } from './errors';
import { parseKeySpec } from './key-spec';
import { priceTableFor, readPriceTable } from './prices';
import type { PriceTable } from '../domain/prices';

const isNetwork = (entry: string) => ipaddr.isValid(entry) || ipaddr.isValidCIDR(entry);

/** Default Claude model for genies that name none. */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const postgresUrl = optionalString.refine(
  (v) => v === undefined || /^postgres(ql)?:\/\/.+/.test(v),
  'must be a postgres:// URL'
);

const hostPort = optionalString.refine(
  (v) => v === undefined || /^[^\s:/]+:\d{1,5}$/.test(v) || /^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(v),
  'must be host:port'
);

const httpUrl = optionalString.refine((v) => v === undefined || /^https?:\/\/.+/.test(v), 'must be an http(s) URL');

const smtpUrl = optionalString.refine((v) => v === undefined || /^smtps?:\/\/.+/.test(v), 'must be an smtp:// URL');

const keySpec = optionalString.superRefine((v, ctx) => {
  const parsed = v === undefined ? undefined : parseKeySpec(v);
  if (parsed && 'problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
});

const csv = optionalString.transform((v) =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
);

/**
 * Every environment variable the service reads. Services receive a parsed `Config`; only entry
 * points and the dev stack (which passes the environment on to its children) touch `process.env`.
 */
export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port(3000),
  GENIE_DATA_DIR: optionalString.transform((v) => v ?? './.data'),
  DATABASE_URL: postgresUrl,
  TEMPORAL_ADDRESS: hostPort,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('worker-genies'),
  /** mTLS: the client certificate and its private key (PEM files), given together. */
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  /** PEM file of the CA that signed the server's certificate (unset: the system's CAs). */
  TEMPORAL_TLS_CA: optionalString,
  /** The name to expect on the server's certificate (and send as SNI), when not the address's host. */
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** Temporal Cloud API key (sent as a bearer token); implies TLS. */
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  /** Public URL of the Temporal UI, used for `temporal_ui_url` on runs. Defaults to the embedded UI. */
  TEMPORAL_UI_URL: httpUrl,
  /** The URL owners reach the API at (links in approval emails). Defaults to http://localhost:$PORT. */
  GENIE_PUBLIC_URL: httpUrl,
  TEMPORAL_CLI_PATH: optionalString,
  GENIE_PG_PORT: port(5433),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: httpUrl,
  GENIE_MODEL: z.string().min(1).default(DEFAULT_MODEL),
  GENIE_ENCRYPTION_KEYS: keySpec,
  /** Keys of the Temporal payload codec (same format); generated into the data dir in development. */
  GENIE_PAYLOAD_KEYS: keySpec,
  /** Bearer token the codec server (`/codec/*`) requires; unset: loopback callers only, and not in production. */
  /** Networks (CIDRs, addresses) whose callers may use the codec server without the token. */
  GENIE_CODEC_ALLOW_NETWORKS: csv.superRefine((entries, ctx) => {
    const bad = entries.filter((e) => !isNetwork(e));
    if (bad.length > 0)
      ctx.addIssue({ code: 'custom', message: `has entries that are not CIDRs or IP addresses: ${bad.join(', ')}` });
  }),
  GENIE_CODEC_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be 16 characters or more'),
  /** Bearer token `/metrics` (the API's and the worker's) requires; unset: open to whoever reaches it. */
  GENIE_METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be 16 characters or more'),
  GENIE_FETCH_ALLOW_HOSTS: csv,
  /** A JSON price table (`{"items": [{id, input_usd_per_mtok, …}]}`) replacing the shipped one. */
  GENIE_PRICES_FILE: optionalString,
  /**
   * Reverse proxies in front of the API whose `X-Forwarded-For` gives the client's address: a hop
   * count (`1`: one proxy), or the proxies' addresses and CIDRs. Unset: the socket's address is the
   * client's (a forged header changes nothing).
   */
  GENIE_TRUST_PROXY: optionalString.transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (/^\d+$/.test(v)) return Number(v);
    const entries = v
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.filter((e) => !isNetwork(e) && !['loopback', 'linklocal', 'uniquelocal'].includes(e));
    if (bad.length > 0 || entries.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a hop count or proxy addresses/CIDRs (loopback, linklocal, uniquelocal allowed); not: ${bad.join(', ') || v}`,
      });
      return z.NEVER;
    }
    return entries;
  }),
  SMTP_URL: smtpUrl,
  /** Sender of notification emails. */
  SMTP_FROM: z.string().min(3).default('Worker Genies <genies@localhost>'),
  /** notify_owner calls one run may make (a looping genie cannot flood an inbox). */
  GENIE_NOTIFY_MAX_PER_RUN: z.coerce.number().int().min(1).max(1000).default(20),
  /** Requests one API key may make per minute, counted across every API process. */
  GENIE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Failed authentications one client address may make per minute before it is refused (429). */
  GENIE_AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** `npm start`: the first wait before restarting a child that died (doubles up to 30 s). */
  GENIE_RESTART_BACKOFF_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** The worker's Prometheus `/metrics` (genie metrics and the Temporal SDK's); 0 turns it off. */
  GENIE_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** The address the worker's `/metrics` listens on: loopback unless told (`0.0.0.0` in a container). */
  GENIE_WORKER_METRICS_HOST: optionalString
    .transform((v) => v ?? '127.0.0.1')
    .refine((v) => isIP(v) !== 0, 'must be an IP address'),
  /**
   * Runs a worker keeps in memory between their steps (Temporal's sticky workflow cache; each costs
   * about 1 MB). Past it, the least recently used run is evicted and replayed from its history when
   * it next has work: less memory, more CPU. Unset: the SDK's default, sized from the heap limit.
   */
  GENIE_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(100_000).optional(),
  /** OTLP/HTTP endpoint (e.g. http://collector:4318): turns OpenTelemetry traces on. */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one object per line), `pretty` (coloured, one readable line), or `auto`: pretty on a terminal. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export type Config = z.infer<typeof ConfigSchema> & {
  dataDir: string;
  /** The prices runs are costed by (GENIE_PRICES_FILE's, or the shipped table). */
  prices: PriceTable;
  /** GENIE_PG_PORT was set (not the default): commands must not look for a running stack's port. */
  pgPortGiven: boolean;
};

/** What is wrong with the PEM file a TEMPORAL_TLS_* variable names, if anything. */
function pemProblem(file: string, kind: 'certificate' | 'key'): string | undefined {
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `names a file that cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)})`;
  }
  try {
    if (kind === 'certificate') new crypto.X509Certificate(pem);
    else crypto.createPrivateKey(pem);
    return undefined;
  } catch {
    return `is not a PEM ${kind === 'certificate' ? 'certificate' : 'private key'}`;
  }
}

function pemPairMatches(certFile: string, keyFile: string): boolean {
  const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
  return cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(keyFile)));
}

/** Rules across variables: production needs its own encryption keys; TLS files must be readable PEM. */
const ConfigRules = ConfigSchema.superRefine((config, ctx) => {
  if (config.GENIE_PRICES_FILE) {
    const read = readPriceTable(config.GENIE_PRICES_FILE);
    if ('problem' in read) ctx.addIssue({ code: 'custom', path: ['GENIE_PRICES_FILE'], message: read.problem });
  }
  for (const name of ['GENIE_ENCRYPTION_KEYS', 'GENIE_PAYLOAD_KEYS'] as const) {
    if (config.NODE_ENV === 'production' && !config[name]) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'is required in production' });
    }
  }
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key } = config;
  if (cert && !key)
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: 'is required with TEMPORAL_TLS_CERT' });
  if (key && !cert)
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CERT'], message: 'is required with TEMPORAL_TLS_KEY' });
  const files = [
    ['TEMPORAL_TLS_CERT', 'certificate'],
    ['TEMPORAL_TLS_KEY', 'key'],
    ['TEMPORAL_TLS_CA', 'certificate'],
  ] as const;
  let filesOk = true;
  for (const [name, kind] of files) {
    const problem = config[name] === undefined ? undefined : pemProblem(config[name], kind);
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    filesOk &&= problem === undefined;
  }
  if (cert && key && filesOk && !pemPairMatches(cert, key))
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: 'is not the key of TEMPORAL_TLS_CERT' });
});

export { ConfigError };

/** Parses an environment into a `Config`, throwing a `ConfigError` that names each bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = ConfigRules.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const raw = env[name];
      const secret = /KEY|URL|SECRET|TOKEN/.test(name) && name !== 'TEMPORAL_TLS_KEY'; // that one is a path
      const shown = raw === undefined ? 'unset' : secret ? 'given' : JSON.stringify(raw);
      return `${name} ${issue.message} (${shown})`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return {
    ...result.data,
    dataDir: path.resolve(result.data.GENIE_DATA_DIR),
    pgPortGiven: Boolean(env.GENIE_PG_PORT?.trim()),
    prices: priceTableFor(result.data.GENIE_PRICES_FILE),
  };
}

let cached: Config | undefined;

/**
 * The process's configuration, parsed once from `process.env`. On a bad variable it prints one line
 * naming it and exits with status 1: entry points call this first so they fail at boot, not later.
 */
export function getConfig(): Config {
  if (cached) return cached;
  try {
    cached = parseConfig(process.env);
    return cached;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** The URL owners reach the API at, without a trailing slash (for links in emails). */
/**
 * Pages that may call the codec server from a browser: the Temporal UI, by its configured URL and,
 * for the embedded one, by both loopback names.
 */
export function codecCorsOrigins(config: Config): string[] {
  const origins = new Set([new URL(temporalUiUrl(config)).origin]);
  if (!config.TEMPORAL_UI_URL) {
    origins.add(`http://localhost:${config.TEMPORAL_UI_PORT}`);
    origins.add(`http://127.0.0.1:${config.TEMPORAL_UI_PORT}`);
  }
  return [...origins];
}

export function publicUrl(config: Config): string {
  return (config.GENIE_PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
}

/** The frontend address: `TEMPORAL_ADDRESS`, or the embedded dev server on `TEMPORAL_DEV_PORT`. */
export function temporalAddress(config: Config): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`;
}

/** Whether lines are written for people: `LOG_FORMAT=pretty`, or `auto` with stdout on a terminal. */
export function logsArePretty(config: Partial<Pick<Config, 'LOG_FORMAT'>>): boolean {
  const format = config.LOG_FORMAT ?? 'auto';
  return format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
}

/** The URL of the Temporal UI that operators should open. */
export function temporalUiUrl(config: Config): string {
  return config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`;
}
