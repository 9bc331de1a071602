import fs from 'node:fs';
import { Connection, type Client } from '@temporalio/client';
import { temporalAddress, type Config } from '../platform/config';
import { StartupError } from '../platform/errors';
import { SEARCH_ATTRIBUTE_KEYS } from './contract';

/** TLS settings, as both the client's `Connection` and the worker's `NativeConnection` take them. */
export interface TemporalTlsOptions {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** Where and how to reach Temporal: what `Connection.lazy` and `NativeConnection.connect` are given. */
export interface TemporalConnectionOptions {
  address: string;
  /** `true`: TLS with the system's CAs and no client certificate (an API key alone, as on Temporal Cloud). */
  tls?: TemporalTlsOptions | true;
  apiKey?: string;
}

function readPem(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new StartupError(`${variable} cannot be read (${(err as Error).message}).`);
  }
}

/**
 * The one place the TEMPORAL_* variables become connection options: TLS when any of
 * `TEMPORAL_TLS_CA`, `TEMPORAL_TLS_CERT`/`TEMPORAL_TLS_KEY`, `TEMPORAL_TLS_SERVER_NAME` or
 * `TEMPORAL_API_KEY` is set (an API key implies TLS), plain otherwise.
 */
export function temporalConnectionOptions(config: Config): TemporalConnectionOptions {
  const address = temporalAddress(config);
  const {
    TEMPORAL_TLS_CA: ca,
    TEMPORAL_TLS_CERT: cert,
    TEMPORAL_TLS_KEY: key,
    TEMPORAL_TLS_SERVER_NAME: serverName,
    TEMPORAL_API_KEY: apiKey,
  } = config;
  const tls: TemporalTlsOptions = {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: readPem('TEMPORAL_TLS_CA', ca) } : {}),
    ...(cert && key
      ? { clientCertPair: { crt: readPem('TEMPORAL_TLS_CERT', cert), key: readPem('TEMPORAL_TLS_KEY', key) } }
      : {}),
  };
  const tlsOn = Object.keys(tls).length > 0;
  return {
    address,
    ...(tlsOn ? { tls } : apiKey ? { tls: true as const } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** What went wrong reaching Temporal: a `kind` to compare, and one line for people. */
export interface TemporalProblem {
  kind: string;
  line: string;
}

/** The messages of an error and its causes (gRPC `details`, the native core's text), on one line. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (typeof current !== 'object') {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current));
      break;
    }
    const { message, details, cause } = current as { message?: unknown; details?: unknown; cause?: unknown };
    if (typeof details === 'string' && details) parts.push(details);
    else if (typeof message === 'string' && message) parts.push(message);
    current = cause;
  }
  return parts.join(': ');
}

/** Shortens what gRPC, OpenSSL and the native core say to what matters, on one line. */
function tidy(text: string): string {
  const line = text
    .replace(/[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):\S*?(?::(SSL alert number \d+))?(?=\s|$)/g, '$1')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, '')
    .replace(/\s*Resolution note:\s*/g, ' ')
    .replace(/^Failed to connect to Temporal server: /, '')
    .replace(/No connection established\. Last error: (Error: )?/g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:])(?= |$)/g, '$1')
    .replace(/[\s.:]+$/, '')
    .trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

const PEER_REFUSED_CERT =
  /alert (certificate required|bad certificate|unknown ca|certificate unknown|unsupported certificate|access denied|certificate revoked|certificate expired|handshake failure)|fatal alert: ?(CertificateRequired|BadCertificate|UnknownCA|CertificateUnknown|UnsupportedCertificate|AccessDenied|CertificateRevoked|CertificateExpired|HandshakeFailure)/i;
const UNTRUSTED =
  /UnknownIssuer|self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate verify failed|BadSignature/i;
