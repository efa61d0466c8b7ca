import type { FunctionInfo } from '../app/functionCatalog';
import type { TriggerDispatcher } from '../triggers/dispatcher';
import { empty, headerValue, json, type HostRequest, type HostResponse } from './httpTypes';

/**
 * Event Grid's webhook for Event Grid triggers, `POST /runtime/webhooks/EventGrid?functionName={name}`, as the
 * WebJobs Event Grid extension answers it (HttpRequestProcessor): `aeg-event-type: SubscriptionValidation` gets
 * the validation code back; `Notification` runs the function once per event (a single object or an array, Event
 * Grid or CloudEvents schema) and answers 202, or 500 if any invocation failed; `Unsubscribe` 202; else 400.
 * An unknown function name is 404. OPTIONS answers the CloudEvents abuse-protection handshake.
 */
export async function handleEventGridWebhook(
  catalog: ReadonlyMap<string, FunctionInfo>,
  dispatcher: TriggerDispatcher,
  request: HostRequest,
): Promise<HostResponse> {
  const method = request.method.toUpperCase();
  if (method === 'OPTIONS') {
    const origin = headerValue(request.headers, 'webhook-request-origin');
    return empty(200, origin ? { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*' } : {});
  }
  if (method !== 'POST') return empty(404);
  const functionName = request.url.searchParams.get('functionName') ?? '';
  const fn = catalog.get(functionName);
  if (!fn || fn.kind !== 'eventGrid' || fn.error || fn.disabled) {
    return {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `cannot find function: '${functionName}'`,
    };
  }
  const eventType = (headerValue(request.headers, 'aeg-event-type') ?? '').toLowerCase();
  if (eventType === 'unsubscribe') return empty(202);
  if (eventType !== 'subscriptionvalidation' && eventType !== 'notification') return empty(400);

  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    return empty(400);
  }
  if (eventType === 'subscriptionvalidation') {
    const code = validationCode(parsed);
    return code === undefined ? empty(400) : json(200, { validationResponse: code });
  }
  const events = Array.isArray(parsed)
    ? parsed
    : typeof parsed === 'object' && parsed !== null
      ? [parsed]
      : undefined;
  if (!events) return empty(400);
  const results = await Promise.all(
    events.map((event) => dispatcher.dispatch(fn.name, event, { reason: 'EventGrid trigger fired' })),
  );
  const failure = results.find((result) => result.status === 'failed');
  if (failure && failure.status === 'failed') {
    return {
      status: 500,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: failure.error.message,
    };
  }
  return empty(202);
}

function validationCode(parsed: unknown): string | undefined {
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  if (typeof first !== 'object' || first === null) return undefined;
  let data: unknown = (first as Record<string, unknown>)['data'];
  // CloudEvents validation events carry their data double-encoded.
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const code =
    typeof data === 'object' && data !== null
      ? (data as Record<string, unknown>)['validationCode']
      : undefined;
  return typeof code === 'string' ? code : undefined;
}
