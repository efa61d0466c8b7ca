import { type Prng } from '../core/prng';
import { REALISTIC_LATENCY, type LatencyDistribution, type LatencyProfile } from '../options';

export type LatencyKind = 'read' | 'write' | 'token';

const Z99 = 2.326;

export function sample(distribution: LatencyDistribution | undefined, prng: Prng): number {
  if (!distribution) return 0;
  switch (distribution.kind) {
    case 'fixed':
      return distribution.ms;
    case 'uniform':
      return distribution.minMs + prng.next() * (distribution.maxMs - distribution.minMs);
    case 'lognormal': {
      const mu = Math.log(Math.max(distribution.medianMs, 0.001));
      const sigma = Math.max(0, (Math.log(Math.max(distribution.p99Ms, distribution.medianMs)) - mu) / Z99);
      const value = Math.exp(mu + sigma * prng.normal());
      return Math.min(value, distribution.maxMs ?? Number.POSITIVE_INFINITY);
    }
  }
}

/** Added latency for one request, drawn from that request's own generator (reproducible). */
export class LatencyModel {
  constructor(private profile: LatencyProfile = 'off') {}

  set(profile: LatencyProfile): void {
    this.profile = profile;
  }

  get current(): LatencyProfile {
    return this.profile;
  }

  delayMs(kind: LatencyKind, prng: Prng): number {
    if (this.profile === 'off') return 0;
    const table = this.profile === 'realistic' ? REALISTIC_LATENCY : this.profile;
    return Math.round(sample(table[kind], prng));
  }
}
