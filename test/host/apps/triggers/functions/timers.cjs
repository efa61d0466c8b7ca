'use strict';
const { app } = require('@azure/functions');
const state = require('./state.cjs');

app.timer('tick', {
  schedule: '%TICK_SCHEDULE%',
  handler: async (timer) => {
    state.ticks.push({ at: Date.now(), isPastDue: timer.isPastDue, schedule: timer.schedule });
  },
});

app.timer('startup', {
  schedule: '0 0 0 1 1 *',
  runOnStartup: true,
  handler: async () => {
    state.startupTicks.push(Date.now());
  },
});

// Disabled through AzureWebJobs__quietTimer__Disabled: its schedule must never fire; the admin API still runs it.
app.timer('quietTimer', {
  schedule: '*/1 * * * * *',
  handler: async () => {
    state.quietTicks.push(Date.now());
  },
});
