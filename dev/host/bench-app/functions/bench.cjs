'use strict';
const df = require('durable-functions');

df.app.activity('noop', { handler: (value) => value });

df.app.orchestration('benchChunk', function* (context) {
  const values = context.df.getInput();
  const results = yield context.df.Task.all(values.map((value) => context.df.callActivity('noop', value)));
  return results.length;
});

// Input: {items, chunkSize}. One sub-orchestration per chunk, all in parallel.
df.app.orchestration('benchRoot', function* (context) {
  const { items, chunkSize } = context.df.getInput();
  const chunks = [];
  for (let start = 0; start < items; start += chunkSize) {
    const values = [];
    for (let value = start; value < Math.min(items, start + chunkSize); value++) values.push(value);
    chunks.push(context.df.callSubOrchestrator('benchChunk', values));
  }
  const counts = yield context.df.Task.all(chunks);
  return counts.reduce((sum, count) => sum + count, 0);
});
