'use strict';
const { app } = require('@azure/functions');
const state = require('./state.cjs');

app.eventGrid('gridHandler', {
  handler: async (event, context) => {
    if (event.subject === 'fail') throw new Error('grid handler failed');
    state.events.push({
      id: event.id,
      type: event.eventType ?? event.type,
      subject: event.subject,
      data: event.data,
    });
    context.log(`event ${event.id}`);
  },
});
