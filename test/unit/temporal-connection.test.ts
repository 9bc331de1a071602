import fs from 'node:fs';
import { parseConfig } from '../../platform/config';
import {
  describeTemporalProblem,
  temporalConnectionOptions,
  type TemporalConnectionOptions,
} from '../../temporal/connection';
import { makeTestCertificates, type TestCertificates } from '../support/temporal-tls-proxy';

let certs: TestCertificates;
beforeAll(() => {
  certs = makeTestCertificates();
});
afterAll(() => certs.remove());

describe('temporalConnectionOptions', () => {
  it('is a plain connection to TEMPORAL_ADDRESS when no TLS variable is set', () => {
    expect(temporalConnectionOptions(parseConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({
      address: 'temporal:7233',
    });
  });

  it('turns TLS on with the system CAs for an API key alone (Temporal Cloud)', () => {
    const config = parseConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' });
    expect(temporalConnectionOptions(config)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: true, apiKey: 'k' });
  });

  it('reads the CA, the client pair and the server name for mTLS', () => {
    const config = parseConfig({
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    expect(temporalConnectionOptions(config)).toEqual({
      address: '127.0.0.1:7233',
      tls: {
        serverNameOverride: 'localhost',
        serverRootCACertificate: fs.readFileSync(certs.ca),
        clientCertPair: { crt: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey) },
      },
    });
  });
});

describe('describeTemporalProblem', () => {
  const mtls: TemporalConnectionOptions = {
    address: '127.0.0.1:7233',
    tls: {
      serverRootCACertificate: Buffer.from('ca'),
      clientCertPair: { crt: Buffer.from('c'), key: Buffer.from('k') },
    },
  };
  const caOnly: TemporalConnectionOptions = {
    address: '127.0.0.1:7233',
    tls: { serverRootCACertificate: Buffer.from('ca') },
  };
  const cloud: TemporalConnectionOptions = { address: 'ns.acct.tmprl.cloud:7233', tls: true, apiKey: 'k' };
  const plain: TemporalConnectionOptions = { address: '127.0.0.1:7233' };
  const grpc = (code: number, details: string) => Object.assign(new Error(`${code}: ${details}`), { code, details });
  const native = (message: string) => Object.assign(new Error(message), { name: 'TransportError' });

  it.each(
    (
      [
        // What the client (grpc-js) and the worker (the Rust core) say, and the variable to name.
        [
          mtls,
          grpc(
            14,
            'No connection established. Last error: Error: self-signed certificate in certificate chain. Resolution note: '
          ),
          'server-ca',
          'not signed by TEMPORAL_TLS_CA',
        ],
        [
          mtls,
          native(
            'tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))'
          ),
          'server-ca',
          'not signed by TEMPORAL_TLS_CA',
        ],
        [cloud, native('InvalidCertificate(UnknownIssuer)'), 'server-ca', 'set TEMPORAL_TLS_CA'],
        [
          caOnly,
          grpc(
            14,
            'No connection established. Last error: 80FCC86D627F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n (2026-12-05T20:21:03.294Z). Resolution note: '
          ),
          'client-cert',
          'set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
        ],
        [
          caOnly,
          native('Failed to call GetSystemInfo: transport error: received fatal alert: CertificateRequired'),
          'client-cert',
          'TEMPORAL_TLS_CERT',
        ],
        [
          mtls,
          native('received fatal alert: UnknownCA'),
          'client-cert',
          'refused the client certificate TEMPORAL_TLS_CERT',
        ],
        [
          mtls,
          grpc(14, "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames"),
          'server-name',
          'TEMPORAL_TLS_SERVER_NAME',
        ],
        [
          mtls,
          native('InvalidCertificate(NotValidForNameContext { expected: DnsName("x") })'),
          'server-name',
          'TEMPORAL_TLS_SERVER_NAME',
        ],
        [caOnly, grpc(14, 'SSL routines:ssl3_get_record:wrong version number'), 'not-tls', 'does not speak TLS'],
        [
          caOnly,
          native('ConnectError(Custom { kind: InvalidData, error: InvalidMessage(InvalidContentType) })'),
          'not-tls',
          'does not speak TLS',
        ],
        [cloud, grpc(16, 'Request unauthorized'), 'api-key', 'refused TEMPORAL_API_KEY'],
        [
          cloud,
          native("Failed to call GetSystemInfo: code: 'The request does not have valid authentication credentials'"),
          'api-key',
          'TEMPORAL_API_KEY',
        ],
        [caOnly, grpc(16, 'Request unauthenticated'), 'unauthenticated', 'set TEMPORAL_API_KEY'],
        [
          plain,
          grpc(14, 'No connection established. Last error: Failed to connect (2026-12-05T20:21:11.857Z)'),
          'closed',
          'TEMPORAL_TLS_CA',
        ],
        [plain, grpc(14, 'connect ECONNREFUSED 127.0.0.1:7233'), 'refused', 'TEMPORAL_ADDRESS'],
        [
          caOnly,
          native('hyper::Error(Io, Custom { kind: BrokenPipe, error: "stream closed because of a broken pipe" })'),
          'closed',
          'client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
        ],
        [
          caOnly,
          native('Failed to call GetSystemInfo: transport error: hyper::Error(Canceled, "connection closed")'),
          'closed',
          'client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
        ],
        [plain, grpc(5, 'Namespace nope is not found'), 'namespace', 'TEMPORAL_NAMESPACE'],
      ] as [TemporalConnectionOptions, Error, string, string][]
    ).map(([options, err, kind, hint]) => ({ options, err, kind, hint }))
  )('$kind: the line says "$hint"', ({ options, err, kind, hint }) => {
    const problem = describeTemporalProblem(err, options, 'nope');
    expect(problem.kind).toBe(kind);
    expect(problem.line).toContain(hint);
    expect(problem.line).toMatch(new RegExp(`^Cannot connect to Temporal at ${options.address.replace(/\./g, '\\.')}`));
    expect(problem.line).not.toContain('\n');
    expect(problem.line).not.toMatch(/deps\/openssl|Resolution note|2026-12-05/);
  });
});
