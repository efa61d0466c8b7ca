import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_RETRY_INTERVAL_MS,
  readRetryOptions,
  retryDelayMs,
  retryTimedOut,
} from '../../../dev/host/durable/retryPolicy';

describe('retry back-off', () => {
  it('is first × coefficient^(k-1), capped by the max interval, and 0 after the last attempt', () => {
    const options = {
      firstRetryIntervalInMilliseconds: 1000,
      maxNumberOfAttempts: 5,
      backoffCoefficient: 2,
      maxRetryIntervalInMilliseconds: 5000,
    };
    expect([1, 2, 3, 4, 5].map((k) => retryDelayMs(options, k))).toEqual([1000, 2000, 4000, 5000, 0]);
  });

  it("defaults to coefficient 1 and the extension's 6-day cap", () => {
    expect(retryDelayMs({ firstRetryIntervalInMilliseconds: 300, maxNumberOfAttempts: 3 }, 2)).toBe(300);
    expect(retryDelayMs({ firstRetryIntervalInMilliseconds: 1e12, maxNumberOfAttempts: 3 }, 1)).toBe(
      DEFAULT_MAX_RETRY_INTERVAL_MS,
    );
  });

  it('replaces the delay by the cap when it is not smaller than the cap', () => {
    const options = {
      firstRetryIntervalInMilliseconds: 100,
      maxNumberOfAttempts: 9,
      backoffCoefficient: 2,
      maxRetryIntervalInMilliseconds: 400,
    };
    expect(retryDelayMs(options, 3)).toBe(400);
  });

  it('times out only when a retry timeout is set and has passed since the first attempt', () => {
    const options = {
      firstRetryIntervalInMilliseconds: 1,
      maxNumberOfAttempts: 9,
      retryTimeoutInMilliseconds: 1000,
    };
    expect(retryTimedOut(options, 0, 999)).toBe(false);
    expect(retryTimedOut(options, 0, 1000)).toBe(true);
    expect(retryTimedOut({ firstRetryIntervalInMilliseconds: 1, maxNumberOfAttempts: 9 }, 0, 1e12)).toBe(
      false,
    );
  });

  it("reads the SDK's retryOptions JSON and rejects incomplete ones", () => {
    expect(
      readRetryOptions({
        firstRetryIntervalInMilliseconds: 5,
        maxNumberOfAttempts: 2,
        backoffCoefficient: 3,
      }),
    ).toEqual({
      firstRetryIntervalInMilliseconds: 5,
      maxNumberOfAttempts: 2,
      backoffCoefficient: 3,
      maxRetryIntervalInMilliseconds: undefined,
      retryTimeoutInMilliseconds: undefined,
    });
    expect(readRetryOptions({ maxNumberOfAttempts: 2 })).toBeUndefined();
    expect(readRetryOptions('x')).toBeUndefined();
  });
});
