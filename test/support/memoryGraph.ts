import { GraphRequestError, type GraphErrorKind } from '../../lib/graph/errors';
import { type GraphCallOptions, type GraphGateway, type GraphUser } from '../../lib/graph/gateway';
import { PHONE_METHOD_IDS, type PhoneMethod, type PhoneType } from '../../lib/graph/phoneMethods';

/**
 * An in-memory Graph behind the gateway interface, for unit tests of the per-user logic. It applies the
 * phone-method rules of reference/graph.md §1–2 (one per type, alternateMobile needs mobile, mobile not
 * removable under an alternateMobile, phoneNumberNotUnique applied-but-409) and lets a test script
 * failures. The emulator (dev/graph-emulator) is the faithful stand-in; this one only serves lib tests.
 */
export interface MemoryUser {
  id: string;
  userPrincipalName: string;
  properties?: Record<string, unknown>;
  methods?: PhoneMethod[];
}

export type GatewayOperation =
  'getUser' | 'listPhoneMethods' | 'createPhoneMethod' | 'updatePhoneMethod' | 'deletePhoneMethod';

export class MemoryGraph implements GraphGateway {
  readonly users = new Map<string, MemoryUser>();
  readonly calls: { operation: GatewayOperation; user: string; options?: GraphCallOptions }[] = [];
  /** Numbers another user already uses for SMS sign-in: writing them answers 409 but applies. */
  readonly smsTaken = new Set<string>();
  private readonly faults: {
    operation: GatewayOperation;
    kind: GraphErrorKind;
    code?: string;
    times: number;
  }[] = [];
  /** Runs once, right before the next write: simulates a concurrent change. */
  beforeNextWrite: (() => void) | undefined;

  add(user: MemoryUser): this {
    this.users.set(user.id, { methods: [], properties: {}, ...user });
    return this;
  }

  fail(operation: GatewayOperation, kind: GraphErrorKind, times = 1, code?: string): this {
    this.faults.push({ operation, kind, times, ...(code === undefined ? {} : { code }) });
    return this;
  }

  methodsOf(id: string): PhoneMethod[] {
    return this.users.get(id)?.methods ?? [];
  }

  async getUser(userKey: string, select: readonly string[], options?: GraphCallOptions): Promise<GraphUser> {
    this.record('getUser', userKey, options);
    const user = this.userByKey(userKey);
    const selected: GraphUser = { id: user.id, userPrincipalName: user.userPrincipalName };
    for (const property of select)
      if (property in (user.properties ?? {})) selected[property] = user.properties?.[property];
    return selected;
  }

  async listPhoneMethods(userId: string, options?: GraphCallOptions): Promise<PhoneMethod[]> {
    this.record('listPhoneMethods', userId, options);
    // Graph addresses the methods by object id or UPN alike (reference/graph.md §4.3).
    return this.userByKey(userId).methods?.map((method) => ({ ...method })) ?? [];
  }

  async createPhoneMethod(
    userId: string,
    phoneType: PhoneType,
    phoneNumber: string,
    options?: GraphCallOptions,
  ): Promise<PhoneMethod> {
    this.record('createPhoneMethod', userId, options);
    this.runConcurrentChange();
    const user = this.userById(userId);
    const methods = (user.methods ??= []);
    if (methods.some((method) => method.phoneType === phoneType))
      throw error('invalid', 400, 'badRequest', 'a method of this type exists');
    if (phoneType === 'alternateMobile' && !methods.some((method) => method.phoneType === 'mobile')) {
      throw error('invalid', 400, 'badRequest', 'alternateMobile requires a mobile');
    }
    const method: PhoneMethod = {
      id: PHONE_METHOD_IDS[phoneType],
      phoneNumber,
      phoneType,
      smsSignInState: 'ready',
    };
    methods.push(method);
    this.conflictIfTaken(phoneNumber);
    return { ...method };
  }

  async updatePhoneMethod(
    userId: string,
    phoneType: PhoneType,
    phoneNumber: string,
    options?: GraphCallOptions,
  ): Promise<void> {
    this.record('updatePhoneMethod', userId, options);
    this.runConcurrentChange();
    const method = this.userById(userId).methods?.find((candidate) => candidate.phoneType === phoneType);
    if (method === undefined) throw error('notFound', 404, 'itemNotFound', 'no method of this type');
    method.phoneNumber = phoneNumber;
    this.conflictIfTaken(phoneNumber);
  }

  async deletePhoneMethod(userId: string, phoneType: PhoneType, options?: GraphCallOptions): Promise<void> {
    this.record('deletePhoneMethod', userId, options);
    this.runConcurrentChange();
    const user = this.userById(userId);
    const methods = user.methods ?? [];
    if (!methods.some((method) => method.phoneType === phoneType))
      throw error('notFound', 404, 'itemNotFound', 'no method of this type');
    if (phoneType === 'mobile' && methods.some((method) => method.phoneType === 'alternateMobile')) {
      throw error('invalid', 400, 'badRequest', 'mobile cannot be removed while alternateMobile exists');
    }
    user.methods = methods.filter((method) => method.phoneType !== phoneType);
  }

  writes(): number {
    return this.calls.filter((call) => call.operation.endsWith('PhoneMethod')).length;
  }

  private record(operation: GatewayOperation, user: string, options?: GraphCallOptions): void {
    this.calls.push({ operation, user, ...(options === undefined ? {} : { options }) });
    const fault = this.faults.find((candidate) => candidate.operation === operation && candidate.times > 0);
    if (fault !== undefined) {
      fault.times -= 1;
      const status = {
        notFound: 404,
        throttled: 429,
        transient: 503,
        unauthorized: 401,
        forbidden: 403,
        invalid: 400,
        conflict: 409,
      }[fault.kind];
      throw error(fault.kind, status, fault.code ?? fault.kind, `scripted ${fault.kind}`);
    }
  }

  private runConcurrentChange(): void {
    const change = this.beforeNextWrite;
    this.beforeNextWrite = undefined;
    change?.();
  }

  private conflictIfTaken(phoneNumber: string): void {
    if (this.smsTaken.has(phoneNumber)) {
      throw error(
        'conflict',
        409,
        'phoneNumberNotUnique',
        'The phone number is already registered for SMS sign-in by another user',
      );
    }
  }

  private userByKey(userKey: string): MemoryUser {
    const user = [...this.users.values()].find(
      (candidate) =>
        candidate.id === userKey.toLowerCase() ||
        candidate.userPrincipalName.toLowerCase() === userKey.toLowerCase(),
    );
    if (user === undefined)
      throw error('notFound', 404, 'Request_ResourceNotFound', `Resource '${userKey}' does not exist`);
    return user;
  }

  private userById(id: string): MemoryUser {
    const user = this.users.get(id);
    if (user === undefined)
      throw error('notFound', 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist`);
    return user;
  }
}

function error(kind: GraphErrorKind, status: number, code: string, message: string): GraphRequestError {
  return new GraphRequestError(message, {
    kind,
    status,
    code,
    requestId: 'req-1',
    clientRequestId: 'client-1',
  });
}
