import { PHONE_TYPES } from '../seed/schema';
import { maskedForAuthenticationAdministrator } from '../store/phoneNumbers';
import { type PhoneViolation, type PhoneWriteResult } from '../store/tenantStore';
import {
  PHONE_METHOD_IDS,
  phoneTypeForMethodId,
  type PhoneType,
  type StoredPhoneMethod,
  type UserRecord,
} from '../store/users';
import { type GraphContext } from './context';
import { errors, GraphError, ODATA_JSON } from './errors';
import { resolveUser } from './users';
import { type UserRef } from './router';
import { principalOf, type GraphRequest, type GraphResponse } from './types';

/** Phone authentication methods, every rule of reference/graph.md §1-2. */

function methodView(method: StoredPhoneMethod, masked: boolean): Record<string, unknown> {
  return {
    phoneNumber: masked ? maskedForAuthenticationAdministrator(method.phoneNumber) : method.phoneNumber,
    phoneType: method.phoneType,
    smsSignInState: method.smsSignInState,
    id: PHONE_METHOD_IDS[method.phoneType],
  };
}

function collectionContext(ctx: GraphContext, user: UserRecord): string {
  return `${ctx.graphBaseUrl}/$metadata#users('${user.id}')/authentication/phoneMethods`;
}

function violation(ctx: GraphContext, v: PhoneViolation, type: PhoneType): GraphError {
  const c = ctx.choices;
  switch (v) {
    case 'invalidPhoneNumber':
      // Never echo the number: Graph's message names the property only, and so does ours.
      return GraphError.from(
        c.invalidPhoneNumber,
        "Invalid value specified for property 'phoneNumber' of resource 'PhoneAuthenticationMethod'.",
      );
    case 'duplicatePhoneType':
      return GraphError.from(
        c.duplicatePhoneType,
        `A phone method of type '${type}' already exists for this user.`,
      );
    case 'alternateMobileWithoutMobile':
      return GraphError.from(
        c.alternateMobileWithoutMobile,
        'An alternateMobile phone method can only be added to a user who has a mobile phone method.',
      );
    case 'phoneTypeChange':
      return new GraphError(
        400,
        'badRequest',
        'The phoneType of an existing phone method cannot be changed; add a method of the new type and delete the old one.',
      );
    case 'methodNotFound':
      return GraphError.from(
        c.methodNotFound,
        'The requested authentication method was not found for this user.',
      );
    case 'mobileWithAlternateMobile':
      return new GraphError(
        400,
        'badRequest',
        'The mobile phone method cannot be deleted while an alternateMobile phone method exists; update the mobile number instead.',
      );
    case 'defaultMethod':
      return GraphError.from(
        c.defaultMethodDeleteError,
        'Cannot delete default method with other methods configured. Please change default method before deletion.',
      );
  }
}

function conflict(): GraphError {
  return new GraphError(
    409,
    'phoneNumberNotUnique',
    'The phone number is already registered for SMS sign-in by another user. The phone method was saved, but it cannot be used for SMS sign-in.',
  );
}

function typeFromId(ctx: GraphContext, methodId: string): PhoneType {
  const type = phoneTypeForMethodId(methodId);
  if (!type) throw violation(ctx, 'methodNotFound', 'mobile');
  return type;
}

function readBody(req: GraphRequest, allowed: readonly string[]): Record<string, unknown> {
  if (req.bodyProblem === 'unsupportedMediaType') throw errors.unsupportedMediaType();
  if (req.bodyProblem === 'invalidJson' || req.body === undefined) throw errors.invalidJson();
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
    throw errors.invalidJson();
  const body = req.body as Record<string, unknown>;
  for (const name of Object.keys(body)) {
    if (name === '@odata.type') continue;
    if (name === 'smsSignInState' || name === 'id') {
      throw new GraphError(400, 'badRequest', `Property '${name}' is read-only and cannot be set.`);
    }
    if (!allowed.includes(name))
      throw errors.unknownProperty(name, 'microsoft.graph.phoneAuthenticationMethod');
  }
  return body;
}

function phoneTypeField(value: unknown, required: boolean): PhoneType | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !(PHONE_TYPES as readonly string[]).includes(value)) {
    throw new GraphError(
      400,
      'badRequest',
      "Invalid value specified for property 'phoneType' of resource 'PhoneAuthenticationMethod'.",
    );
  }
  return value as PhoneType;
}

function phoneNumberField(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new GraphError(400, 'badRequest', "Property 'phoneNumber' is required and must be a string.");
  }
  return value;
}

