#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, startLocalStack } from './localStack';

/**
 * `npm start`: the product on this machine with no Azure. Starts the Graph + Entra emulator with the demo
 * tenant, the local Service Bus broker (port 5672) and the local Functions host running the compiled app on
 * port 7071, then prints how to submit a batch (HTTP or queue) and follow it. Ctrl-C stops them all.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '7071' },
      'keep-state': { type: 'boolean', default: false },
      'auth-mode': { type: 'string', default: 'managedIdentity' },
      latency: { type: 'string', default: 'realistic' },
      // 5672 is what emulator connection strings default to; 0 picks a free port.
      'servicebus-port': { type: 'string', default: '5672' },
    },
  });
  const authMode = values['auth-mode'];
  if (!['managedIdentity', 'clientSecret', 'clientCertificate', 'password'].includes(authMode)) {
    throw new Error('--auth-mode must be managedIdentity, clientSecret, clientCertificate or password');
  }
  const stack = await startLocalStack({
    dataDir: join(PROJECT_ROOT, '.local', 'start'),
    keepState: values['keep-state'],
    azurite: { persist: values['keep-state'] },
    hostPort: Number(values.port),
    authMode: authMode as 'managedIdentity',
    emulator: { latency: values.latency === 'off' ? 'off' : 'realistic' },
    logLevel: 'info',
    output: 'inherit',
    serviceBus: { port: Number(values['servicebus-port']) },
  });
  const api = stack.apiUrl();
  const start = stack.functionKey('httpStart');
  const status = stack.functionKey('httpStatus');
  const lines = [
    '',
    'mfa-phone-sync is running locally.',
    `  Functions host:  ${stack.host.ready.url} (state in .local/start/host)`,
    `  Graph emulator:  ${stack.emulator.graphBaseUrl} (demo tenant, auth: ${authMode})`,
    `  Emulator control API: ${stack.emulator.controlUrl} (GET ${stack.emulator.controlUrl}/requests, /users/{upn})`,
    '',
    'Submit a batch (the legacy webhook body works too):',
    `  curl -si -X POST '${api}/sync?code=${start}' -H 'content-type: application/json' \\`,
    `       -d '{"users": ["anna.schmidt@contoso.com", "ben.mueller@contoso.com"], "dryRun": true}'`,
    'Follow it (the id is in the answer):',
    `  curl -s '${api}/sync/<id>?code=${status}'`,
    'Or with the CLI (any key below works; the host key works for every door):',
    `  export MFA_PHONE_SYNC_URL='${api}' MFA_PHONE_SYNC_KEY='${stack.host.ready.keys.hostKeys['default'] ?? ''}'`,
    '  node dist/cli/main.js sync --dry-run anna.schmidt@contoso.com && node dist/cli/main.js runs',
    `Status pages:  ${api}/sync/view?code=<host key>   (one run: ${api}/sync/<id>/view?code=<host key>)`,
    `Reports are in Azurite (${stack.azurite.blobEndpoint}, container sync-reports).`,
    `Service Bus (local broker, queue '${stack.settings['SERVICEBUS_QUEUE_NAME'] ?? ''}'; the host's queue trigger listens):`,
    `  export SERVICEBUS_CONNECTION_STRING='${stack.broker?.connectionString ?? ''}'`,
    '  node dist/cli/main.js enqueue anna.schmidt@contoso.com ben.mueller@contoso.com --dry-run',
    '  (prints the run ids; follow one with the status URL above)',
    '',
    'A self-contained end-to-end run over the whole demo tenant (its own emulator and host):  npm run demo',
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
