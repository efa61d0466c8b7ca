'use strict';
const { app } = require('@azure/functions');
const state = require('./state.cjs');

app.hook.appStart((context) => {
  state.hooks.appStart++;
  // The library's AppStartContext exposes only hookData (app-level); it must be an object.
  state.hooks.appHookData = typeof context.hookData;
});
app.hook.preInvocation((context) => {
  state.hooks.pre++;
  context.hookData.startedBy = 'pre';
});
app.hook.postInvocation((context) => {
  if (context.hookData.startedBy === 'pre') state.hooks.post++;
});
