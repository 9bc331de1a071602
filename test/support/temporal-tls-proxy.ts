import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { freePort } from '../../platform/ports';

/** PEM files made by `makeTestCertificates` (paths), for the TEMPORAL_TLS_* variables. */
export interface TestCertificates {
  dir: string;
  /** The CA that signed the server's and the client's certificates. */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here (a "wrong CA"). */
  otherCa: string;
  /** Removes the directory. */
  remove(): void;
}

const LEAF = (usage: 'serverAuth' | 'clientAuth', san: string) =>
  [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${usage}`,
    `subjectAltName = ${san}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    '',
  ].join('\n');

/**
 * A CA, a server certificate (localhost, 127.0.0.1) and a client certificate it signed, and an
 * unrelated CA, made with the `openssl` CLI in a temp dir (P-256 keys, v3 extensions as rustls
 * wants them). Call `remove()` when done.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genie-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string, cn: string) =>
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.pem`),
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign'
    );
  const makeLeaf = (name: string, cn: string, extensions: string) => {
    fs.writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      'req',
      '-new',
      ...newKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      `/CN=${cn}`
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.pem`)
    );
  };
  try {
    makeCa('ca', 'Genie Test CA');
    makeCa('other-ca', 'Unrelated Test CA');
    makeLeaf('server', 'localhost', LEAF('serverAuth', 'DNS:localhost, IP:127.0.0.1'));
    makeLeaf('client', 'genie-worker', LEAF('clientAuth', 'DNS:genie-worker'));
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    otherCa: file('other-ca.pem'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsProxyOptions {
  /** The plain Temporal frontend to forward to (host:port). */
  target: string;
  certs: TestCertificates;
  /** Require a client certificate signed by the test CA (mTLS). */
  requireClientCert?: boolean;
  /** Require `authorization: Bearer <apiKey>` on every call (gRPC UNAUTHENTICATED otherwise). */
  apiKey?: string;
}

// Headers HTTP/2 forbids a proxy to pass on, and the pseudo-headers it sets itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

function forwardable(headers: http2.IncomingHttpHeaders, keep: string[] = []): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (name.startsWith(':') && !keep.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * A gRPC-aware TLS front for the plain Temporal dev server, as a secured Temporal (mTLS, or
 * Temporal Cloud's API keys) looks to a client: an HTTP/2 TLS server on 127.0.0.1 that forwards
 * each stream to the target over plain HTTP/2, with its headers, bodies and gRPC trailers.
 */
export class TemporalTlsProxy {
  port = 0;
  /** Calls answered UNAUTHENTICATED for a missing or wrong API key. */
  rejectedCalls = 0;
  /** Calls forwarded to the target. */
  forwardedCalls = 0;
  private upstream: http2.ClientHttp2Session | undefined;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly server: http2.Http2SecureServer;

  constructor(private readonly options: TlsProxyOptions) {
    const { certs } = options;
    this.server = http2.createSecureServer({
      key: fs.readFileSync(certs.serverKey),
      cert: fs.readFileSync(certs.serverCert),
      ca: fs.readFileSync(certs.ca),
      requestCert: options.requireClientCert === true,
      rejectUnauthorized: options.requireClientCert === true,
      ALPNProtocols: ['h2'],
    });
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', () => undefined);
    });
    this.server.on('tlsClientError', () => undefined); // a refused client is the point of some tests
    this.server.on('stream', (stream, headers) => this.forward(stream, headers));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const port = await freePort();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    this.upstream?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private target(): http2.ClientHttp2Session {
    if (!this.upstream || this.upstream.closed || this.upstream.destroyed) {
      const session = http2.connect(`http://${this.options.target}`);
      session.on('error', () => undefined);
      session.once('close', () => {
        if (this.upstream === session) this.upstream = undefined;
      });
      this.upstream = session;
    }
    return this.upstream;
  }

  private forward(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    if (this.options.requireClientCert && !(stream.session?.socket as TLSSocket | undefined)?.authorized) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (this.options.apiKey !== undefined && headers.authorization !== `Bearer ${this.options.apiKey}`) {
      this.rejectedCalls++;
      stream.resume(); // drain the request
      // A trailers-only gRPC answer, as Temporal Cloud gives for a bad key.
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '16',
          'grpc-message': headers.authorization ? 'Request unauthorized: invalid API key' : 'Request unauthenticated',
        },
        { endStream: true }
      );
      return;
    }
    this.forwardedCalls++;
    const upstream = this.target().request(forwardable(headers, [':method', ':path']), { endStream: false });
    let trailers: http2.OutgoingHttpHeaders | undefined;
    upstream.on('trailers', (received) => (trailers = forwardable(received)));
    upstream.on('response', (received, flags) => {
      if (stream.destroyed) return;
      const responseHeaders = forwardable(received, [':status']);
      // gRPC answers an error as trailers only: one header block that ends the stream.
      if ((flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
        stream.respond(responseHeaders, { endStream: true });
        return;
      }
      stream.respond(responseHeaders, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers(trailers ?? { 'grpc-status': '0' }));
      upstream.pipe(stream);
    });
    upstream.on('error', () => {
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    stream.on('close', () => {
      if (!upstream.destroyed) upstream.close(http2.constants.NGHTTP2_CANCEL);
    });
    stream.pipe(upstream);
  }
}
