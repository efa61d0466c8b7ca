import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with the expected one in constant time. Both sides are hashed first so the
 * comparison takes the same time whatever the presented length (timingSafeEqual needs equal lengths).
 */
export function secretMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
