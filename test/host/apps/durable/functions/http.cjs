'use strict';
const { app } = require('@azure/functions');
const df = require('durable-functions');

// POST /api/orchestrators/{name}[/{instanceId}] with a JSON body as the input.
app.http('start', {
  route: 'orchestrators/{name}/{instanceId?}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const text = await request.text();
    const options = text.length > 0 ? { input: JSON.parse(text) } : {};
    if (request.params.instanceId) options.instanceId = request.params.instanceId;
    const instanceId = await client.startNew(request.params.name, options);
    context.log(`Started ${request.params.name} as ${instanceId}`);
    return client.createCheckStatusResponse(request, instanceId);
  },
});

// GET /api/status/{instanceId}: the durable client's view, to check the client round-trips through the RPC base.
app.http('clientStatus', {
  route: 'status/{instanceId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const status = await client.getStatus(request.params.instanceId, {
      showHistory: true,
      showHistoryOutput: true,
    });
    return { jsonBody: status };
  },
});
