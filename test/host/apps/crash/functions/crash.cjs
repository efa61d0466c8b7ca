'use strict';
/* global process, setTimeout */
// A generic workload for the host's crash test: rounds (continue-as-new) of chunks (sub-orchestrations) of work
// items (activities with retry), plus a durable timer per chunk. Every activity execution appends one line to
// the ledger file named by the LEDGER_FILE setting, so the test can count (re-)executions across host kills.
const fs = require('node:fs');
const df = require('durable-functions');

function ledgerFile() {
  const file = process.env.LEDGER_FILE;
  if (!file) throw new Error('LEDGER_FILE is not set');
  return file;
}

function executionsOf(id) {
  const text = fs.readFileSync(ledgerFile(), 'utf8');
  let count = 0;
  for (const line of text.split('\n')) if (line === id) count++;
  return count;
}

df.app.activity('crashWork', {
  handler: async (item) => {
    fs.appendFileSync(ledgerFile(), `${item.id}\n`);
    await new Promise((resolve) => setTimeout(resolve, 10 + (item.value % 7) * 6));
    // Items ending in 3 fail on their first execution (counted in the ledger, so it survives restarts).
    if (item.value % 10 === 3 && executionsOf(item.id) === 1)
      throw new Error(`transient failure of ${item.id}`);
    return item.value * 2;
  },
});

df.app.orchestration('crashChunk', function* (context) {
  const chunk = context.df.getInput();
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 50));
  const retry = new df.RetryOptions(30, 4);
  const results = yield context.df.Task.all(
    chunk.values.map((value) =>
      context.df.callActivityWithRetry('crashWork', retry, { id: `${chunk.prefix}-${value}`, value }),
    ),
  );
  return results.reduce((sum, value) => sum + value, 0);
});

// Input: {prefix, items, chunkSize, rounds, round?, total?}. Each round processes items/rounds values.
df.app.orchestration('crashRoot', function* (context) {
  const input = context.df.getInput();
  const round = input.round ?? 0;
  const perRound = Math.ceil(input.items / input.rounds);
  const first = round * perRound;
  const last = Math.min(input.items, first + perRound);
  const chunks = [];
  for (let start = first; start < last; start += input.chunkSize) {
    const values = [];
    for (let value = start; value < Math.min(last, start + input.chunkSize); value++) values.push(value);
    chunks.push(context.df.callSubOrchestrator('crashChunk', { prefix: input.prefix, values }));
  }
  context.df.setCustomStatus({ round, chunks: chunks.length });
  const sums = yield context.df.Task.all(chunks);
  const total = (input.total ?? 0) + sums.reduce((sum, value) => sum + value, 0);
  if (round + 1 < input.rounds) {
    context.df.continueAsNew({ ...input, round: round + 1, total });
    return undefined;
  }
  return { prefix: input.prefix, total, rounds: input.rounds };
});
