import path from 'node:path';
import { ConfigError, parseConfig, temporalUiUrl } from '../../platform/config';

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
  });
});
