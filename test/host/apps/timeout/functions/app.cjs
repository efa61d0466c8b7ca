'use strict';
/* global setTimeout */
// A test app whose host.json sets functionTimeout to one second.
const { app } = require('@azure/functions');
const df = require('durable-functions');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const calls = new Map();

// Outlives the timeout on its first call per key, answers at once afterwards.
df.app.activity('slowOnce', {
  handler: async (key) => {
    const count = (calls.get(key) ?? 0) + 1;
    calls.set(key, count);
    if (count === 1) await sleep(3_000);
    return `ok:${key}:${count}`;
  },
});

df.app.orchestration('callsSlow', function* (context) {
  const retry = new df.RetryOptions(100, 2);
  return yield context.df.callActivityWithRetry('slowOnce', retry, context.df.getInput());
});

app.http('start', {
  route: 'orchestrators/{name}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const instanceId = await client.startNew(request.params.name, { input: await request.json() });
    return client.createCheckStatusResponse(request, instanceId);
  },
});

app.http('hang', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    await sleep(3_000);
    return { body: 'too late' };
  },
});

app.http('quick', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ body: 'in time' }),
});
