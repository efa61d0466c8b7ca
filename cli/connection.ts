import { type Command } from 'commander';
import { ApiClient } from './api';
import { CliError, EXIT } from './errors';

/** Options every command shares (declared on the program, read with optsWithGlobals). */
export interface GlobalOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

/** The API client from --url/--key, else MFA_PHONE_SYNC_URL/MFA_PHONE_SYNC_KEY. */
export function apiFrom(command: Command, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const options = command.optsWithGlobals<GlobalOptions>();
  const url = options.url ?? env['MFA_PHONE_SYNC_URL'];
  const key = options.key ?? env['MFA_PHONE_SYNC_KEY'];
  if (url === undefined || url === '') {
    throw new CliError(
      'no service URL: pass --url or set MFA_PHONE_SYNC_URL (e.g. https://<app>.azurewebsites.net/api)',
      EXIT.usage,
    );
  }
  if (!/^https?:\/\//i.test(url))
    throw new CliError('the service URL must start with https:// (or http:// locally)', EXIT.usage);
  if (key === undefined || key === '') {
    throw new CliError('no function key: pass --key or set MFA_PHONE_SYNC_KEY', EXIT.usage);
  }
  return new ApiClient({ url, key });
}

export function wantsJson(command: Command): boolean {
  return command.optsWithGlobals<GlobalOptions>().json === true;
}
