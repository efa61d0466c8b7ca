import { z } from 'zod';
import { type GraphUser } from './gateway';
import { isPhoneType, type PhoneMethod } from './phoneMethods';

/**
 * Checks that 2xx bodies have the shape Graph documents (reference/graph.md §1, §2, §4) before anything
 * downstream trusts them. Each reader returns a value or says what is wrong; it never throws.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; why: string; retryable: boolean };

const userSchema = z.looseObject({
  id: z.string().min(1),
  userPrincipalName: z.string().nullish(),
});

const phoneMethodSchema = z.object({
  id: z.string().min(1),
  phoneNumber: z.string(),
  phoneType: z.string(),
  smsSignInState: z.string().nullish(),
});

const phoneMethodListSchema = z.object({ value: z.array(z.unknown()) });

export function parseUser(bodyText: string): Parsed<GraphUser> {
  const json = parseJson(bodyText);
  if (!json.ok) return json;
  const result = userSchema.safeParse(json.value);
  if (!result.success) return { ok: false, why: 'a user without a valid id', retryable: false };
  const { userPrincipalName, ...rest } = result.data;
  return {
    ok: true,
    value:
      userPrincipalName === null || userPrincipalName === undefined ? rest : { ...rest, userPrincipalName },
  };
}

export interface PhoneMethodList {
  methods: PhoneMethod[];
  /** `phoneType`s Graph returned that this version does not know (e.g. `unknownFutureValue`); left out. */
  skippedTypes: string[];
}

/**
 * `{"value":[...]}` with 0–3 phone methods. A method of a type we don't know is left out rather than failing
 * the whole read: the sync only ever touches the types it knows, by their fixed ids.
 */
export function parsePhoneMethodList(bodyText: string): Parsed<PhoneMethodList> {
  const json = parseJson(bodyText);
  if (!json.ok) return json;
  const list = phoneMethodListSchema.safeParse(json.value);
  if (!list.success) return { ok: false, why: 'a phone method list without a value array', retryable: false };
  const methods: PhoneMethod[] = [];
  const skippedTypes: string[] = [];
  for (const item of list.data.value) {
    const method = toPhoneMethod(item);
    if (method === null) return { ok: false, why: 'a malformed phone method', retryable: false };
    if (typeof method === 'string') skippedTypes.push(method);
    else methods.push(method);
  }
  return { ok: true, value: { methods, skippedTypes } };
}

/** One phone method (the body of a 201 Created). */
export function parsePhoneMethod(bodyText: string): Parsed<PhoneMethod> {
  const json = parseJson(bodyText);
  if (!json.ok) return json;
  const method = toPhoneMethod(json.value);
  if (method === null || typeof method === 'string') {
    return { ok: false, why: 'a malformed phone method', retryable: false };
  }
  return { ok: true, value: method };
}

/** The method, `null` when malformed, or the unknown `phoneType` string. */
function toPhoneMethod(item: unknown): PhoneMethod | string | null {
  const result = phoneMethodSchema.safeParse(item);
  if (!result.success) return null;
  const { id, phoneNumber, phoneType, smsSignInState } = result.data;
  if (!isPhoneType(phoneType)) return phoneType;
  return smsSignInState === null || smsSignInState === undefined
    ? { id, phoneNumber, phoneType }
    : { id, phoneNumber, phoneType, smsSignInState };
}

function parseJson(bodyText: string): Parsed<unknown> {
  if (bodyText.trim() === '') return { ok: false, why: 'an empty body', retryable: true };
  try {
    return { ok: true, value: JSON.parse(bodyText) as unknown };
  } catch {
    // Truncated or not JSON at all (a proxy's error page): may well be fine on the next try.
    return { ok: false, why: 'a body that is not JSON', retryable: true };
  }
}