export function listPhoneMethods(ctx: GraphContext, req: GraphRequest, ref: UserRef): GraphResponse {
  const user = resolveUser(ctx, req, ref);
  const access = ctx.phoneAuth.read(principalOf(req), user);
  let methods = ctx.store.listPhoneMethods(user);
  // Not documented, but third-party code filters by phoneType in production (graph.md §2.1).
  const filter = req.query.get('$filter');
  if (filter !== undefined) {
    const m = /^\s*phoneType\s+eq\s+'(\w+)'\s*$/i.exec(filter);
    if (!m) throw errors.unsupportedQuery(`Unsupported filter on phoneMethods: '${filter}'.`);
    methods = methods.filter((method) => method.phoneType.toLowerCase() === (m[1] ?? '').toLowerCase());
  }
  return {
    status: 200,
    headers: { 'Content-Type': ODATA_JSON },
    body: {
      '@odata.context': collectionContext(ctx, user),
      value: methods.map((m) => methodView(m, access.masked)),
    },
  };
}

export function getPhoneMethod(
  ctx: GraphContext,
  req: GraphRequest,
  ref: UserRef,
  methodId: string,
): GraphResponse {
  const user = resolveUser(ctx, req, ref);
  const access = ctx.phoneAuth.read(principalOf(req), user);
  const type = typeFromId(ctx, methodId);
  const method = user.phones[type];
  if (!method) throw violation(ctx, 'methodNotFound', type);
  return {
    status: 200,
    headers: { 'Content-Type': ODATA_JSON },
    body: {
      '@odata.context': `${collectionContext(ctx, user)}/$entity`,
      ...methodView(method, access.masked),
    },
  };
}

function writeOutcome(ctx: GraphContext, result: PhoneWriteResult, type: PhoneType): StoredPhoneMethod {
  if (!result.ok) throw violation(ctx, result.violation, type);
  if (result.notUnique) throw conflict();
  return result.method;
}

export function createPhoneMethod(ctx: GraphContext, req: GraphRequest, ref: UserRef): GraphResponse {
  const user = resolveUser(ctx, req, ref);
  ctx.phoneAuth.write(principalOf(req), user);
  const body = readBody(req, ['phoneNumber', 'phoneType']);
  const type = phoneTypeField(body.phoneType, true) as PhoneType;
  const number = phoneNumberField(body.phoneNumber);
  const method = writeOutcome(ctx, ctx.store.createPhoneMethod(user, type, number), type);
  return {
    status: 201,
    headers: {
      'Content-Type': ODATA_JSON,
      Location: `${ctx.graphBaseUrl}/users/${user.id}/authentication/phoneMethods/${PHONE_METHOD_IDS[type]}`,
    },
    body: { '@odata.context': `${collectionContext(ctx, user)}/$entity`, ...methodView(method, false) },
  };
}

export function updatePhoneMethod(
  ctx: GraphContext,
  req: GraphRequest,
  ref: UserRef,
  methodId: string,
): GraphResponse {
  const user = resolveUser(ctx, req, ref);
  ctx.phoneAuth.write(principalOf(req), user);
  const type = typeFromId(ctx, methodId);
  const body = readBody(req, ['phoneNumber', 'phoneType']);
  const requestedType = phoneTypeField(body.phoneType, false);
  const number = phoneNumberField(body.phoneNumber);
  writeOutcome(ctx, ctx.store.updatePhoneMethod(user, type, number, requestedType), type);
  return { status: 204, headers: {} };
}

export function deletePhoneMethod(
  ctx: GraphContext,
  req: GraphRequest,
  ref: UserRef,
  methodId: string,
): GraphResponse {
  const user = resolveUser(ctx, req, ref);
  ctx.phoneAuth.write(principalOf(req), user);
  const type = typeFromId(ctx, methodId);
  const result = ctx.store.deletePhoneMethod(user, type);
  if (!result.ok) throw violation(ctx, result.violation, type);
  return { status: 204, headers: {} };
}

export function phoneMethodAction(
  ctx: GraphContext,
  req: GraphRequest,
  ref: UserRef,
  methodId: string,
  action: 'enableSmsSignIn' | 'disableSmsSignIn',
): GraphResponse {
  const user = resolveUser(ctx, req, ref);
  ctx.phoneAuth.write(principalOf(req), user);
  const type = typeFromId(ctx, methodId);
  writeOutcome(ctx, ctx.store.setSmsSignIn(user, type, action === 'enableSmsSignIn'), type);
  return { status: 204, headers: {} };
}
