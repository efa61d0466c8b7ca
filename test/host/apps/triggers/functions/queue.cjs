'use strict';
const { app } = require('@azure/functions');
const df = require('durable-functions');
const state = require('./state.cjs');

df.app.client.serviceBusQueue('sbStart', {
  connection: 'ServiceBusConnection',
  queueName: '%QUEUE_NAME%',
  handler: async (message, client, context) => {
    if (message && message.fail) throw new Error(`queue handler failed for ${message.id}`);
    // Fails until the given delivery, to exercise a source that abandons and redelivers.
    if (message && message.failUntilDelivery >= context.triggerMetadata.deliveryCount) {
      throw new Error(`not yet (delivery ${context.triggerMetadata.deliveryCount})`);
    }
    const instanceId = await client.startNew('echoOrch', { input: message });
    state.queue.push({
      message,
      messageId: context.triggerMetadata.messageId,
      deliveryCount: context.triggerMetadata.deliveryCount,
      queueName: context.options.trigger.queueName,
      instanceId,
    });
    return { accepted: true, instanceId };
  },
});

// A function whose binding refers to a setting that does not exist: the host must report it, not run it.
app.serviceBusQueue('misconfigured', {
  connection: 'ServiceBusConnection',
  queueName: '%MISSING_SETTING%',
  handler: async () => undefined,
});

df.app.orchestration('echoOrch', function* (context) {
  return yield context.df.callActivity('echoActivity', context.df.getInput());
});

df.app.activity('echoActivity', { handler: (input) => ({ echoed: input }) });
