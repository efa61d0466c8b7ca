import { z } from 'zod';
import { type GraphCaller, type GraphAnswer } from './createGraphGateway';
import { errorFromResponse, malformedResponseError } from './errorMapping';
import { GraphRequestError } from './errors';
import { type GraphCallOptions, type GraphUser } from './gateway';

/**
 * The Graph calls of the automatic doors: the users change subscription (reference/graph.md §7), the
 * users delta query (§6) and group membership for the pilot scope. They ride on the gateway's transport
 * (token, retries, throttling); this module builds the paths from escaped segments and checks every
 * answer with a schema. Every method rejects with `GraphRequestError` only.
 */
export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
}

export interface NewSubscription {
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  expirationDateTime: string;
}

/** One user as a delta page returned it: the selected properties, or a removal. */
export interface DeltaUser {
  id: string;
  removed: boolean;
  user: GraphUser;
}

export type DeltaPage =
  | { kind: 'page'; users: DeltaUser[]; nextLink: string | null; deltaLink: string | null }
  /** The link is no longer valid (410, expired or unknown sync state): start over with a full round. */
  | { kind: 'resync'; reason: string };

export interface DirectoryApi {
  listSubscriptions(options?: GraphCallOptions): Promise<GraphSubscription[]>;
  createSubscription(request: NewSubscription, options?: GraphCallOptions): Promise<GraphSubscription>;
  renewSubscription(
    id: string,
    expirationDateTime: string,
    options?: GraphCallOptions,
  ): Promise<GraphSubscription>;
  reauthorizeSubscription(id: string, options?: GraphCallOptions): Promise<void>;
  /** `link` null starts a full round with `$select=<select>`; otherwise a nextLink/deltaLink Graph gave. */
  deltaPage(link: string | null, select: string, options?: GraphCallOptions): Promise<DeltaPage>;
  /** Ids of the users that are transitive members of the group. */
  transitiveMemberUserIds(groupId: string, options?: GraphCallOptions): Promise<Set<string>>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A `$select` value: property names, comma-separated (never caller text with other characters). */
const SELECT = /^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+)*$/;
/** Sync-state codes Graph uses for a delta token it no longer knows (reference/graph.md §6). */
const RESYNC_CODES = /syncstate|resyncrequired|token/i;
/** Bounds a paged listing, so a link loop cannot run forever. */
const MAX_LIST_PAGES = 1_000;

