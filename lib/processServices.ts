import { getConfig } from './config';
import { createGraphGateway, type GraphCaller } from './graph/createGraphGateway';
import { type GraphGateway } from './graph/gateway';
import { createLogger } from './log';

/**
 * Process-wide services. One gateway per process on purpose: its write limiter and throttle gate only
 * protect the Graph quota if every activity of this worker shares them.
 */
let gateway: (GraphGateway & GraphCaller) | undefined;

export function processGraphGateway(): GraphGateway & GraphCaller {
  // Retry and throttling warnings of the shared gateway go to the worker log (masked like every log line).
  gateway ??= createGraphGateway(getConfig().graph, { logger: createLogger(console) });
  return gateway;
}
