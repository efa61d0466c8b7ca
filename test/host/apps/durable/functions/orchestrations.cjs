'use strict';
const df = require('durable-functions');

const childFailures = new Map();
const runNumbers = new Map();

function retryOptions(spec) {
  const options = new df.RetryOptions(spec.first, spec.max);
  if (spec.coefficient !== undefined) options.backoffCoefficient = spec.coefficient;
  if (spec.maxInterval !== undefined) options.maxRetryIntervalInMilliseconds = spec.maxInterval;
  if (spec.timeout !== undefined) options.retryTimeoutInMilliseconds = spec.timeout;
  return options;
}

df.app.orchestration('fanOut', function* (context) {
  const names = context.df.getInput();
  context.df.setCustomStatus({ stage: 'fanning-out', n: names.length });
  const results = yield context.df.Task.all(names.map((name) => context.df.callActivity('hello', name)));
  context.df.setCustomStatus({ stage: 'done', n: names.length });
  return results;
});

df.app.orchestration('retrying', function* (context) {
  const input = context.df.getInput();
  try {
    return yield context.df.callActivityWithRetry('flaky', retryOptions(input.retry), {
      key: input.key,
      failures: input.failures,
    });
  } catch (error) {
    return { caught: error.message };
  }
});

df.app.orchestration('child', function* (context) {
  const input = context.df.getInput();
  const greeting = yield context.df.callActivity('hello', input.name);
  return { greeting, parent: context.df.parentInstanceId ?? null };
});

// Fails its first `failures` runs for a key (across instances), then succeeds.
df.app.orchestration('childFlaky', function* (context) {
  const input = context.df.getInput();
  // Each child instance is one run; its number is fixed the first time the instance executes, not per replay.
  let count = runNumbers.get(context.df.instanceId);
  if (count === undefined) {
    count = (childFailures.get(input.key) ?? 0) + 1;
    childFailures.set(input.key, count);
    runNumbers.set(context.df.instanceId, count);
  }
  yield context.df.callActivity('hello', input.key);
  if (count <= input.failures) throw new Error(`child ${input.key} run ${count} failed`);
  return `child-ok:${input.key}`;
});

df.app.orchestration('parent', function* (context) {
  const input = context.df.getInput();
  const plain = yield context.df.callSubOrchestrator('child', { name: input.name });
  const named = yield context.df.callSubOrchestrator(
    'child',
    { name: `${input.name}-2` },
    `${context.df.instanceId}-named`,
  );
  let retried;
  try {
    retried = yield context.df.callSubOrchestratorWithRetry('childFlaky', retryOptions(input.retry), {
      key: input.key,
      failures: input.failures,
    });
  } catch (error) {
    retried = { caught: error.message };
  }
  return { plain, named, retried };
});

df.app.orchestration('counter', function* (context) {
  const input = context.df.getInput();
  if (typeof input === 'string') return `string:${input}`;
  if (input.n < input.target) {
    if (input.n === input.target - 1 && input.finishWithString) {
      context.df.continueAsNew('done-as-string');
      return undefined;
    }
    yield context.df.callActivity('hello', `n${input.n}`);
    context.df.continueAsNew({ ...input, n: input.n + 1 });
    return undefined;
  }
  return { final: input.n };
});

df.app.orchestration('approval', function* (context) {
  context.df.setCustomStatus('waiting');
  const first = yield context.df.waitForExternalEvent('Approval');
  const second = yield context.df.waitForExternalEvent('Second');
  return { first, second };
});

df.app.orchestration('timerOrch', function* (context) {
  const delayMs = context.df.getInput();
  const start = context.df.currentUtcDateTime;
  yield context.df.createTimer(new Date(start.getTime() + delayMs));
  return { waitedMs: context.df.currentUtcDateTime.getTime() - start.getTime() };
});

df.app.orchestration('raceTimer', function* (context) {
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  const event = context.df.waitForExternalEvent('Go');
  const winner = yield context.df.Task.any([timer, event]);
  if (winner === event) {
    timer.cancel();
    return 'event';
  }
  return 'timer';
});

df.app.orchestration('waiter', function* (context) {
  yield context.df.waitForExternalEvent('Never');
  return 'unreachable';
});

df.app.orchestration('failing', function* (context) {
  yield context.df.callActivity('hello', 'x');
  throw new Error('orchestrator boom');
});

df.app.orchestration('encodings', function* (context) {
  const inputs = [
    yield context.df.callActivity('echo', 'alice'),
    yield context.df.callActivity('echo', 7),
    yield context.df.callActivity('echo', { a: 1 }),
    yield context.df.callActivity('echo'),
  ];
  const outputs = [];
  for (const kind of ['string', 'number', 'int', 'bytes', 'nothing', 'object']) {
    outputs.push(yield context.df.callActivity('returnsRaw', kind));
  }
  return { inputs, outputs };
});

// eslint-disable-next-line require-yield -- an orchestrator that finishes in its first episode
df.app.orchestration('noInput', function* (context) {
  return { input: context.df.getInput() === undefined ? '<undefined>' : context.df.getInput() };
});

df.app.orchestration('stepsThenWait', function* (context) {
  const first = yield context.df.callActivity('hello', 'a');
  const second = yield context.df.callActivity('hello', 'b');
  const finish = yield context.df.waitForExternalEvent('Finish');
  return [first, second, finish];
});

df.app.orchestration('usesEntity', function* (context) {
  context.df.signalEntity(new df.EntityId('counter', 'one'), 'add', 1);
  yield context.df.callActivity('hello', 'after-signal');
  return 'unreachable';
});

module.exports = { childFailures };