const subscriptionSchema = z.object({
  id: z.string().min(1).max(200),
  resource: z.string(),
  changeType: z.string(),
  notificationUrl: z.string(),
  lifecycleNotificationUrl: z.string().nullish(),
  expirationDateTime: z.string(),
});
const subscriptionListSchema = z.object({
  value: z.array(subscriptionSchema),
  '@odata.nextLink': z.string().optional(),
});
const deltaSchema = z.object({
  value: z.array(z.object({ id: z.string().min(1).max(200) }).passthrough()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});
const memberListSchema = z.object({
  value: z.array(z.object({ id: z.string().min(1).max(200) }).passthrough()),
  '@odata.nextLink': z.string().optional(),
});

export function createDirectoryApi(graph: GraphCaller, graphBaseUrl: string): DirectoryApi {
  const origin = new URL(graphBaseUrl).origin;

  /** Graph's own links only: a link to another host would carry our token there. */
  const checkedLink = (operation: string, link: string): string => {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw invalidArgument(operation, 'the link is not a URL');
    }
    if (url.origin !== origin)
      throw invalidArgument(operation, 'the link does not point at the configured Graph');
    return link;
  };

  const body = <T>(operation: string, answer: GraphAnswer, schema: z.ZodType<T>): T => {
    failUnlessSuccess(operation, answer);
    let json: unknown;
    try {
      json = JSON.parse(answer.bodyText);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    throw malformedResponseError({
      operation,
      status: answer.status,
      why: `unexpected body: ${parsed.error.issues[0]?.message ?? 'not JSON'}`,
      retryable: false,
      requestId: answer.headers.get('request-id') ?? undefined,
      clientRequestId: answer.clientRequestId,
    });
  };

  const subscription = (raw: z.infer<typeof subscriptionSchema>): GraphSubscription => ({
    ...raw,
    lifecycleNotificationUrl: raw.lifecycleNotificationUrl ?? null,
  });

  return {
    async listSubscriptions(options) {
      const found: GraphSubscription[] = [];
      let path: string | undefined = '/subscriptions';
      for (let page = 0; path !== undefined && page < MAX_LIST_PAGES; page += 1) {
        const answer = await graph.send('listSubscriptions', 'GET', path, undefined, options);
        const list = body('listSubscriptions', answer, subscriptionListSchema);
        found.push(...list.value.map(subscription));
        const next = list['@odata.nextLink'];
        path = next === undefined ? undefined : checkedLink('listSubscriptions', next);
      }
      return found;
    },

    async createSubscription(request, options) {
      const answer = await graph.send(
        'createSubscription',
        'POST',
        '/subscriptions',
        { ...request },
        options,
      );
      return subscription(body('createSubscription', answer, subscriptionSchema));
    },

    async renewSubscription(id, expirationDateTime, options) {
      const path = `/subscriptions/${subscriptionSegment('renewSubscription', id)}`;
      const answer = await graph.send('renewSubscription', 'PATCH', path, { expirationDateTime }, options);
      return subscription(body('renewSubscription', answer, subscriptionSchema));
    },

    async reauthorizeSubscription(id, options) {
      const path = `/subscriptions/${subscriptionSegment('reauthorizeSubscription', id)}/reauthorize`;
      const answer = await graph.send('reauthorizeSubscription', 'POST', path, {}, options);
      failUnlessSuccess('reauthorizeSubscription', answer);
    },

    async deltaPage(link, select, options) {
      if (!SELECT.test(select))
        throw invalidArgument('deltaPage', 'the $select value is not a property list');
      // Query options go on the first request only; Graph encodes them into its links (§6).
      const path = link === null ? `/users/delta?$select=${select}` : checkedLink('deltaPage', link);
      const answer = await graph.send('deltaPage', 'GET', path, undefined, options);
      if (answer.status === 410) return { kind: 'resync', reason: 'Graph answered 410 Gone' };
      if (answer.status >= 400 && answer.status < 500 && link !== null && answer.status !== 429) {
        const error = toError('deltaPage', answer);
        if (error.status === 404 || RESYNC_CODES.test(error.code ?? '')) {
          return { kind: 'resync', reason: `Graph answered ${error.status} ${error.code ?? ''}`.trim() };
        }
        throw error;
      }
      const page = body('deltaPage', answer, deltaSchema);
      const users = page.value.map((entry): DeltaUser => {
        const user = entry as GraphUser;
        return { id: entry.id, removed: '@removed' in entry, user };
      });
      return {
        kind: 'page',
        users,
        nextLink: page['@odata.nextLink'] ?? null,
        deltaLink: page['@odata.deltaLink'] ?? null,
      };
    },

    async transitiveMemberUserIds(groupId, options) {
      if (!GUID.test(groupId)) throw invalidArgument('transitiveMembers', 'the group id is not a GUID');
      const ids = new Set<string>();
      let path: string | undefined =
        `/groups/${groupId.toLowerCase()}/transitiveMembers/microsoft.graph.user?$select=id`;
      for (let page = 0; path !== undefined && page < 100_000; page += 1) {
        const answer = await graph.send('transitiveMembers', 'GET', path, undefined, options);
        const list = body('transitiveMembers', answer, memberListSchema);
        for (const member of list.value) ids.add(member.id.toLowerCase());
        const next = list['@odata.nextLink'];
        path = next === undefined ? undefined : checkedLink('transitiveMembers', next);
      }
      return ids;
    },
  };
}

function failUnlessSuccess(operation: string, answer: GraphAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  throw toError(operation, answer);
}

function toError(operation: string, answer: GraphAnswer): GraphRequestError {
  return errorFromResponse({
    operation,
    status: answer.status,
    headers: answer.headers,
    bodyText: answer.bodyText,
    clientRequestId: answer.clientRequestId,
    nowMs: Date.now(),
  });
}

function subscriptionSegment(operation: string, id: string): string {
  if (!/^[A-Za-z0-9-]{1,100}$/.test(id)) throw invalidArgument(operation, 'the subscription id is malformed');
  return encodeURIComponent(id);
}

function invalidArgument(operation: string, why: string): GraphRequestError {
  return new GraphRequestError(`${operation}: ${why}`, {
    kind: 'invalid',
    status: 0,
    code: 'InvalidArgument',
  });
}
