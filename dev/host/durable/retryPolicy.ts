/**
 * Retry back-off for CallActivityWithRetry / CallSubOrchestratorWithRetry, computed by the host because the JS
 * SDK only counts attempts (reference/durable-host.md §4.5, DTFx RetryInterceptor.ComputeNextDelay).
 */

export interface RetryOptionsJson {
  readonly firstRetryIntervalInMilliseconds: number;
  readonly maxNumberOfAttempts: number;
  readonly backoffCoefficient?: number;
  readonly maxRetryIntervalInMilliseconds?: number;
  readonly retryTimeoutInMilliseconds?: number;
}

/** The extension's default cap: 6 days (the Azure Storage timer limit). */
export const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 24 * 60 * 60 * 1000;

export function readRetryOptions(value: unknown): RetryOptionsJson | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const options = value as Record<string, unknown>;
  const first = options['firstRetryIntervalInMilliseconds'];
  const attempts = options['maxNumberOfAttempts'];
  if (typeof first !== 'number' || typeof attempts !== 'number') return undefined;
  const optionalNumber = (key: string): number | undefined => {
    const value = options[key];
    return typeof value === 'number' ? value : undefined;
  };
  return {
    firstRetryIntervalInMilliseconds: first,
    maxNumberOfAttempts: attempts,
    backoffCoefficient: optionalNumber('backoffCoefficient'),
    maxRetryIntervalInMilliseconds: optionalNumber('maxRetryIntervalInMilliseconds'),
    retryTimeoutInMilliseconds: optionalNumber('retryTimeoutInMilliseconds'),
  };
}

/**
 * Delay before the next attempt after attempt `failedAttempt` (1-based) failed:
 * first × coefficient^(failedAttempt-1), replaced by the max interval when not smaller than it. After the last
 * allowed attempt the delay is 0: DTFx still creates that timer (the SDK needs it to fault the task).
 */
export function retryDelayMs(options: RetryOptionsJson, failedAttempt: number): number {
  if (failedAttempt >= options.maxNumberOfAttempts) return 0;
  const coefficient = options.backoffCoefficient ?? 1;
  const maxInterval = options.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  return delay < maxInterval ? Math.round(delay) : maxInterval;
}

/** True once the retry timeout (measured from the first attempt's scheduling) has passed. */
export function retryTimedOut(options: RetryOptionsJson, firstAttemptAtMs: number, nowMs: number): boolean {
  const timeout = options.retryTimeoutInMilliseconds;
  if (timeout === undefined || timeout <= 0) return false;
  return nowMs >= firstAttemptAtMs + timeout;
}
