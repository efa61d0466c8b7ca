import type { IncomingMessage } from 'node:http';
import { MAX_REQUEST_BODY_BYTES } from './requestGuards';

/**
 * Watches a request body as it arrives, whoever consumes it (the host buffering it for its own APIs, or
 * the pipe to the worker's HTTP stream): more than the host's body limit is 413, and a body that arrives
 * slower than Kestrel's minimum data rate (240 bytes/s on average, after a 5 s grace period) is 408. Time the
 * consumer spends not reading (backpressure, `pause()`) does not count against the sender, as in Kestrel.
 */
export interface BodyLimits {
  readonly maxBytes: number;
  readonly minBytesPerSecond: number;
  readonly graceMs: number;
}

export const KESTREL_BODY_LIMITS: BodyLimits = {
  maxBytes: MAX_REQUEST_BODY_BYTES,
  minBytesPerSecond: 240,
  graceMs: 5_000,
};

export type BodyViolation = { status: 413 | 408; reason: string };

const CHECK_INTERVAL_MS = 1_000;

/**
 * Starts watching `req`; `onViolation` is called at most once, after which the request stream is destroyed
 * (the rest is never read). Returns a function that stops watching.
 */
export function guardBody(
  req: IncomingMessage,
  limits: BodyLimits,
  onViolation: (violation: BodyViolation) => void,
): () => void {
  let received = 0;
  let readingMs = 0;
  let lastTick = Date.now();
  let stopped = false;
  const violate = (violation: BodyViolation): void => {
    if (stopped) return;
    stop();
    onViolation(violation);
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > limits.maxBytes) violate({ status: 413, reason: `body over ${limits.maxBytes} bytes` });
  };
  const timer = setInterval(() => {
    const now = Date.now();
    if (!req.isPaused()) readingMs += now - lastTick;
    lastTick = now;
    if (readingMs <= limits.graceMs) return;
    if (received < (limits.minBytesPerSecond * readingMs) / 1_000) {
      violate({ status: 408, reason: `body slower than ${limits.minBytesPerSecond} bytes/s` });
    }
  }, CHECK_INTERVAL_MS);
  timer.unref();
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    req.off('data', onData);
    req.off('end', stop);
    req.off('close', stop);
  };
  req.on('data', onData);
  req.on('end', stop);
  req.on('close', stop);
  return stop;
}

/** Reads the whole body under `limits`: the bytes, or why not. */
export function readGuardedBody(
  req: IncomingMessage,
  limits: BodyLimits,
): Promise<{ ok: true; body: Buffer } | { ok: false; violation: BodyViolation }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let failed = false;
    guardBody(req, limits, (violation) => {
      failed = true;
      req.pause();
      resolve({ ok: false, violation });
    });
    req.on('data', (chunk: Buffer) => {
      if (!failed) chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve({ ok: true, body: Buffer.concat(chunks) });
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}
