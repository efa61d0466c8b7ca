import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

/**
 * Certificates made at start: a private CA (trusted by clients through `NODE_EXTRA_CA_CERTS` or a `ca`
 * option), the HTTPS server certificate for the login host, and client certificates for app registrations
 * that use certificate credentials. With a `stateDir` the CA and client certificates are reused across
 * restarts, so a long-lived process that trusted the CA once keeps working.
 */
export interface TlsMaterial {
  dir: string;
  caCertPem: string;
  caCertPath: string;
  serverKeyPem: string;
  serverCertPem: string;
  /** Removes the directory if it was a temporary one. */
  dispose(): Promise<void>;
}

export interface ClientCertificateMaterial {
  certPem: string;
  keyPem: string;
  /** Certificate followed by its private key: what `ClientCertificateCredential` reads. */
  pemWithKeyPath: string;
}

const CA_CERT = 'emulator-ca.pem';
const CA_KEY = 'emulator-ca-key.pem';

export async function createTlsMaterial(hosts: readonly string[], stateDir?: string): Promise<TlsMaterial> {
  const temporary = stateDir === undefined;
  const dir = stateDir ?? (await mkdtemp(path.join(os.tmpdir(), 'graph-emulator-')));
  await mkdir(dir, { recursive: true });
  const caCertPath = path.join(dir, CA_CERT);
  const caKeyPath = path.join(dir, CA_KEY);
  let caCertPem: string;
  let caKeyPem: string;
  if (!temporary && existsSync(caCertPath) && existsSync(caKeyPath)) {
    caCertPem = await readFile(caCertPath, 'utf8');
    caKeyPem = await readFile(caKeyPath, 'utf8');
  } else {
    const ca = await generate(
      [{ name: 'commonName', value: 'Graph Emulator Development CA (not trusted anywhere)' }],
      {
        keyType: 'ec',
        algorithm: 'sha256',
        notAfterDate: new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000),
        extensions: [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        ],
      },
    );
    caCertPem = ca.cert;
    caKeyPem = ca.private;
    await writeFile(caCertPath, caCertPem, { mode: 0o644 });
    await writeFile(caKeyPath, caKeyPem, { mode: 0o600 });
  }
  const altNames = hosts.map((h) =>
    /^[\d.]+$|:/.test(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h },
  );
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: caKeyPem, cert: caCertPem },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return {
    dir,
    caCertPem,
    caCertPath,
    serverKeyPem: server.private,
    serverCertPem: server.cert,
    dispose: async () => {
      if (temporary) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An RSA client certificate for an app registration (MSAL signs assertions with RS256/PS256). */
export async function createClientCertificate(
  dir: string,
  appKey: string,
  index: number,
): Promise<ClientCertificateMaterial> {
  const file = path.join(dir, `${appKey}-client-cert-${index}.pem`);
  if (existsSync(file)) {
    const text = await readFile(file, 'utf8');
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(text)?.[0];
    if (cert && key) return { certPem: `${cert}\n`, keyPem: `${key}\n`, pemWithKeyPath: file };
  }
  const made = await generate(
    [{ name: 'commonName', value: `${appKey} (graph emulator client certificate)` }],
    {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
    },
  );
  await writeFile(file, `${made.cert.trim()}\n${made.private.trim()}\n`, { mode: 0o600 });
  return { certPem: made.cert, keyPem: made.private, pemWithKeyPath: file };
}