const WRONG_NAME = /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate|NotValidForName|hostname mismatch/i;
const EXPIRED = /certificate has expired|certificate is not yet valid|InvalidCertificate\((Expired|NotValidYet)/i;
const NOT_TLS =
  /wrong version number|InvalidContentType|packet length too long|http request|CorruptMessage|record overflow/i;
const UNAUTHENTICATED = /UNAUTHENTICATED|valid authentication credentials|unauthorized/i;
const PERMISSION = /PERMISSION_DENIED|does not have permission|PermissionDenied/i;
const NO_NAMESPACE = /namespace[^:]* (is )?not found|NamespaceNotFound/i;
const REFUSED = /ECONNREFUSED|ConnectionRefused|connection refused/i;
const NO_HOST =
  /ENOTFOUND|EAI_AGAIN|dns error|failed to lookup address|name resolution failed|name or service not known/i;
const CLOSED =
  /Failed to connect$|broken pipe|ECONNRESET|connection reset|socket hang up|Connection dropped|protocol error|stream closed|connection closed/i;
const TIMEOUT = /deadline exceeded|DEADLINE_EXCEEDED|timed out|ETIMEDOUT|timeout/i;

/**
 * One readable line for a failure to reach Temporal, naming the variable most likely at fault:
 * "Cannot connect to Temporal at host:port over TLS: <explanation> (<what the SDK said>)".
 */
export function describeTemporalProblem(
  err: unknown,
  options: TemporalConnectionOptions,
  namespace?: string
): TemporalProblem {
  const raw = tidy(errorText(err));
  const code = (err as { code?: unknown } | undefined)?.code;
  const tls = options.tls !== undefined;
  const tlsOptions = typeof options.tls === 'object' ? options.tls : {};
  const hasCa = tlsOptions.serverRootCACertificate !== undefined;
  const hasCert = tlsOptions.clientCertPair !== undefined;
  const serverName = tlsOptions.serverNameOverride ?? options.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const explain = (kind: string, explanation: string): TemporalProblem => ({
    kind,
    line: `Cannot connect to Temporal at ${options.address}${tls ? ' over TLS' : ''}: ${explanation} (${raw})`,
  });

  if (code === 16 || UNAUTHENTICATED.test(raw)) {
    if (options.apiKey)
      return explain('api-key', 'the server refused TEMPORAL_API_KEY (a wrong, expired or revoked key?)');
    if (hasCert)
      return explain(
        'unauthenticated',
        'the server did not accept the client certificate (TEMPORAL_TLS_CERT) as credentials; does it want TEMPORAL_API_KEY?'
      );
    return explain(
      'unauthenticated',
      'the server requires credentials: set TEMPORAL_API_KEY (Temporal Cloud API key) or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (mTLS)'
    );
  }
  if (code === 7 || PERMISSION.test(raw)) {
    const who = options.apiKey
      ? 'TEMPORAL_API_KEY'
      : hasCert
        ? 'the client certificate (TEMPORAL_TLS_CERT)'
        : 'this client';
    return explain(
      'permission',
      `${who} is not allowed to do this${namespace ? ` on namespace "${namespace}"` : ''}: check TEMPORAL_NAMESPACE and the permissions of ${who}`
    );
  }
  if (code === 5 || NO_NAMESPACE.test(raw)) {
    return explain('namespace', `the namespace "${namespace ?? '?'}" does not exist there: check TEMPORAL_NAMESPACE`);
  }
  if (tls && PEER_REFUSED_CERT.test(raw)) {
    return hasCert
      ? explain(
          'client-cert',
          'the server refused the client certificate TEMPORAL_TLS_CERT (not signed by a CA it trusts, expired, or not for client auth?)'
        )
      : explain(
          'client-cert',
          'the server requires a client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (mTLS)'
        );
  }
  if (tls && UNTRUSTED.test(raw)) {
    return hasCa
      ? explain('server-ca', "the server's certificate is not signed by TEMPORAL_TLS_CA")
      : explain(
          'server-ca',
          "the server's certificate is not signed by a CA this system trusts: set TEMPORAL_TLS_CA to the CA that signed it"
        );
  }
  if (tls && WRONG_NAME.test(raw)) {
    return explain(
      'server-name',
      `the server's certificate is not valid for the name "${serverName}": set TEMPORAL_TLS_SERVER_NAME to a name it carries`
    );
  }
  if (tls && EXPIRED.test(raw)) {
    return explain('server-expired', "the server's certificate has expired or is not valid yet (is the clock right?)");
  }
  if (tls && NOT_TLS.test(raw)) {
    return explain(
      'not-tls',
      'the server does not speak TLS there: check TEMPORAL_ADDRESS, or unset TEMPORAL_TLS_* and TEMPORAL_API_KEY for a plain server'
    );
  }
  if (REFUSED.test(raw)) {
    return explain('refused', 'nothing accepts connections there: is Temporal up, and is TEMPORAL_ADDRESS right?');
  }
  if (NO_HOST.test(raw)) {
    return explain('no-host', 'the host name does not resolve: check TEMPORAL_ADDRESS');
  }
  if (!tls && CLOSED.test(raw)) {
    return explain(
      'closed',
      'the server closed the connection; if it expects TLS, set TEMPORAL_TLS_CA (and TEMPORAL_TLS_CERT/KEY for mTLS) or TEMPORAL_API_KEY (Temporal Cloud)'
    );
  }
  if (tls && CLOSED.test(raw)) {
    return explain(
      'closed',
      hasCert
        ? 'the server closed the connection during TLS (did it refuse TEMPORAL_TLS_CERT?)'
        : 'the server closed the connection during TLS; it probably requires a client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (mTLS)'
    );
  }
  if (code === 4 || TIMEOUT.test(raw)) {
    return explain('timeout', 'no answer in time: is TEMPORAL_ADDRESS right and reachable from here?');
  }
  return { kind: 'other', line: `Cannot connect to Temporal at ${options.address}${tls ? ' over TLS' : ''}: ${raw}` };
}

/** A `StartupError` (printed as one line) for a failure to reach Temporal. */
export function temporalStartupError(
  err: unknown,
  options: TemporalConnectionOptions,
  namespace?: string
): StartupError {
  return new StartupError(describeTemporalProblem(err, options, namespace).line);
}

const optionsOfConnection = new WeakMap<Connection, TemporalConnectionOptions>();

/** Remembers how `connection` was made, for `diagnoseTemporal` (createTemporalClient calls it). */
export function rememberConnectionOptions(connection: Connection, options: TemporalConnectionOptions): void {
  optionsOfConnection.set(connection, options);
}

/** The options `client`'s connection was made with (its address alone if it was made elsewhere). */
function connectionOptionsOf(client: Client): TemporalConnectionOptions {
  const connection = client.connection;
  if (!(connection instanceof Connection)) return { address: 'the configured address' };
  return optionsOfConnection.get(connection) ?? { address: connection.options.address };
}

/**
 * A connection that tries each call once: its errors say why (a TLS or credential problem), where a
 * retrying client's end, under a deadline, as "deadline exceeded".
 */
async function withProbe<T>(options: TemporalConnectionOptions, fn: (c: Connection) => Promise<T>): Promise<T> {
  const connection = Connection.lazy({ ...options, interceptors: [], connectTimeout: '5s' });
  try {
    return await fn(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * Why `client` cannot reach Temporal, after `err` from one of its calls. A retried call ends as
 * "deadline exceeded" or "unavailable", which hides the reason, so one probe call finds it.
 */
export async function diagnoseTemporal(client: Client, err: unknown, timeoutMs = 3000): Promise<TemporalProblem> {
  const options = connectionOptionsOf(client);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code !== 4 && code !== 14 && code !== undefined) return describeTemporalProblem(err, options);
  try {
    await withProbe(options, (connection) =>
      connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}))
    );
  } catch (probeErr) {
    return describeTemporalProblem(probeErr, options);
  }
  return describeTemporalProblem(err, options);
}

