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
