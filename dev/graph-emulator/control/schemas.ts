import { z } from 'zod';
import { SMS_SIGN_IN_STATES } from '../seed/schema';

/** Bodies the control API accepts, validated so a wrong test setup fails loudly instead of silently. */
const faultKind = z.enum(['throttle', 'unavailable', 'gatewayTimeout', 'connectionReset', 'slowResponse']);

export const faultProfileSchema = z.strictObject({
  rates: z.partialRecord(faultKind, z.number().min(0).max(1)),
  retryAfterSeconds: z.number().int().min(0).optional(),
  slowResponseMs: z.number().min(0).optional(),
  methods: z.array(z.string()).optional(),
  pathPattern: z.string().optional(),
  afterApplyRatio: z.number().min(0).max(1).optional(),
  batchItems: z.boolean().optional(),
});

export const scriptedFaultSchema = z.strictObject({
  fault: faultKind,
  match: z
    .strictObject({
      method: z.string().optional(),
      pathIncludes: z.string().optional(),
      pathPattern: z.string().optional(),
    })
    .optional(),
  count: z.number().int().min(1).optional(),
  phase: z.enum(['before', 'after']).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  delayMs: z.number().min(0).optional(),
});

const distribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ms: z.number().min(0) }),
  z.strictObject({ kind: z.literal('uniform'), minMs: z.number().min(0), maxMs: z.number().min(0) }),
  z.strictObject({
    kind: z.literal('lognormal'),
    medianMs: z.number().min(0),
    p99Ms: z.number().min(0),
    maxMs: z.number().min(0).optional(),
  }),
]);

export const latencyProfileSchema = z.union([
  z.literal('off'),
  z.literal('realistic'),
  z.strictObject({
    read: distribution.optional(),
    write: distribution.optional(),
    token: distribution.optional(),
  }),
]);

const bucket = z.strictObject({ capacity: z.number().positive(), windowSeconds: z.number().positive() });

export const throttlingSchema = z
  .strictObject({
    enabled: z.boolean(),
    resourceUnits: bucket,
    writes: bucket,
    tenantWrites: bucket,
    appResourceUnits: bucket,
    chargeThrottledRequests: z.boolean(),
    lowPriorityReserve: z.number().min(0).max(1),
  })
  .partial();

const errorChoice = z.strictObject({ status: z.number().int().min(400).max(599), code: z.string().min(1) });

export const choicesSchema = z
  .strictObject({
    duplicatePhoneType: errorChoice,
    alternateMobileWithoutMobile: errorChoice,
    invalidPhoneNumber: errorChoice,
    phoneFormat: z.enum(['strict', 'lenient']),
    defaultMethodDelete: z.enum(['refuseWhenOthers', 'allow']),
    defaultMethodDeleteError: errorChoice,
    phoneNumberNotUnique: z.enum(['conflictButApplied', 'conflictNotApplied', 'appliedSilently']),
    conflictApplyDelayMs: z.number().min(0),
    methodNotFound: errorChoice,
    authMethodsForbidden: errorChoice,
    batchTooLarge: errorChoice,
    staleDeltaToken: errorChoice,
  })
  .partial();

export const eventSinkSchema = z.strictObject({
  url: z.url(),
  mode: z.enum(['single', 'batch']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

/** A group and its direct members (user or group object ids). */
export const groupSchema = z.strictObject({
  displayName: z.string().min(1).max(256).optional(),
  members: z.array(z.string().regex(/^[0-9a-f-]{36}$/i)).max(100_000),
});

/** Event delivery knobs: drop change notifications (to test reconciliation), delay each delivery. */
export const eventDeliverySchema = z.strictObject({
  dropChanges: z.boolean().optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});
export type EventDeliverySettings = z.infer<typeof eventDeliverySchema>;

export const mintTokenSchema = z.strictObject({
  kind: z.enum(['app', 'user']).optional(),
  appId: z.string().optional(),
  roles: z.array(z.string()).optional(),
  user: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  directoryRoles: z.array(z.string()).optional(),
  expiresInSeconds: z.number().int().optional(),
  audience: z.string().optional(),
  signature: z.enum(['valid', 'foreignKey', 'tampered']).optional(),
});

export const setPhoneMethodSchema = z.strictObject({
  phoneNumber: z.string().regex(/^\+\d/).nullable(),
  smsSignInState: z.enum(SMS_SIGN_IN_STATES).optional(),
});

export const reseedSchema = z.union([
  z.strictObject({ path: z.string().min(1) }),
  z.strictObject({
    generate: z.strictObject({ users: z.number().int().min(1), seed: z.number().int().optional() }),
  }),
  z.looseObject({ version: z.literal(1) }),
]);
