import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

/**
 * Certificates: a private CA (trusted by clients through `NODE_EXTRA_CA_CERTS` or a `ca` option), the
 * HTTPS server certificate for Graph and the login host, and client certificates for app registrations
 * that use certificate credentials.
 *
 * With a `stateDir` the CA and the client certificates are created once and reused, so a process that
 * trusted the CA at start (`NODE_EXTRA_CA_CERTS` is read only then) keeps trusting later emulators.
 * Creation is race-free across processes: the file is written aside and hard-linked into place, and
 * whoever loses the race reads the winner's file.
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

const CA_BUNDLE = 'emulator-ca-with-key.pem';
const CA_CERT = 'emulator-ca.pem';
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/;

/** Writes `content` to `file` unless it exists; returns what the file holds afterwards. */
async function createOnce(file: string, make: () => Promise<string>): Promise<string> {
  if (existsSync(file)) return readFile(file, 'utf8');
  const content = await make();
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(aside, content, { mode: 0o600 });
  try {
    await link(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(aside, { force: true });
  }
  return readFile(file, 'utf8');
}

/** Idempotent write of identical content (temp file + rename, so readers never see half a file). */
async function writeAtomically(file: string, content: string): Promise<void> {
  if (existsSync(file) && (await readFile(file, 'utf8')) === content) return;
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(aside, content, { mode: 0o644 });
  await rename(aside, file);
}

function pick(text: string, block: RegExp, what: string): string {
  const found = block.exec(text)?.[0];
  if (!found) throw new Error(`${what} not found in certificate file`);
  return `${found}\n`;
}

/** The development CA in `dir` (created on first use). Returns the path to give `NODE_EXTRA_CA_CERTS`. */
export async function ensureCertificateAuthority(
  dir: string,
): Promise<{ caCertPath: string; caCertPem: string; caKeyPem: string }> {
  await mkdir(dir, { recursive: true });
  const bundle = await createOnce(path.join(dir, CA_BUNDLE), async () => {
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
    return `${ca.cert.trim()}\n${ca.private.trim()}\n`;
  });
  const caCertPem = pick(bundle, CERT_BLOCK, 'CA certificate');
  const caKeyPem = pick(bundle, KEY_BLOCK, 'CA key');
  const caCertPath = path.join(dir, CA_CERT);
  await writeAtomically(caCertPath, caCertPem);
  return { caCertPath, caCertPem, caKeyPem };
}

export async function createTlsMaterial(hosts: readonly string[], stateDir?: string): Promise<TlsMaterial> {
  const temporary = stateDir === undefined;
  const dir = stateDir ?? (await mkdtemp(path.join(os.tmpdir(), 'graph-emulator-')));
  const ca = await ensureCertificateAuthority(dir);
  const altNames = hosts.map((h) =>
    /^[\d.]+$|:/.test(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h },
  );
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.caKeyPem, cert: ca.caCertPem },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return {
    dir,
    caCertPem: ca.caCertPem,
    caCertPath: ca.caCertPath,
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
  const text = await createOnce(file, async () => {
    const made = await generate(
      [{ name: 'commonName', value: `${appKey} (graph emulator client certificate)` }],
      {
        keyType: 'rsa',
        keySize: 2048,
        algorithm: 'sha256',
      },
    );
    return `${made.cert.trim()}\n${made.private.trim()}\n`;
  });
  return {
    certPem: pick(text, CERT_BLOCK, 'certificate'),
    keyPem: pick(text, KEY_BLOCK, 'private key'),
    pemWithKeyPath: file,
  };
}
