'use strict';
/* global process */
const { app } = require('@azure/functions');

app.http('open', {
  route: 'items/{category:alpha}/{id:int}/{rest?}',
  methods: ['GET', 'POST', 'PUT'],
  authLevel: 'anonymous',
  handler: async (request, context) => {
    context.log(`open called for ${request.params.category}`);
    return {
      status: 201,
      headers: { 'x-echo': request.headers.get('x-test') ?? '' },
      cookies: [{ name: 'session', value: 'abc', path: '/', httpOnly: true, sameSite: 'Strict' }],
      jsonBody: {
        method: request.method,
        params: request.params,
        query: Object.fromEntries(request.query.entries()),
        body: await request.text(),
        url: request.url,
      },
    };
  },
});

app.http('openLiteral', {
  route: 'items/special/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request) => ({ jsonBody: { literal: true, id: request.params.id } }),
});

app.http('keyed', {
  route: 'keyed',
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => ({ body: 'keyed ok' }),
});

app.http('otherKeyed', {
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => ({ body: 'other ok' }),
});

app.http('adminOnly', {
  route: 'admin-only',
  methods: ['GET'],
  authLevel: 'admin',
  handler: async () => ({ body: 'admin ok' }),
});

app.http('nothing', {
  route: 'nothing',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => undefined,
});

app.http('throws', {
  route: 'throws',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    throw new Error('http handler failed');
  },
});

app.http('settings', {
  route: 'settings',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({
    jsonBody: {
      fromFile: process.env.FROM_FILE,
      shadowed: process.env.SHADOWED,
      override: process.env.OVERRIDDEN,
      hostname: process.env.WEBSITE_HOSTNAME,
    },
  }),
});

// Disabled through AzureWebJobs.switchedOff.Disabled in the test's settings: must answer 404.
app.http('switchedOff', {
  route: 'switched-off',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ body: 'should not run' }),
});
