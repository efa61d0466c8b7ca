// An app with HTTP streaming on: the host forwards bodies to the library's own HTTP server.
const { app } = require('@azure/functions');

app.setup({ enableHttpStream: true });

// Counts the body as it streams in; refuses (413) as soon as it passes ?limit= bytes, without reading on.
app.http('count', {
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request) => {
    const limit = Number(request.query.get('limit') ?? Infinity);
    let bytes = 0;
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > limit) {
        await reader.cancel();
        return { status: 413, jsonBody: { refusedAfter: bytes } };
      }
    }
    return { jsonBody: { bytes, url: request.url, method: request.method } };
  },
});
