import { randomBytes } from 'node:crypto';
import rhea from 'rhea';

/**
 * A lock token is the 16-byte delivery tag. The JS client shows it in .NET GUID byte order (first three
 * groups reversed) and sends it back through `$management` as `string_to_uuid` of that string; older code
 * paths send the raw tag bytes. Both orders are accepted.
 */
export interface LockToken {
  readonly tag: Buffer;
  /** The token as the client shows it (`message.lockToken`), also our key in the store. */
  readonly text: string;
}

export function newLockToken(): LockToken {
  const tag = randomBytes(16);
  return { tag, text: rhea.uuid_to_string(dotnetOrder(tag)) };
}

/** Every text form a 16-byte token received from a client may stand for. */
export function lockTokenCandidates(bytes: Buffer): string[] {
  if (bytes.length !== 16) return [];
  return [rhea.uuid_to_string(bytes), rhea.uuid_to_string(dotnetOrder(bytes))];
}

function dotnetOrder(bytes: Buffer): Buffer {
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return Buffer.from(order.map((index) => bytes[index] ?? 0));
}
