import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type z } from 'zod';
import { parseQuery, readBody, safeDecode, sendEmpty, sendJson, splitUrl } from '../core/http';
import { type IssuedToken, type MintTokenRequest } from '../entra/tokens';
import { type EventPublisher } from '../events/publisher';
import { type FaultInjector } from '../faults/faultInjector';
import { type LatencyModel } from '../faults/latency';
import { type RequestLog } from '../log/requestLog';
import { type ThrottlingOptions, type UndocumentedChoices } from '../options';
import { SeedValidationError } from '../seed/load';
import { seedUserSchema, userPatchSchema, PHONE_TYPES } from '../seed/schema';
import { type GroupStore } from '../store/groups';
import { type SubscriptionStore } from '../store/subscriptionStore';
import { StoreError, type TenantStore } from '../store/tenantStore';
import { type PhoneType, type UserRecord } from '../store/users';
import {
  choicesSchema,
  eventSinkSchema,
  eventDeliverySchema,
  groupSchema,
  faultProfileSchema,
  latencyProfileSchema,
  mintTokenSchema,
  reseedSchema,
  scriptedFaultSchema,
  setPhoneMethodSchema,
  throttlingSchema,
} from './schemas';
import { type ControlUser, type EmulatorStats, type ReseedRequest, type TenantSummary } from './types';

/** Everything the control API may touch; implemented by the running emulator. */
export interface ControlTarget {
  store(): TenantStore;
  subscriptions(): SubscriptionStore;
  groups(): GroupStore;
  summary(): TenantSummary;
  stats(): EmulatorStats;
  reseed(request: ReseedRequest): Promise<TenantSummary>;
  controlUser(user: UserRecord): ControlUser;
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly latency: LatencyModel;
  readonly publisher: EventPublisher;
  readonly choices: UndocumentedChoices;
  updateThrottling(options: Partial<ThrottlingOptions>): ThrottlingOptions;
  resetThrottling(): void;
  throttlingSettings(): ThrottlingOptions;
  requestDeltaResync(): void;
  mintToken(request: MintTokenRequest): Promise<IssuedToken>;
}

export const CONTROL_PREFIX = '/_emulator';

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: readonly string[],
  ) {
    super(message);
  }
}

/** Control bodies may be whole tenants (a reseed), far bigger than any Graph request. */
const CONTROL_BODY_LIMIT = 512 * 1024 * 1024;

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const buffer = await readBody(req, CONTROL_BODY_LIMIT);
  if (buffer.length === 0) return undefined;
  try {
    return JSON.parse(buffer.toString('utf8')) as unknown;
  } catch {
    throw new ControlError(400, 'Body is not valid JSON.');
  }
}

function validate<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ControlError(
      400,
      'Invalid control request body.',
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return result.data;
}

function findUser(target: ControlTarget, key: string): UserRecord {
  const user = target.store().findUser(key, { includeSoftDeleted: true });
  if (!user) throw new ControlError(404, `No user '${key}'.`);
  return user;
}

