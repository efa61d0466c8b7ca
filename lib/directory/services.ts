import { getConfig } from '../config';
import { createDirectoryApi, type DirectoryApi } from '../graph/directoryApi';
import { processGraphGateway } from '../processServices';
import { createPilotScope, type PilotScope } from './pilotScope';
import { getDirectorySettings } from './settings';

/**
 * Process-wide services of the automatic doors, on the process's one Graph gateway (its throttle gate and
 * write limiter are shared with the activities).
 */
let directory: DirectoryApi | undefined;
let pilot: PilotScope | undefined;

export function processDirectoryApi(): DirectoryApi {
  directory ??= createDirectoryApi(processGraphGateway(), getConfig().graph.baseUrl);
  return directory;
}

export function processPilotScope(): PilotScope {
  pilot ??= createPilotScope(getDirectorySettings().pilotGroupId, processDirectoryApi);
  return pilot;
}
