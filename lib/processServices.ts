import { getConfig } from './config';
import { createGraphGateway } from './graph/createGraphGateway';
import { type GraphGateway } from './graph/gateway';

/**
 * Process-wide services. One gateway per process on purpose: its write limiter and throttle gate only
 * protect the Graph quota if every activity of this worker shares them.
 */
let gateway: GraphGateway | undefined;

export function processGraphGateway(): GraphGateway {
  gateway ??= createGraphGateway(getConfig().graph);
  return gateway;
}
