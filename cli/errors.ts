/**
 * Exit codes scripts can rely on (see README "Command line"):
 *   0 success, 1 the command ran but found users that failed (or the run failed),
 *   2 usage error (bad arguments or input), 3 the service could not be reached or refused us.
 */
export const EXIT = { ok: 0, usersFailed: 1, usage: 2, unavailable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains in one line and maps to an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exit: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
