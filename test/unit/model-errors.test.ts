import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { retryAfterMs, toModelFailure } from '../../activities/anthropic';

const apiError = (status: number, headers: Record<string, string> = {}) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type: 'some_error', message: `failed with ${status}` } },
    undefined,
    new Headers(headers)
  );

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }))).toBe(500);
    const inFive = new Date(Date.now() + 5000).toUTCString();
    expect(retryAfterMs(new Headers({ 'retry-after': inFive }))).toBeGreaterThan(3000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});

describe('toModelFailure', () => {
  it.each([
    [429, 'ModelRateLimited'],
    [529, 'ModelOverloaded'],
    [500, 'ModelUnavailable'],
    [503, 'ModelUnavailable'],
  ])('makes %i a retryable failure (%s)', (status, type) => {
    const failure = toModelFailure(apiError(status, { 'retry-after': '3' })) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, nonRetryable: false, nextRetryDelay: 3000 });
    expect(failure.message).toContain(`failed with ${status}`);
  });

  it.each([400, 401, 403, 404])('makes %i a non-retryable ModelRequestRejected', (status) => {
    const failure = toModelFailure(apiError(status)) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'ModelRequestRejected', nonRetryable: true });
  });

  it('leaves connection errors as they are (Temporal retries them)', () => {
    const err = new Anthropic.APIConnectionError({ message: 'ECONNREFUSED' });
    expect(toModelFailure(err)).toBe(err);
  });
});
