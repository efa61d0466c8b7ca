import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { ConfigError, getConfig, type AppConfig } from '../lib/config';
import { problemResponse, PROBLEM_TYPES } from '../lib/http/problem';
import { secretMatches } from '../lib/http/sharedSecret';
import { publicUrl } from '../lib/http/publicUrl';
import { readBodyLimited } from '../lib/http/readBody';
import { checkMediaType, decodeJsonBody, tooLargeProblem } from '../lib/input/decodeBody';
import { parseSyncRequest } from '../lib/input/syncRequest';
import { createLogger } from '../lib/log';
import { newRunId, runIdFromIdempotencyKey } from '../lib/runId';
import { buildRunInput, startRunOnce, type RunClient } from '../lib/runs';
import { keysToResolve } from '../lib/sync/identity';

/**
 * `POST /api/sync`: validates a batch of users and starts one run for it.
 *
 * Accepts the legacy runbook webhook body exactly as PowerShell sends it (see lib/input/decodeBody.ts and
 * lib/input/syncRequest.ts) and answers like an Automation webhook (`202 {"JobIds": [...]}`), so legacy
 * callers switch by changing the URL only.
 */
export async function httpStart(
  request: HttpRequest,
  client: RunClient,
  context: InvocationContext,
  config: AppConfig = getConfig(),
): Promise<HttpResponseInit> {
  const log = createLogger(context);

  if (config.legacySecret !== null) {
    const { headerName, secret } = config.legacySecret;
    if (!secretMatches(request.headers.get(headerName), secret)) {
      log.warn('sync request refused: shared secret missing or wrong', { header: headerName });
      return problemResponse({
        type: PROBLEM_TYPES.unauthorized,
        title: 'Shared secret missing or wrong',
        status: 401,
        detail: `the '${headerName}' header must carry the configured shared secret`,
      });
    }
  }

  const queryDryRun = request.query.get('dryRun');
  if (queryDryRun !== null && !/^(true|false)$/i.test(queryDryRun)) {
    return problemResponse({
      type: PROBLEM_TYPES.invalidQuery,
      title: 'Invalid dryRun parameter',
      status: 400,
      detail: "the 'dryRun' query parameter must be true or false",
    });
  }

  const idempotencyKey = request.headers.get('idempotency-key');
  if (idempotencyKey !== null && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
    return problemResponse({
      type: PROBLEM_TYPES.invalidHeader,
      title: 'Invalid Idempotency-Key',
      status: 400,
      detail: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
    });
  }

  // Refuse what we can before reading a byte: a wrong media type or charset, a declared size over the limit.
  const mediaProblem = checkMediaType(request.headers.get('content-type'));
  if (mediaProblem !== undefined) return problemResponse(mediaProblem);
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > config.limits.maxRequestBytes) {
    return problemResponse(tooLargeProblem(config.limits.maxRequestBytes, declaredLength));
  }
  // Read as a stream: a chunked body declares no length, and must be refused as soon as it passes the limit.
  const read = await readBodyLimited(request.body, config.limits.maxRequestBytes);
  if (!read.ok) return problemResponse(tooLargeProblem(config.limits.maxRequestBytes));
  const decoded = decodeJsonBody(
    request.headers.get('content-type'),
    read.bytes,
    config.limits.maxRequestBytes,
  );
  if (!decoded.ok) return problemResponse(decoded.problem);

  const parsed = parseSyncRequest(decoded.value, config.limits.maxUsersPerRequest);
  if (!parsed.ok) {
    const tooMany = parsed.kind === 'tooMany';
    log.warn('sync request refused', { reason: parsed.detail, problems: parsed.problems.length });
    return problemResponse({
      type: tooMany ? PROBLEM_TYPES.tooLarge : PROBLEM_TYPES.invalidBody,
      title: tooMany ? 'Too many users' : 'Invalid sync request',
      status: tooMany ? 413 : 400,
      detail: parsed.detail,
      ...(parsed.problems.length > 0 ? { errors: parsed.problems } : {}),
      ...(parsed.moreProblems > 0 ? { moreErrors: parsed.moreProblems } : {}),
    });
  }
  const { users, shape, duplicatesRemoved } = parsed.request;

  const fromQuery = queryDryRun === null ? undefined : queryDryRun.toLowerCase() === 'true';
  if (parsed.request.dryRun !== undefined && fromQuery !== undefined && parsed.request.dryRun !== fromQuery) {
    return problemResponse({
      type: PROBLEM_TYPES.invalidBody,
      title: 'Contradicting dryRun',
      status: 400,
      detail: "the body's dryRun and the 'dryRun' query parameter disagree",
    });
  }
  const dryRun = parsed.request.dryRun ?? fromQuery ?? config.dryRunDefault;

  const runId = idempotencyKey === null ? newRunId() : runIdFromIdempotencyKey(idempotencyKey);
  const requester = shape === 'legacy' ? 'http:legacy-webhook' : 'http';
  const input = buildRunInput({ users, dryRun, trigger: 'http', requester }, config);
  const started = await startRunOnce(client, runId, input);
  if (started.kind === 'existing' && !started.sameRequest) {
    return problemResponse({
      type: PROBLEM_TYPES.idempotencyConflict,
      title: 'Idempotency-Key reused',
      status: 422,
      detail: 'this Idempotency-Key was already used for a different request; use a new key for a new batch',
    });
  }

  // From the app's configured host name, never the caller's Host header (lib/http/publicUrl.ts).
  const statusUrl = publicUrl(`/api/sync/${encodeURIComponent(runId)}`, config.publicHostName);
  log.info(started.kind === 'started' ? 'sync run started' : 'sync run already started', {
    runId,
    users: users.length,
    dryRun,
    shape,
  });
  return {
    status: 202,
    headers: { Location: statusUrl, 'Retry-After': '5', 'Content-Type': 'application/json; charset=utf-8' },
    jsonBody: {
      // The Automation webhook's answer, so legacy callers that read JobIds keep working.
      JobIds: [runId],
      id: runId,
      status: started.kind === 'started' ? 'accepted' : 'alreadyAccepted',
      statusUrl,
      dryRun,
      users: users.length,
      duplicatesRemoved,
      // A batch naming users both by object id and by UPN is checked for people named twice when the run
      // starts (lib/sync/identity.ts); the summary then counts those too.
      identityCheck: keysToResolve(users).length > 0 ? 'atRunStart' : 'notNeeded',
    },
  };
}

/** A misconfigured app answers 500 with the names of the bad settings (never their values). */
async function httpStartOrExplain(
  request: HttpRequest,
  client: RunClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  let config: AppConfig;
  try {
    config = getConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger(context).error(error.message);
    return problemResponse({
      type: PROBLEM_TYPES.misconfigured,
      title: 'The app is misconfigured',
      status: 500,
      detail: error.message,
    });
  }
  return httpStart(request, client, context, config);
}

df.app.client.http('httpStart', {
  route: 'sync',
  methods: ['POST'],
  authLevel: 'function',
  handler: httpStartOrExplain,
});
