/**
 * The data the extension sends for `df.input.durableClient()` (reference §2.1). durable-functions 3.x sends every
 * client call to `rpcBaseUrl` (which must end with `/`); `managementUrls` only feed createCheckStatusResponse.
 */
export interface ClientBindingSettings {
  /** e.g. http://127.0.0.1:7071 */
  readonly origin: string;
  readonly hubName: string;
  /** `code=<system key>` when keys are enforced, empty otherwise (as under Core Tools). */
  readonly requiredQueryStringParameters: string;
}

export const DURABLE_WEBHOOK_PATH = '/runtime/webhooks/durabletask';
export const DURABLE_RPC_PATH = '/durabletask/';
export const DEFAULT_CONNECTION_NAME = 'Storage';

export function durableClientData(settings: ClientBindingSettings): string {
  const baseUrl = `${settings.origin}${DURABLE_WEBHOOK_PATH}`;
  const code = settings.requiredQueryStringParameters;
  const codeSuffix = code.length > 0 ? `&${code}` : '';
  const instanceQuery = `taskHub=${encodeURIComponent(settings.hubName)}&connection=${DEFAULT_CONNECTION_NAME}${codeSuffix}`;
  const instance = `${baseUrl}/instances/INSTANCEID`;
  return JSON.stringify({
    taskHubName: settings.hubName,
    creationUrls: {
      createNewInstancePostUri: `${baseUrl}/orchestrators/{functionName}[/{instanceId}]${code.length > 0 ? `?${code}` : ''}`,
      createAndWaitOnNewInstancePostUri: `${baseUrl}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}${codeSuffix}`,
    },
    managementUrls: managementUrls(settings, 'INSTANCEID', instance, instanceQuery),
    baseUrl,
    requiredQueryStringParameters: code,
    rpcBaseUrl: `${settings.origin}${DURABLE_RPC_PATH}`,
  });
}

/** The check-status payload: the URLs of one instance on the public webhook (with the system key, if any). */
export function managementPayload(
  settings: ClientBindingSettings,
  instanceId: string,
): Record<string, string> {
  const code = settings.requiredQueryStringParameters;
  const instanceQuery = `taskHub=${encodeURIComponent(settings.hubName)}&connection=${DEFAULT_CONNECTION_NAME}${code.length > 0 ? `&${code}` : ''}`;
  const instance = `${settings.origin}${DURABLE_WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const urls = managementUrls(settings, instanceId, instance, instanceQuery);
  return {
    id: instanceId,
    statusQueryGetUri: urls['statusQueryGetUri'] ?? '',
    sendEventPostUri: urls['sendEventPostUri'] ?? '',
    terminatePostUri: urls['terminatePostUri'] ?? '',
    purgeHistoryDeleteUri: urls['purgeHistoryDeleteUri'] ?? '',
    restartPostUri: urls['restartPostUri'] ?? '',
    suspendPostUri: urls['suspendPostUri'] ?? '',
    resumePostUri: urls['resumePostUri'] ?? '',
  };
}

function managementUrls(
  _settings: ClientBindingSettings,
  id: string,
  instance: string,
  query: string,
): Record<string, string> {
  return {
    id,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}
