import { fork } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Prng } from './core/prng';
import { startGraphEmulator } from './index';
import { writeGeneratedSeed } from './seed/generate';
import { PHONE_METHOD_IDS } from './store/users';

/**
 * Emulator benchmark (a script, not a test): how fast a 100,000-user tenant loads and how much memory it
 * holds, then how many requests per second the emulator serves with latency injection off, over HTTPS (as
 * the product calls it) and plain HTTP, with a realistic mix on keep-alive connections.
 *
 * The emulator runs in a child process so that its CPU and memory are measured apart from the load
 * generator. Run (after `npm run build`):
 *
 *   node dist/dev/graph-emulator/benchmark.js [--users 100000] [--seconds 10] [--connections 32]
 */

interface ChildReady {
  type: 'ready';
  startMs: number;
  baselineHeapMb: number;
  heapUsedMb: number;
  rssMb: number;
  graphBaseUrl: string;
  plainGraphBaseUrl: string;
  miEndpoint: string;
  miHeader: string;
  miClientId: string;
  caPem: string;
}

interface ChildMemory {
  type: 'memory';
  heapUsedMb: number;
  rssMb: number;
}

type ChildMessage = ChildReady | ChildMemory;

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** Child: start the emulator on the seed file, report, then serve until told to stop. */
async function serve(seedFile: string): Promise<void> {
  collectGarbage();
  const baseline = process.memoryUsage().heapUsed;
  const started = Date.now();
  const emulator = await startGraphEmulator({
    seed: seedFile,
    throttling: false,
    latency: 'off',
    requestLogSize: 20_000,
  });
  const startMs = Date.now() - started;
  collectGarbage();
  const memory = process.memoryUsage();
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  send({
    type: 'ready',
    startMs,
    baselineHeapMb: mb(baseline),
    heapUsedMb: mb(memory.heapUsed),
    rssMb: mb(memory.rss),
    graphBaseUrl: emulator.graphBaseUrl,
    plainGraphBaseUrl: emulator.plainGraphBaseUrl,
    miEndpoint: emulator.managedIdentity.endpoint,
    miHeader: emulator.managedIdentity.header,
    miClientId: emulator.managedIdentity.clientId ?? '',
    caPem: emulator.caCertificatePem,
  });
  process.on('message', (message: unknown) => {
    if (message === 'memory') {
      collectGarbage();
      const m = process.memoryUsage();
      send({ type: 'memory', heapUsedMb: mb(m.heapUsed), rssMb: mb(m.rss) });
    } else if (message === 'stop') {
      void emulator.stop().then(() => process.exit(0));
    }
  });
}

interface LoadResult {
  protocol: string;
  requests: number;
  seconds: number;
  perSecond: number;
  batchItems: number;
  p50: number;
  p95: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
}

interface Target {
  baseUrl: string;
  token: string;
  agent: http.Agent;
  users: number;
}

