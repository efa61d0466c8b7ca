import { randomUUID } from 'node:crypto';

/** A new instance or execution id: a GUID in "N" format (32 hex digits), as the extension generates. */
export function newGuidN(): string {
  return randomUUID().replace(/-/g, '');
}

const MAX_INSTANCE_ID_LENGTH = 256;

/** The extension's rules: no leading `@`, none of `/ \ ? #`, no control characters, at most 256 characters. */
export function instanceIdProblem(instanceId: string): string | undefined {
  if (instanceId.length === 0) return 'Instance IDs must not be empty.';
  if (instanceId.startsWith('@')) return 'Orchestration instance ids must not start with @.';
  // eslint-disable-next-line no-control-regex
  if (/[/\\?#\u0000-\u001f\u007f-\u009f]/.test(instanceId)) {
    return 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.';
  }
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH) {
    return `Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`;
  }
  return undefined;
}