export interface TemporalCheck {
  address: string;
  /** `plain`, or TLS with what this side presents. */
  security: string;
  serverVersion: string;
  namespace: string;
  /** Each genie search attribute and whether the namespace has it. */
  searchAttributes: { name: string; registered: boolean }[];
}

/**
 * `temporal check`: connects as the API and the worker do and reads the server's version, the
 * namespace and its search attributes. Throws a `StartupError` (one line) when it cannot.
 */
export async function checkTemporal(config: Config, timeoutMs = 10_000): Promise<TemporalCheck> {
  const options = temporalConnectionOptions(config);
  const namespace = config.TEMPORAL_NAMESPACE;
  const tls = typeof options.tls === 'object' ? options.tls : {};
  const presented = [
    tls.serverRootCACertificate ? 'server verified against TEMPORAL_TLS_CA' : 'server verified against the system CAs',
    ...(tls.clientCertPair ? ['client certificate'] : []),
    ...(options.apiKey ? ['API key'] : []),
  ];
  const security = options.tls === undefined ? 'plain (no TLS)' : `TLS (${presented.join(', ')})`;
  try {
    return await withProbe(options, (connection) =>
      connection.withDeadline(Date.now() + timeoutMs, async () => {
        const info = await connection.workflowService.getSystemInfo({});
        const described = await connection.workflowService.describeNamespace({ namespace });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        return {
          address: options.address,
          security,
          serverVersion: info.serverVersion || 'unknown',
          namespace: described.namespaceInfo?.name ?? namespace,
          searchAttributes: SEARCH_ATTRIBUTE_KEYS.map((key) => ({
            name: key.name,
            registered: Boolean(customAttributes?.[key.name]),
          })),
        };
      })
    );
  } catch (err) {
    throw temporalStartupError(err, options, namespace);
  }
}

/** Problems that may pass on their own (Temporal still starting), unlike a TLS or credential one. */
const TRANSIENT = new Set(['refused', 'no-host', 'timeout']);

/**
 * Runs `connect` (the worker's `NativeConnection.connect`), again while Temporal is unreachable
 * for up to `patienceMs`; any other failure, or one that outlasts it, is a `StartupError` of one
 * line naming the likely variable.
 */
export async function connectPatiently<T>(
  connect: () => Promise<T>,
  options: TemporalConnectionOptions,
  onRetry: (problem: TemporalProblem) => void = () => undefined,
  patienceMs = 20_000
): Promise<T> {
  const deadline = Date.now() + patienceMs;
  let reported: string | undefined;
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      const problem = describeTemporalProblem(err, options);
      if (!TRANSIENT.has(problem.kind) || Date.now() >= deadline) throw new StartupError(problem.line);
      if (problem.kind !== reported) onRetry(problem);
      reported = problem.kind;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
