import { resolve } from 'node:path';
import { ensureCertificateAuthority } from '../../dev/graph-emulator';

/**
 * Vitest global setup: one development CA for every emulator the suite starts (emulators get
 * `stateDir: EMULATOR_STATE_DIR`), trusted through NODE_EXTRA_CA_CERTS. Node reads that variable only at
 * process start, so it is set here, before the test workers are forked; the real Graph client and
 * @azure/identity in those workers then trust the emulator like any public endpoint.
 */
export default async function setup(): Promise<void> {
  const dir = resolve(__dirname, '..', '..', '.tmp', 'emulator-ca');
  const { caCertPath } = await ensureCertificateAuthority(dir);
  process.env.NODE_EXTRA_CA_CERTS = caCertPath;
  process.env.EMULATOR_STATE_DIR = dir;
}