function send(target: Target, method: string, url: string, body?: unknown): Promise<number> {
  const parsed = new URL(`${target.baseUrl}${url}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const lib = parsed.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        method,
        host: parsed.hostname,
        port: parsed.port,
        path: `${parsed.pathname}${parsed.search}`,
        agent: target.agent,
        headers: {
          Authorization: `Bearer ${target.token}`,
          ...(payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function upn(serial: number): string {
  return `user${String(serial).padStart(6, '0')}@contoso.com`;
}

/**
 * The mix a sync run produces, plus some background traffic: read the attribute, read phone methods,
 * write some, list users, and batches of reads.
 */
async function oneRequest(target: Target, prng: Prng): Promise<{ status: number; items: number }> {
  const user = upn(1 + Math.floor(prng.next() * (target.users - 3)));
  const r = prng.next();
  const methods = `/users/${user}/authentication/phoneMethods`;
  if (r < 0.35)
    return {
      status: await send(
        target,
        'GET',
        `/users/${user}?$select=id,userPrincipalName,onPremisesExtensionAttributes`,
      ),
      items: 0,
    };
  if (r < 0.7) return { status: await send(target, 'GET', methods), items: 0 };
  if (r < 0.85) {
    const number = `+49 17${String(Math.floor(prng.next() * 1e8)).padStart(8, '0')}`;
    return {
      status: await send(target, 'PATCH', `${methods}/${PHONE_METHOD_IDS.mobile}`, { phoneNumber: number }),
      items: 0,
    };
  }
  if (r < 0.9) {
    const number = `+49 17${String(Math.floor(prng.next() * 1e8)).padStart(8, '0')}`;
    return {
      status: await send(target, 'POST', methods, { phoneNumber: number, phoneType: 'mobile' }),
      items: 0,
    };
  }
  if (r < 0.95)
    return { status: await send(target, 'GET', `/users?$select=id,userPrincipalName&$top=100`), items: 0 };
  const requests = Array.from({ length: 5 }, (_, i) => ({
    id: String(i + 1),
    method: 'GET',
    url: `/users/${upn(1 + Math.floor(prng.next() * (target.users - 3)))}/authentication/phoneMethods`,
  }));
  return { status: await send(target, 'POST', '/$batch', { requests }), items: 5 };
}

async function load(
  target: Target,
  protocol: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let batchItems = 0;
  const warmupEnd = Date.now() + 1000;
  let measureStart = 0;
  let end = 0;
  const worker = async (id: number): Promise<void> => {
    const prng = new Prng(1000 + id);
    for (;;) {
      const now = Date.now();
      if (end !== 0 && now >= end) return;
      const t0 = performance.now();
      try {
        const { status, items } = await oneRequest(target, prng);
        if (measureStart !== 0 && Date.now() <= end) {
          latencies.push(performance.now() - t0);
          statuses[status] = (statuses[status] ?? 0) + 1;
          batchItems += items;
        }
      } catch {
        errors++;
      }
      if (measureStart === 0 && Date.now() >= warmupEnd) {
        measureStart = Date.now();
        end = measureStart + seconds * 1000;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => worker(i)));
  const elapsed = (end - measureStart) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((latencies[Math.floor(latencies.length * p)] ?? 0) * 10) / 10;
  return {
    protocol,
    requests: latencies.length,
    seconds: elapsed,
    perSecond: Math.round(latencies.length / elapsed),
    batchItems,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    statuses,
    errors,
  };
}

async function miToken(ready: ChildReady): Promise<string> {
  const res = await fetch(
    `${ready.miEndpoint}?api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=${ready.miClientId}`,
    { headers: { 'X-IDENTITY-HEADER': ready.miHeader } },
  );
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      serve: { type: 'string' },
      users: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
    },
  });
  if (values.serve) return serve(values.serve);
  const users = Number(values.users);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-bench-'));
  try {
    const seedFile = path.join(dir, 'tenant.json');
    let t0 = Date.now();
    await writeGeneratedSeed(seedFile, { users });
    const writeMs = Date.now() - t0;
    const size = (await stat(seedFile)).size;
    console.log(`machine: ${os.cpus().length} cores, Node ${process.version}`);
    console.log(`seed: ${users} users generated in ${writeMs} ms (${mb(size)} MB JSON)`);

    t0 = Date.now();
    const child = fork(__filename, ['--serve', seedFile], { execArgv: ['--expose-gc'], stdio: 'inherit' });
    const messages: ChildMessage[] = [];
    const waiters: ((m: ChildMessage) => void)[] = [];
    child.on('message', (m: ChildMessage) => {
      const waiter = waiters.shift();
      if (waiter) waiter(m);
      else messages.push(m);
    });
    const next = (): Promise<ChildMessage> =>
      messages.length > 0
        ? Promise.resolve(messages.shift() as ChildMessage)
        : new Promise((resolve) => waiters.push(resolve));
    const ready = (await next()) as ChildReady;
    console.log(
      `load: startGraphEmulator with the ${users}-user seed took ${ready.startMs} ms (process up to ready: ${Date.now() - t0} ms)`,
    );
    console.log(
      `memory after load (after GC): heap ${ready.heapUsedMb} MB (baseline ${ready.baselineHeapMb} MB, ` +
        `${Math.round(((ready.heapUsedMb - ready.baselineHeapMb) * 1048576) / users)} bytes/user), RSS ${ready.rssMb} MB`,
    );
    const token = await miToken(ready);
    const results: LoadResult[] = [];
    for (const protocol of ['https', 'http'] as const) {
      const agent =
        protocol === 'https'
          ? new https.Agent({ keepAlive: true, maxSockets: connections, ca: ready.caPem })
          : new http.Agent({ keepAlive: true, maxSockets: connections });
      const baseUrl = protocol === 'https' ? ready.graphBaseUrl : ready.plainGraphBaseUrl;
      const result = await load({ baseUrl, token, agent, users }, protocol, connections, seconds);
      agent.destroy();
      results.push(result);
      console.log(
        `throughput (${protocol}, latency off, throttling off, ${connections} keep-alive connections, ${result.seconds.toFixed(1)} s): ` +
          `${result.perSecond} requests/s (${result.requests} requests + ${result.batchItems} batch items), ` +
          `p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, statuses ${JSON.stringify(result.statuses)}, errors ${result.errors}`,
      );
    }
    child.send('memory');
    const after = (await next()) as ChildMemory;
    console.log(`memory after the load runs (after GC): heap ${after.heapUsedMb} MB, RSS ${after.rssMb} MB`);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('stop');
    await exited;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
