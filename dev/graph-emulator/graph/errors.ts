import { graphErrorDate } from '../core/ids';
import { type HeaderMap } from '../core/http';
import { type ErrorChoice } from '../options';
import { type GraphResponse } from './types';

export const ODATA_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/**
 * A Graph error (reference/graph.md §2.7). Handlers throw or return these; the pipeline turns them into the
 * OData error body with `innerError` (`date`, `request-id`, `client-request-id`).
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: HeaderMap = {},
    /** Extra `innerError` fields (the 429 sample carries code/status/message there). */
    readonly innerExtra: Record<string, string> = {},
  ) {
    super(message);
  }

  static from(choice: ErrorChoice, message: string): GraphError {
    return new GraphError(choice.status, choice.code, message);
  }

  toResponse(requestId: string, clientRequestId: string): GraphResponse {
    return {
      status: this.status,
      headers: { 'Content-Type': ODATA_JSON, ...this.headers },
      body: {
        error: {
          code: this.code,
          message: this.message,
          innerError: {
            ...this.innerExtra,
            date: graphErrorDate(),
            'request-id': requestId,
            'client-request-id': clientRequestId,
          },
        },
      },
    };
  }
}

export const errors = {
  userNotFound: (key: string): GraphError =>
    new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  segmentNotFound: (segment: string): GraphError =>
    new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  dollarUpnInPath: (segment: string): GraphError =>
    new GraphError(
      400,
      'BadRequest',
      `The segment '${segment}' starts with '$', which OData reserves for system segments; address the user as users('${segment}').`,
    ),
  methodNotAllowed: (method: string): GraphError =>
    new GraphError(
      405,
      'Request_BadRequest',
      `Specified HTTP method is not allowed for the request target: ${method}.`,
    ),
  invalidJson: (): GraphError =>
    new GraphError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    ),
  unsupportedMediaType: (): GraphError =>
    new GraphError(
      415,
      'UnsupportedMediaType',
      'The request content type is not supported; use application/json.',
    ),
  unknownProperty: (name: string, type = 'microsoft.graph.user'): GraphError =>
    new GraphError(400, 'BadRequest', `Could not find a property named '${name}' on type '${type}'.`),
  invalidQuery: (message: string): GraphError => new GraphError(400, 'BadRequest', message),
  unsupportedQuery: (message: string): GraphError => new GraphError(400, 'Request_UnsupportedQuery', message),
  invalidRequest: (message: string): GraphError => new GraphError(400, 'InvalidRequest', message),
  meNeedsUser: (): GraphError =>
    new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.'),
  directoryForbidden: (): GraphError =>
    new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  unauthorized: (message: string, authorityHost: string): GraphError =>
    new GraphError(401, 'InvalidAuthenticationToken', message, {
      'WWW-Authenticate': `Bearer realm="", authorization_uri="${authorityHost}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
    }),
  throttled: (retryAfterSeconds: number, headers: HeaderMap): GraphError =>
    new GraphError(
      429,
      'TooManyRequests',
      'Please retry again later.',
      { 'Retry-After': String(retryAfterSeconds), ...headers },
      { code: '429', message: 'Please retry after', status: '429' },
    ),
  unavailable: (retryAfterSeconds: number): GraphError =>
    new GraphError(
      503,
      'serviceNotAvailable',
      'The service is temporarily unavailable. Please retry later.',
      {
        'Retry-After': String(retryAfterSeconds),
      },
    ),
  gatewayTimeout: (): GraphError =>
    new GraphError(
      504,
      'UnknownError',
      'The gateway did not receive a timely response from the upstream server.',
    ),
};
