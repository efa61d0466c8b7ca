import { type PhoneMethod, type PhoneType } from './phoneMethods';

/**
 * The one door to Microsoft Graph. Everything the product asks of Graph goes through this interface, so
 * escaping, error mapping, throttling and authentication live in one place (DESIGN.md §6).
 *
 * Every method rejects with `GraphRequestError` (lib/graph/errors.ts) and nothing else.
 */
export interface GraphGateway {
  /**
   * Reads one user by object id or UPN (any UPN, including `$`-prefixed and `#EXT#` guests: the gateway
   * escapes it). `select` names the properties to return (`$select`); `id` and `userPrincipalName` are
   * always included.
   */
  getUser(userKey: string, select: readonly string[], options?: GraphCallOptions): Promise<GraphUser>;
  /** Lists the user's phone methods (0–3). */
  listPhoneMethods(userId: string, options?: GraphCallOptions): Promise<PhoneMethod[]>;
  /** POST: adds the method of `phoneType`. `phoneNumber` must already be in Graph's `+<cc> <number>` form. */
  createPhoneMethod(
    userId: string,
    phoneType: PhoneType,
    phoneNumber: string,
    options?: GraphCallOptions,
  ): Promise<PhoneMethod>;
  /** PATCH: changes the number of the existing method of `phoneType`. */
  updatePhoneMethod(
    userId: string,
    phoneType: PhoneType,
    phoneNumber: string,
    options?: GraphCallOptions,
  ): Promise<void>;
  /** DELETE: removes the method of `phoneType`. */
  deletePhoneMethod(userId: string, phoneType: PhoneType, options?: GraphCallOptions): Promise<void>;
}

export interface GraphCallOptions {
  /** Sent as `x-ms-throttle-priority`. Background runs (timers, reconciliation) use `low`. */
  priority?: 'low' | 'normal' | 'high';
  /** Sent as `client-request-id`; a fresh UUID when absent. */
  clientRequestId?: string;
  signal?: AbortSignal;
  /**
   * Where this call's warnings (retries, throttling, odd answers) go; the invocation's logger, so they carry
   * its invocation id. The gateway is shared by the whole process; without this its own logger is used.
   */
  logger?: GraphCallLogger;
}

export interface GraphCallLogger {
  warn(message: string, data?: Readonly<Record<string, string | number | boolean | undefined>>): void;
}

/** A user as `GET /users/{key}?$select=...` returns it: the selected properties, raw. */
export interface GraphUser {
  id: string;
  userPrincipalName?: string;
  [property: string]: unknown;
}
