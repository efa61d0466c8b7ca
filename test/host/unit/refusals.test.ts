import { describe, expect, it } from 'vitest';
import type { FunctionInfo } from '../../../dev/host/app/functionCatalog';
import type { NewWork, RetryContext } from '../../../dev/host/durable/executorView';
import { findDurableFunction, refusalOf, type RefusalContext } from '../../../dev/host/durable/refusals';

function fn(name: string, kind: FunctionInfo['kind'], extra: Partial<FunctionInfo> = {}): FunctionInfo {
  return { name, kind, disabled: false, error: undefined, ...extra } as FunctionInfo;
}

const catalog = new Map<string, FunctionInfo>([
  ['sayHello', fn('sayHello', 'activity')],
  ['switchedOff', fn('switchedOff', 'activity', { disabled: true })],
  ['child', fn('child', 'orchestration')],
]);

const context = (overrides: Partial<RefusalContext> = {}): RefusalContext => ({
  catalog,
  instanceId: 'Parent-1',
  parentInstanceId: 'Grandparent',
  nowMs: 10_000,
  firstAttemptAtMs: () => 0,
  ...overrides,
});

const activity = (name: string, retry?: RetryContext): NewWork => ({
  kind: 'activity',
  id: 4,
  name,
  input: undefined,
  retry,
});

describe('calls the Durable extension refuses', () => {
  it('looks functions up ignoring case; disabled ones and other kinds are unknown (ext FunctionName, ThrowIfFunctionDoesNotExist)', () => {
    expect(findDurableFunction(catalog, 'SAYHELLO', 'activity')?.name).toBe('sayHello');
    expect(findDurableFunction(catalog, 'switchedOff', 'activity')).toBeUndefined();
    expect(findDurableFunction(catalog, 'child', 'activity')).toBeUndefined();
    expect(refusalOf(activity('SayHello'), context())).toBeUndefined();
    expect(refusalOf(activity('switchedOff'), context())?.message).toBe(
      "The function 'switchedOff' doesn't exist, is disabled, or is not an activity function. " +
        "Additional info: The following are the known activity functions: 'sayHello'.",
    );
  });

  it('refuses a sub-orchestration reusing its own or its parent id, ignoring case, and ids starting with @', () => {
    const sub = (instanceId: string | undefined): NewWork => ({
      kind: 'subOrchestration',
      id: 2,
      name: 'child',
      input: undefined,
      instanceId,
      retry: undefined,
    });
    const same =
      'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.';
    expect(refusalOf(sub('parent-1'), context())?.message).toBe(same);
    expect(refusalOf(sub('GRANDPARENT'), context())?.message).toBe(same);
    expect(refusalOf(sub('@x'), context())?.message).toContain('must not start with @');
    expect(refusalOf(sub('a@b'), context())).toBeUndefined();
    expect(refusalOf(sub(undefined), context())).toBeUndefined();
  });

  it('refuses retry intervals above 6 days on the first attempt only (ext ValidateDelayTime)', () => {
    const sixDays = 6 * 24 * 60 * 60 * 1000;
    const options = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3 };
    const first = {
      options: { ...options, maxRetryIntervalInMilliseconds: sixDays + 1 },
      firstAttemptId: 4,
      attempt: 1,
    };
    expect(refusalOf(activity('sayHello', first), context())?.message).toContain(
      "(Parameter 'MaxRetryInterval')",
    );
    expect(refusalOf(activity('sayHello', { ...first, attempt: 2 }), context())).toBeUndefined();
    const exact = {
      options: { ...options, maxRetryIntervalInMilliseconds: sixDays },
      firstAttemptId: 4,
      attempt: 1,
    };
    expect(refusalOf(activity('sayHello', exact), context())).toBeUndefined();
  });

  it('refuses the back-off timer once the retry timeout has passed, but never the timer after the last attempt (DTFx RetryInterceptor)', () => {
    const retryTimer = (attempt: number): NewWork => ({
      kind: 'retryTimer',
      id: 7,
      retry: {
        options: {
          firstRetryIntervalInMilliseconds: 10,
          maxNumberOfAttempts: 3,
          retryTimeoutInMilliseconds: 5000,
        },
        firstAttemptId: 4,
        attempt,
      },
    });
    expect(refusalOf(retryTimer(1), context({ nowMs: 4999 }))).toBeUndefined();
    expect(refusalOf(retryTimer(1), context({ nowMs: 5000 }))?.source).toContain('#629');
    expect(refusalOf(retryTimer(3), context({ nowMs: 99_999 }))).toBeUndefined();
  });
});
