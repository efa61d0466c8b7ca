import { app } from '@azure/functions';

/**
 * HTTP bodies reach the functions as streams (the host forwards them to the worker's own HTTP server)
 * instead of whole buffers over gRPC: httpStart can then refuse a body as soon as it passes
 * SYNC_MAX_REQUEST_BYTES, and no process holds a 100 MB upload in memory. Needs Functions host 4.28+.
 */
app.setup({ enableHttpStream: true });
