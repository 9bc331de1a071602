import { Writable } from 'node:stream';
import { createLogger } from '../../platform/logger';
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
