/**
 * Shapes of Graph's `phoneAuthenticationMethod` (reference/graph.md §1). The method id is fixed per phone
 * type and identical for every user, so callers address a method by its type.
 */
export const PHONE_TYPES = ['mobile', 'alternateMobile', 'office'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

export const PHONE_METHOD_IDS: Readonly<Record<PhoneType, string>> = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
};

export function isPhoneType(value: unknown): value is PhoneType {
  return typeof value === 'string' && (PHONE_TYPES as readonly string[]).includes(value);
}

export interface PhoneMethod {
  id: string;
  /** As Graph returns it: `+<cc> <number>[x<ext>]`, or masked for some delegated readers. */
  phoneNumber: string;
  phoneType: PhoneType;
  smsSignInState?: string;
}
