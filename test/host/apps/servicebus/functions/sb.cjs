'use strict';
/* global process */
// A queue-triggered starter like the product's: the run id derives from the MessageId, so a redelivered message
// finds its run instead of starting another. Every invocation appends a JSON line to the LEDGER_FILE ledger.
const fs = require('node:fs');
const df = require('durable-functions');

function record(entry) {
  fs.appendFileSync(process.env.LEDGER_FILE, `${JSON.stringify(entry)}\n`);
}

df.app.client.serviceBusQueue('sbRun', {
  connection: 'ServiceBusConnection',
  queueName: '%QUEUE_NAME%',
  handler: async (message, client, context) => {
    const meta = context.triggerMetadata;
    const instanceId = `sb-${meta.messageId}`;
    let started = false;
    try {
      await client.getStatus(instanceId);
    } catch (error) {
      if (!String(error.message).includes('HTTP 404')) throw error;
      await client.startNew('sbOrch', { instanceId, input: { message, firstDelivery: meta.deliveryCount } });
      started = true;
    }
    record({
      messageId: meta.messageId,
      deliveryCount: meta.deliveryCount,
      enqueuedTimeUtc: meta.enqueuedTimeUtc,
      sequenceNumber: meta.sequenceNumber,
      applicationProperties: meta.applicationProperties,
      body: message,
      started,
    });
    if (message && message.fail) throw new Error(`failing on purpose (delivery ${meta.deliveryCount})`);
    // Hangs on its first delivery so a test can kill the host in the middle of the message.
    if (message && message.hangOnFirst && meta.deliveryCount === 1) {
      record({ messageId: meta.messageId, hanging: true });
      await new Promise(() => undefined);
    }
  },
});

df.app.orchestration('sbOrch', function* (context) {
  return yield context.df.callActivity('sbWork', context.df.getInput());
});

df.app.activity('sbWork', { handler: (input) => ({ done: input }) });
