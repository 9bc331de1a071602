import { Writable } from 'node:stream';
import { createLogger, scrubSecrets } from '../../platform/logger';
import { causeChain, logFields, PinoSdkLogger } from '../../worker/sdk-logger';

/** A destination that keeps every written line. */
function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

class APIConnectionError extends Error {
  override name = 'APIConnectionError';
}

/** What the Anthropic SDK throws when the model endpoint refuses connections. */
function failure(): Error {
  const refused = new Error('connect ECONNREFUSED 127.0.0.1:4999');
  const fetchFailed = new TypeError('fetch failed', { cause: refused });
  return new APIConnectionError('Connection error.', { cause: fetchFailed });
}

const activityMeta = {
  sdkComponent: 'activity',
  taskToken: 'CiQ0ZDk2…',
  namespace: 'default',
  taskQueue: 'worker-genies',
  workflowId: 'genie-run-1',
  workflowRunId: 'abc',
  workflowType: 'genieRunWorkflow',
  activityId: '3',
  activityType: 'callModel',
  isLocal: false,
  attempt: 4,
};

describe('worker log fields', () => {
  it('logs a failure with its message, type and stack as JSON, never as an empty object', () => {
    const fields = logFields({ ...activityMeta, error: failure() }, false);
    expect(fields.err).toMatchObject({
      type: 'APIConnectionError',
      message: 'Connection error.: fetch failed: connect ECONNREFUSED 127.0.0.1:4999',
    });
    expect(String((fields.err as { stack: string }).stack)).toContain('Connection error.');
    expect(fields).not.toHaveProperty('error');
    expect(fields).not.toHaveProperty('taskToken');
    expect(fields).toMatchObject({ workflowId: 'genie-run-1', activityType: 'callModel', attempt: 4 });
  });

  it('puts a failure and its causes on one line for people', () => {
    expect(causeChain(failure())).toBe(
      'APIConnectionError: Connection error. ← TypeError: fetch failed ← Error: connect ECONNREFUSED 127.0.0.1:4999'
    );
    const warning = logFields({ ...activityMeta, error: failure() }, true);
    expect(warning).toEqual({
      workflowId: 'genie-run-1',
      activityType: 'callModel',
      attempt: 4,
      failure: causeChain(failure()),
    });
  });

  it('keeps only the line’s own fields on a routine pretty line', () => {
    expect(logFields({ ...activityMeta, attempt: 1, runId: 'r1', status: 'succeeded' }, true, true)).toEqual({
      runId: 'r1',
      status: 'succeeded',
    });
  });
});

describe('log formats', () => {
  it('writes one JSON object per line, the SDK’s failures included', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, 'worker', stream);
    new PinoSdkLogger(logger).warn('Activity failed', { ...activityMeta, error: failure() });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 40, name: 'worker', msg: 'Activity failed', attempt: 4 });
    expect(entry.err).toMatchObject({ message: expect.stringContaining('ECONNREFUSED') });
  });

  it('writes one readable line per entry in pretty mode, secrets scrubbed', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, 'api', stream);
    logger.info(
      { req: { method: 'GET' }, res: { statusCode: 200 }, responseTime: 4 },
      'GET /v1/worker-genies 200 4 ms'
    );
    new PinoSdkLogger(logger, true).warn('Activity failed', { ...activityMeta, error: failure() });
    logger.info(`key hg_live_${'A'.repeat(40)} seen`);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(api\): GET \/v1\/worker-genies 200 4 ms$/);
    expect(lines[1]).toContain('WARN (api): Activity failed');
    expect(lines[1]).toContain('"failure":"APIConnectionError: Connection error. ← TypeError: fetch failed');
    expect(lines[2]).toContain('hg_live_[REDACTED]');
    expect(lines.join('\n')).not.toContain('A'.repeat(40));
  });
});

describe('secrets scrubbed from log lines', () => {
  const key = `hg_live_${'Ab9-_x'.repeat(6)}zz9Q`; // 40 characters after the prefix, like a real key
  const secret = key.slice('hg_live_'.length);
  /** Every encoded spelling of `value` a line may carry: per character, once or twice, either case. */
  const encodings = (value: string) => [
    value,
    value.replace(/_/g, '%5F'),
    value.replace(/_/g, '%5f').replace(/-/g, '%2d'),
    value.replace(/_/g, '%255F').replace(/-/g, '%252D'),
    [...value].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join(''),
  ];

  it.each(encodings(key))('hides an API key written as %s, every character of it', (written) => {
    const line = `{"msg":"GET /v1/x?q=${written}&limit=5 401 3 ms"}`;
    const scrubbed = scrubSecrets(line);
    expect(scrubbed).toBe('{"msg":"GET /v1/x?q=hg_live_[REDACTED]&limit=5 401 3 ms"}');
    // Not the secret, nor any run of it long enough to narrow it down.
    for (let i = 0; i + 6 <= secret.length; i++) expect(scrubbed).not.toContain(secret.slice(i, i + 6));
  });

  it('hides a secret whose own characters are encoded, and stops where it ends', () => {
    expect(scrubSecrets('k=hg_live_abc%2Ddef&x=1')).toBe('k=hg_live_[REDACTED]&x=1');
    expect(scrubSecrets('k=hg%5Flive%5FabcdEFGH%2d%5fIJ%20next')).toBe('k=hg_live_[REDACTED]%20next');
    expect(scrubSecrets('s=whsec_ab%2Bcd%2Fef%3D%3D;')).toBe('s=whsec_[REDACTED];');
    expect(scrubSecrets('s=whsec_ab%2bcd%2fef%3d%3d;')).toBe('s=whsec_[REDACTED];');
    expect(scrubSecrets('s=whsec%255Fab%252Bcd%252Fef%253D;')).toBe('s=whsec_[REDACTED];');
    expect(scrubSecrets(`/approvals/gat_${'a'.repeat(20)}%2E${'b'.repeat(20)} 200`)).toBe(
      '/approvals/gat_[REDACTED] 200'
    );
    expect(scrubSecrets(`/approvals/gat%5F${'a'.repeat(20)}.${'b'.repeat(20)} 200`)).toBe(
      '/approvals/gat_[REDACTED] 200'
    );
  });

  it('leaves lines without secrets as they are', () => {
    for (const line of [
      'GET /v1/x?q=%5Flive%5F&limit=%2D5 200',
      'hg_live_ab short',
      'whsec_short %2B',
      '100%25 done',
    ]) {
      expect(scrubSecrets(line)).toBe(line);
    }
  });

  it('scrubs what a logger writes', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, 'api', stream);
    logger.info(`GET /v1/worker-genies?q=${encodeURIComponent(key).replace(/_/g, '%5F')} 401`);
    expect(lines.join('\n')).toContain('hg_live_[REDACTED]');
    expect(lines.join('\n')).not.toContain(secret.slice(0, 8));
  });
});
