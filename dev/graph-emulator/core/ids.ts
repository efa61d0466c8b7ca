import { createHash, randomUUID } from 'node:crypto';

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

export function newGuid(): string {
  return randomUUID();
}

/** A stable GUID derived from a name (UUID v5 layout over SHA-1), so generated tenants are reproducible. */
export function guidFromName(name: string): string {
  const bytes = createHash('sha1').update(name).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Graph's `innerError.date` format: ISO without milliseconds and without a zone suffix. */
export function graphErrorDate(now = new Date()): string {
  return now.toISOString().slice(0, 19);
}
