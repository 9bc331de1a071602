import path from 'node:path';
import { ConfigError, parseConfig, temporalUiUrl } from '../../platform/config';
import { makeTestCertificates, type TestCertificates } from '../support/temporal-tls-proxy';

describe('parseConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      GENIE_DATA_DIR: './.data',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'worker-genies',
      TEMPORAL_DEV_PORT: 7233,
      TEMPORAL_UI_PORT: 8233,
      GENIE_PG_PORT: 5433,
      LOG_LEVEL: 'info',
      GENIE_FETCH_ALLOW_HOSTS: [],
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./.data'));
    expect(temporalUiUrl(config)).toBe('http://localhost:8233');
  });

  it('reads every variable it is given', () => {
    const config = parseConfig({
      PORT: '4000',
      DATABASE_URL: 'postgres://u:p@db:5432/genies',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_UI_PORT: '9000',
      GENIE_FETCH_ALLOW_HOSTS: '127.0.0.1, intranet.local',
      GENIE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      SMTP_URL: 'smtp://user:pass@mail:25',
      LOG_LEVEL: 'debug',
    });
    expect(config.PORT).toBe(4000);
    expect(config.DATABASE_URL).toBe('postgres://u:p@db:5432/genies');
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.GENIE_FETCH_ALLOW_HOSTS).toEqual(['127.0.0.1', 'intranet.local']);
    expect(temporalUiUrl(config)).toBe('http://localhost:9000');
  });

  it('leaves the workflow cache to the SDK unless GENIE_WORKER_MAX_CACHED_WORKFLOWS is set', () => {
    expect(parseConfig({}).GENIE_WORKER_MAX_CACHED_WORKFLOWS).toBeUndefined();
    expect(parseConfig({ GENIE_WORKER_MAX_CACHED_WORKFLOWS: '250' }).GENIE_WORKER_MAX_CACHED_WORKFLOWS).toBe(250);
  });

  it('serves the worker metrics on loopback, open, unless told otherwise', () => {
    expect(parseConfig({}).GENIE_WORKER_METRICS_HOST).toBe('127.0.0.1');
    expect(parseConfig({}).GENIE_METRICS_TOKEN).toBeUndefined();
    expect(parseConfig({ GENIE_WORKER_METRICS_HOST: '' }).GENIE_WORKER_METRICS_HOST).toBe('127.0.0.1');
    expect(parseConfig({ GENIE_WORKER_METRICS_HOST: '0.0.0.0' }).GENIE_WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(parseConfig({ GENIE_WORKER_METRICS_HOST: '::' }).GENIE_WORKER_METRICS_HOST).toBe('::');
    expect(parseConfig({ GENIE_METRICS_TOKEN: 'scrape-me-please-0123' }).GENIE_METRICS_TOKEN).toBe(
      'scrape-me-please-0123'
    );
  });

  it('treats empty strings as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: ' ' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['LOG_LEVEL', 'loud'],
    ['GENIE_ENCRYPTION_KEYS', 'k1:tooshort'],
    ['SMTP_URL', 'http://mail'],
    ['ANTHROPIC_BASE_URL', 'not a url'],
    ['GENIE_PAYLOAD_KEYS', 'p1:tooshort'],
    ['GENIE_CODEC_TOKEN', 'short'],
    ['GENIE_CODEC_ALLOW_NETWORKS', '10.0.0.0/8,not-a-network'],
    ['GENIE_WORKER_METRICS_PORT', '70000'],
    ['GENIE_WORKER_METRICS_HOST', 'localhost'],
    ['GENIE_WORKER_METRICS_HOST', '127.1'],
    ['GENIE_METRICS_TOKEN', 'too-short'],
    ['GENIE_WORKER_MAX_CACHED_WORKFLOWS', '1'],
    ['GENIE_WORKER_MAX_CACHED_WORKFLOWS', 'many'],
  ])('names %s when it is malformed (%s)', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('never echoes a secret-bearing value in its error', () => {
    try {
      parseConfig({ DATABASE_URL: 'mysql://root:hunter2@db' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
    expect(() => parseConfig({ GENIE_CODEC_TOKEN: 'tiny-secret' })).toThrow(/GENIE_CODEC_TOKEN .*\(given\)/);
    expect(() => parseConfig({ GENIE_METRICS_TOKEN: 'tiny-secret' })).toThrow(/GENIE_METRICS_TOKEN .*\(given\)/);
  });
});

describe('parseConfig: Temporal TLS and API key', () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = makeTestCertificates();
  });
  afterAll(() => certs.remove());

  it('reads the five variables when the files are readable PEM', () => {
    const config = parseConfig({
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_API_KEY: 'cloud-api-key',
    });
    expect(config).toMatchObject({
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_API_KEY: 'cloud-api-key',
    });
  });

  it('wants the client certificate and its key together', () => {
    expect(() => parseConfig({ TEMPORAL_TLS_CERT: certs.clientCert })).toThrow(
      /^Invalid configuration: TEMPORAL_TLS_KEY is required with TEMPORAL_TLS_CERT/
    );
    expect(() => parseConfig({ TEMPORAL_TLS_KEY: certs.clientKey })).toThrow(
      /^Invalid configuration: TEMPORAL_TLS_CERT is required with TEMPORAL_TLS_KEY/
    );
    expect(() => parseConfig({ TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.serverKey })).toThrow(
      /TEMPORAL_TLS_KEY is not the key of TEMPORAL_TLS_CERT/
    );
  });

  it.each(['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'])(
    'names %s when its file does not exist or is not PEM',
    (name) => {
      const pair = { TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.clientKey };
      const missing = path.join(certs.dir, 'no-such-file.pem');
      expect(() => parseConfig({ ...pair, [name]: missing })).toThrow(
        `Invalid configuration: ${name} names a file that cannot be read (no such file) (${JSON.stringify(missing)})`
      );
      const notPem = path.join(certs.dir, 'server.ext');
      expect(() => parseConfig({ ...pair, [name]: notPem })).toThrow(
        new RegExp(`^Invalid configuration: ${name} is not a PEM`)
      );
    }
  );

  it('never prints the API key', () => {
    const message = (() => {
      try {
        parseConfig({ TEMPORAL_API_KEY: 'very-secret-api-key', TEMPORAL_TLS_CA: '/nonexistent/ca.pem' });
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(message).toContain('TEMPORAL_TLS_CA');
    expect(message).not.toContain('very-secret-api-key');
  });
});

describe('parseConfig: GENIE_TRUST_PROXY', () => {
  it('trusts no proxy unless told: the socket address is the client', () => {
    expect(parseConfig({}).GENIE_TRUST_PROXY).toBeUndefined();
  });

  it('takes a hop count, or proxy addresses and CIDRs', () => {
    expect(parseConfig({ GENIE_TRUST_PROXY: '1' }).GENIE_TRUST_PROXY).toBe(1);
    expect(parseConfig({ GENIE_TRUST_PROXY: ' 10.0.0.0/8, loopback ,::1' }).GENIE_TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      'loopback',
      '::1',
    ]);
  });

  it.each(['true', 'everyone', '10.0.0.0/33', ','])('refuses %j with a line naming it', (value) => {
    expect(() => parseConfig({ GENIE_TRUST_PROXY: value })).toThrow(/GENIE_TRUST_PROXY must be a hop count/);
  });
});
