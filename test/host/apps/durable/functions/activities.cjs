'use strict';
/* global Buffer */
// Activities for the durable test app. `attempts` is module state the tests read to count retries.
const df = require('durable-functions');

const attempts = new Map();

df.app.activity('hello', {
  handler: (name) => `Hello ${name}`,
});

// Fails `failures` times per key, then succeeds.
df.app.activity('flaky', {
  handler: (input) => {
    const count = (attempts.get(input.key) ?? 0) + 1;
    attempts.set(input.key, count);
    if (count <= input.failures) throw new Error(`flaky ${input.key} attempt ${count}`);
    return `ok:${input.key}:${count}`;
  },
});

// Echoes what it was given and what the host put in its context, so tests can check the wire encodings.
df.app.activity('echo', {
  handler: (input, context) => ({
    input: input === undefined ? '<undefined>' : input,
    instanceId: context.triggerMetadata?.instanceId,
  }),
});

df.app.activity('returnsRaw', {
  handler: (kind) => {
    switch (kind) {
      case 'string':
        return '{"a":1}';
      case 'number':
        return 7.5;
      case 'int':
        return 42;
      case 'bytes':
        return Buffer.from('hi');
      case 'nothing':
        return undefined;
      default:
        return { kind };
    }
  },
});

module.exports = { attempts };