/** The control API: `/_emulator/...` on the Graph port (cannot collide with `/v1.0`). */
export async function handleControl(
  target: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { path, query: rawQuery } = splitUrl(req.url ?? '/');
  const query = parseQuery(rawQuery);
  const segments = path.slice(CONTROL_PREFIX.length).split('/').filter(Boolean).map(safeDecode);
  const method = req.method ?? 'GET';
  const [a, b, c, d] = segments;
  try {
    // GET /_emulator/info
    if (a === 'info' && method === 'GET') return sendJson(res, 200, target.summary());
    if (a === 'stats' && method === 'GET') return sendJson(res, 200, target.stats());
    if (a === 'tenant' && method === 'POST' && !b) {
      const body = validate(reseedSchema, await jsonBody(req)) as ReseedRequest;
      return sendJson(res, 200, await target.reseed(body));
    }
    if (a === 'users') return await users(target, req, res, method, query, b, c, d);
    if (a === 'requests') {
      if (method === 'GET') {
        const since = Number(query.get('since') ?? 0);
        const limit = Number(query.get('limit') ?? 1000);
        return sendJson(res, 200, { value: target.log.list(since, limit), lastSeq: target.log.lastSeq });
      }
      if (method === 'DELETE') {
        target.log.clear();
        return sendEmpty(res, 204);
      }
    }
    if (a === 'faults') {
      if (!b && method === 'PUT') {
        const body = await jsonBody(req);
        target.faults.setProfile(
          body === null || body === undefined ? undefined : validate(faultProfileSchema, body),
        );
        return sendEmpty(res, 204);
      }
      if (b === 'scripted' && method === 'POST') {
        target.faults.addScripted(validate(scriptedFaultSchema, await jsonBody(req)));
        return sendJson(res, 200, { pending: target.faults.pendingScripted });
      }
      if (!b && method === 'DELETE') {
        target.faults.clear();
        return sendEmpty(res, 204);
      }
    }
    if (a === 'latency' && method === 'PUT') {
      target.latency.set(validate(latencyProfileSchema, await jsonBody(req)));
      return sendEmpty(res, 204);
    }
    if (a === 'throttling') {
      if (!b && method === 'GET') return sendJson(res, 200, target.throttlingSettings());
      if (!b && method === 'PUT')
        return sendJson(res, 200, target.updateThrottling(validate(throttlingSchema, await jsonBody(req))));
      if (b === 'reset' && method === 'POST') {
        target.resetThrottling();
        return sendEmpty(res, 204);
      }
    }
    if (a === 'choices') {
      if (method === 'GET') return sendJson(res, 200, target.choices);
      if (method === 'PUT') {
        Object.assign(target.choices, validate(choicesSchema, await jsonBody(req)));
        return sendJson(res, 200, target.choices);
      }
    }
    if (a === 'delta' && b === 'resync' && method === 'POST') {
      target.requestDeltaResync();
      return sendEmpty(res, 204);
    }
    if (a === 'subscriptions') {
      if (!b && method === 'GET') return sendJson(res, 200, { value: target.subscriptions().all });
      if (b && c === 'reauthorizationRequired' && method === 'POST') {
        const sub = target.subscriptions().get(b);
        if (!sub) throw new ControlError(404, `No subscription '${b}'.`);
        target.publisher.requireReauthorization(sub, query.get('pause') !== 'false');
        return sendJson(res, 200, sub);
      }
    }
    if (a === 'groups') {
      if (!b && method === 'GET') return sendJson(res, 200, { value: target.groups().all });
      if (b && !c && method === 'PUT') {
        const body = validate(groupSchema, await jsonBody(req));
        if (!/^[0-9a-f-]{36}$/i.test(b)) throw new ControlError(400, 'A group id is a GUID.');
        return sendJson(
          res,
          200,
          target.groups().put({ id: b, displayName: body.displayName ?? b, members: body.members }),
        );
      }
      if (b && !c && method === 'DELETE') {
        target.groups().delete(b);
        return sendEmpty(res, 204);
      }
    }
    if (a === 'events') {
      if (!b && method === 'GET')
        return sendJson(res, 200, { value: target.publisher.records(Number(query.get('since') ?? 0)) });
      if (b === 'flush' && method === 'POST') {
        await target.publisher.flush();
        return sendEmpty(res, 204);
      }
      if (b === 'delivery' && method === 'GET') return sendJson(res, 200, target.publisher.delivery());
      if (b === 'delivery' && method === 'PUT') {
        target.publisher.setDelivery(validate(eventDeliverySchema, (await jsonBody(req)) ?? {}));
        return sendJson(res, 200, target.publisher.delivery());
      }
      if (b === 'sink' && method === 'PUT') {
        const body = await jsonBody(req);
        target.publisher.setSink(
          body === null || body === undefined ? undefined : validate(eventSinkSchema, body),
        );
        return sendEmpty(res, 204);
      }
    }
    if (a === 'tokens' && method === 'POST') {
      const issued = await target.mintToken(validate(mintTokenSchema, (await jsonBody(req)) ?? {}));
      return sendJson(res, 200, issued);
    }
    throw new ControlError(404, `No control endpoint ${method} ${path}.`);
  } catch (error) {
    if (error instanceof ControlError) {
      return sendJson(res, error.status, {
        error: error.message,
        ...(error.details ? { details: error.details } : {}),
      });
    }
    if (error instanceof SeedValidationError)
      return sendJson(res, 400, { error: error.message, details: error.issues });
    if (error instanceof StoreError) return sendJson(res, error.status, { error: error.message });
    return sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

async function users(
  target: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  query: Map<string, string>,
  key: string | undefined,
  sub: string | undefined,
  type: string | undefined,
): Promise<void> {
  const store = target.store();
  if (!key) {
    if (method === 'GET') {
      const skip = Number(query.get('skip') ?? 0);
      const top = Math.min(Number(query.get('top') ?? 100), 1000);
      const value: ControlUser[] = [];
      let index = skip;
      for (; index < store.enumerationLength && value.length < top; index++) {
        const user = store.at(index);
        if (user && !user.purged) value.push(target.controlUser(user));
      }
      return sendJson(res, 200, {
        value,
        total: store.userCount,
        nextSkip: index < store.enumerationLength ? index : null,
      });
    }
    if (method === 'POST') {
      const seedUser = validate(seedUserSchema, await jsonBody(req));
      for (const name of Object.keys(seedUser.extensions ?? {})) {
        if (!store.directoryExtension(name))
          throw new ControlError(400, `Directory extension ${name} is not registered.`);
      }
      return sendJson(res, 201, target.controlUser(store.addUser(seedUser)));
    }
  }
  if (key && !sub) {
    const user = findUser(target, key);
    if (method === 'GET') return sendJson(res, 200, target.controlUser(user));
    if (method === 'PATCH') {
      const changed = store.updateUser(user, validate(userPatchSchema, await jsonBody(req)));
      return sendJson(res, 200, { user: target.controlUser(user), changed });
    }
    if (method === 'DELETE') {
      store.deleteUser(user, query.get('permanent') === 'true');
      return sendEmpty(res, 204);
    }
  }
  if (key && sub === 'restore' && method === 'POST') {
    const user = findUser(target, key);
    store.restoreUser(user);
    return sendJson(res, 200, target.controlUser(user));
  }
  if (key && sub === 'phoneMethods' && type && method === 'PUT') {
    if (!(PHONE_TYPES as readonly string[]).includes(type))
      throw new ControlError(400, `Unknown phone type '${type}'.`);
    const user = findUser(target, key);
    const body = validate(setPhoneMethodSchema, await jsonBody(req));
    store.setPhoneMethodDirect(user, type as PhoneType, body.phoneNumber, body.smsSignInState);
    return sendJson(res, 200, target.controlUser(user));
  }
  throw new ControlError(404, `No control endpoint ${method} /users/${key ?? ''}${sub ? `/${sub}` : ''}.`);
}
