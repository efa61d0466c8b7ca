'use strict';
// What the triggers app saw; the tests read it through require (same module instance as the host loaded).
module.exports = {
  queue: [],
  events: [],
  ticks: [],
  startupTicks: [],
  quietTicks: [],
  hooks: { appStart: 0, pre: 0, post: 0 },
  settings: {},
};
