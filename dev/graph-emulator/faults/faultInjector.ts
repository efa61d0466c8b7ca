import { type Prng } from '../core/prng';
import { type FaultKind, type FaultProfile, type ScriptedFault } from '../options';

export interface FaultDecision {
  kind: FaultKind;
  phase: 'before' | 'after';
  retryAfterSeconds: number;
  delayMs: number;
  scripted: boolean;
}

/** Order in which a single uniform draw is mapped onto the fault rates. */
const KINDS: readonly FaultKind[] = [
  'throttle',
  'unavailable',
  'gatewayTimeout',
  'connectionReset',
  'slowResponse',
];
const BATCH_ITEM_KINDS = new Set<FaultKind>(['throttle', 'unavailable', 'gatewayTimeout']);

interface PendingScripted extends ScriptedFault {
  remaining: number;
  regex?: RegExp;
}

/**
 * Decides whether a request fails on purpose. Scripted faults (tests) come first, in the order added;
 * otherwise the profile's rates are applied with the request's seeded generator.
 */
export class FaultInjector {
  private profile: FaultProfile | undefined;
  private pathRegex: RegExp | undefined;
  private scripted: PendingScripted[] = [];

  constructor(profile?: FaultProfile) {
    this.setProfile(profile);
  }

  setProfile(profile: FaultProfile | undefined): void {
    this.profile = profile;
    this.pathRegex = profile?.pathPattern ? new RegExp(profile.pathPattern, 'i') : undefined;
  }

  get currentProfile(): FaultProfile | undefined {
    return this.profile;
  }

  addScripted(fault: ScriptedFault): void {
    this.scripted.push({
      ...fault,
      remaining: fault.count ?? 1,
      ...(fault.match?.pathPattern ? { regex: new RegExp(fault.match.pathPattern, 'i') } : {}),
    });
  }

  get pendingScripted(): number {
    return this.scripted.reduce((n, f) => n + f.remaining, 0);
  }

  clear(): void {
    this.scripted = [];
    this.setProfile(undefined);
  }

  decide(method: string, path: string, prng: Prng, inBatch: boolean): FaultDecision | undefined {
    const upper = method.toUpperCase();
    for (const f of this.scripted) {
      if (f.remaining <= 0) continue;
      if (inBatch && !BATCH_ITEM_KINDS.has(f.fault)) continue;
      if (f.match?.method && f.match.method.toUpperCase() !== upper) continue;
      if (f.match?.pathIncludes && !path.toLowerCase().includes(f.match.pathIncludes.toLowerCase())) continue;
      if (f.regex && !f.regex.test(path)) continue;
      f.remaining--;
      if (f.remaining <= 0) this.scripted = this.scripted.filter((s) => s.remaining > 0);
      return {
        kind: f.fault,
        phase: f.phase ?? 'before',
        retryAfterSeconds: f.retryAfterSeconds ?? 2,
        delayMs: f.delayMs ?? 5000,
        scripted: true,
      };
    }
    const p = this.profile;
    if (!p) return undefined;
    if (inBatch && p.batchItems === false) return undefined;
    if (p.methods && !p.methods.some((m) => m.toUpperCase() === upper)) return undefined;
    if (this.pathRegex && !this.pathRegex.test(path)) return undefined;
    const draw = prng.next();
    const phaseDraw = prng.next();
    let acc = 0;
    for (const kind of KINDS) {
      acc += p.rates[kind] ?? 0;
      if (draw < acc) {
        if (inBatch && !BATCH_ITEM_KINDS.has(kind)) return undefined;
        const ambiguous = kind === 'gatewayTimeout' || kind === 'connectionReset';
        return {
          kind,
          phase: ambiguous && phaseDraw < (p.afterApplyRatio ?? 0) ? 'after' : 'before',
          retryAfterSeconds: p.retryAfterSeconds ?? 2,
          delayMs: p.slowResponseMs ?? 5000,
          scripted: false,
        };
      }
    }
    return undefined;
  }
}
