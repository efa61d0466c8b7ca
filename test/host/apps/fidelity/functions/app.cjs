// A small app that makes the calls the Durable extension treats differently from a friendly local host
// (test/host/azureFidelity.test.ts).
const { app } = require('@azure/functions');
const df = require('durable-functions');

/** Attempts per key, read by the tests. */
const attempts = new Map();
module.exports = { attempts };

df.app.activity('sayHello', { handler: (name) => `Hello ${name}` });

df.app.activity('alwaysFails', {
  handler: (key) => {
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
    throw new Error(`${key} failed on attempt ${attempts.get(key)}`);
  },
});

// eslint-disable-next-line require-yield
df.app.orchestration('echoChild', function* (context) {
  return context.df.getInput();
});

function retryOptions(spec) {
  const options = new df.RetryOptions(spec.first, spec.max);
  if (spec.maxInterval !== undefined) options.maxRetryIntervalInMilliseconds = spec.maxInterval;
  if (spec.timeout !== undefined) options.retryTimeoutInMilliseconds = spec.timeout;
  return options;
}

/**
 * Makes one call and races it against an external event 'Probe': if the host answers the call (even with a
 * failure) the call wins; if the call is silently dropped, as the extension drops refused calls, only the probe
 * can end the race.
 */
df.app.orchestration('probeCall', function* (context) {
  const spec = context.df.getInput();
  const childId = spec.instanceId === '$self' ? context.df.instanceId : spec.instanceId;
  let call;
  switch (spec.call) {
    case 'activity':
      call = context.df.callActivity(spec.name, spec.input);
      break;
    case 'activityWithRetry':
      call = context.df.callActivityWithRetry(spec.name, retryOptions(spec.retry), spec.input);
      break;
    case 'subOrchestrator':
      call = context.df.callSubOrchestrator(spec.name, spec.input, childId);
      break;
    case 'subOrchestratorWithRetry':
      call = context.df.callSubOrchestratorWithRetry(
        spec.name,
        retryOptions(spec.retry),
        spec.input,
        childId,
      );
      break;
    default:
      throw new Error(`unknown call ${spec.call}`);
  }
  context.df.setCustomStatus('waiting');
  const probe = context.df.waitForExternalEvent('Probe');
  const winner = yield context.df.Task.any([call, probe]);
  if (winner === probe) return { winner: 'probe' };
  return call.isFaulted
    ? { winner: 'call', error: String(call.result && call.result.message) }
    : { winner: 'call', result: call.result };
});

/** Retries until the attempts run out and reports the error the orchestrator caught. */
df.app.orchestration('retryUntilExhausted', function* (context) {
  const spec = context.df.getInput();
  try {
    yield context.df.callActivityWithRetry('alwaysFails', retryOptions(spec.retry), spec.key);
    return { caught: null };
  } catch (error) {
    return { caught: String(error.message) };
  }
});

df.app.orchestration('longTimer', function* (context) {
  const days = context.df.getInput();
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + days * 24 * 60 * 60 * 1000);
  yield context.df.createTimer(fireAt);
  return { firedAt: context.df.currentUtcDateTime.toISOString(), fireAt: fireAt.toISOString() };
});

// eslint-disable-next-line require-yield
df.app.orchestration('failsAtOnce', function* () {
  throw new Error('this orchestration fails');
});

df.app.orchestration('waitsForever', function* (context) {
  yield context.df.waitForExternalEvent('Never');
});

/** Calls the durable client's rewind and answers with the message the SDK surfaced. */
app.http('rewindViaClient', {
  route: 'rewind/{instanceId}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    try {
      await client.rewind(request.params.instanceId, 'testing');
      return { jsonBody: { rewound: true } };
    } catch (error) {
      return { jsonBody: { error: error instanceof Error ? error.message : String(error) } };
    }
  },
});
