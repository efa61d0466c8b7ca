/**
 * Thrown by a command to end with a given exit code (EXIT in main.ts) and, if any, a message on stderr.
 * Named `status`, not `exitCode`: main.ts reads `exitCode` as commander's own usage errors.
 */
export class CommandExit extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CommandExit';
  }
}
