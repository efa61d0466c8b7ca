/**
 * Absolute URLs the app hands out (Location, statusUrl) are built from the platform's own host name, never
 * from the caller's `Host` header: a forged `Host: evil.example` must not turn our answer into a link to
 * somewhere else. Azure sets `WEBSITE_HOSTNAME` (`<app>.azurewebsites.net`); the local host sets it to its
 * own address. Without it the answer carries a relative URL, which RFC 9110 §10.2.2 allows for Location.
 */
const HOST_NAME =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/** The configured host name if it is one, else undefined (a bad value must not become a link). */
export function parsePublicHostName(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === '' || !HOST_NAME.test(trimmed)) return undefined;
  return trimmed;
}

/** `path` (starting with `/`) on the app's public host; relative when the host name is unknown. */
export function publicUrl(path: string, hostName: string | undefined): string {
  if (hostName === undefined) return path;
  // Azure serves HTTPS; only the local host (a loopback address) serves plain HTTP.
  const scheme = LOOPBACK.test(hostName) ? 'http' : 'https';
  return `${scheme}://${hostName}${path}`;
}
