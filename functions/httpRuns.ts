import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { problemResponse, PROBLEM_TYPES } from '../lib/http/problem';
import { redactPhoneNumbers } from '../lib/phone/mask';
import { decodeCursor, listRuns, type RunsListClient, type RunsQuery } from '../lib/runsList';

/**
 * `GET /api/sync?top=20&days=30&cursor=...`: the product's recent runs, newest first, paged with an opaque
 * cursor (`nextCursor` of the previous page).
 */
export async function httpRuns(
  request: HttpRequest,
  client: RunsListClient,
  _context: InvocationContext,
  now: Date = new Date(),
): Promise<HttpResponseInit> {
  const query = parseRunsQuery(request.query);
  if (typeof query === 'string') {
    return problemResponse({
      type: PROBLEM_TYPES.invalidQuery,
      title: 'Invalid query',
      status: 400,
      detail: query,
    });
  }
  const page = await listRuns(client, query, now);
  // A requester is whatever the door recorded (a message id, a header): mask it like any text we show.
  for (const run of page.runs) run.requester = redactPhoneNumbers(run.requester);
  return { status: 200, headers: { 'Cache-Control': 'no-store' }, jsonBody: page };
}

export function parseRunsQuery(params: URLSearchParams): RunsQuery | string {
  const top = wholeNumber(params.get('top'), 20);
  if (top === undefined || top < 1 || top > 100) return "'top' must be a whole number from 1 to 100";
  const days = wholeNumber(params.get('days'), 30);
  if (days === undefined || days < 1 || days > 3650) return "'days' must be a whole number from 1 to 3650";
  const cursorText = params.get('cursor');
  const cursor = cursorText === null || cursorText === '' ? undefined : decodeCursor(cursorText);
  if (cursorText !== null && cursorText !== '' && cursor === undefined) {
    return "'cursor' is not a value this API returned as nextCursor";
  }
  return { top, days, cursor };
}

function wholeNumber(text: string | null, fallback: number): number | undefined {
  if (text === null || text === '') return fallback;
  return /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}

df.app.client.http('httpRuns', {
  route: 'sync',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, client, context) => httpRuns(request, client, context),
});
