import type { FunctionInfo } from '../app/functionCatalog';
import { describeError } from '../invoke/invoker';
import type { HostLogger } from '../logger';
import type { TriggerDispatcher } from './dispatcher';
import { parseTimerSchedule, type TimerSchedule } from './timerSchedule';

const MAX_DELAY_MS = 2_147_483_647;

/**
 * Fires timer-triggered functions on their schedules. Like the real TimerListener, a function's next occurrence
 * is computed after its previous invocation finished, so invocations of one function never overlap;
 * `runOnStartup` fires once at start. `useMonitor` (schedule status persisted across restarts) is ignored.
 */
export class TimerTriggerScheduler {
  private readonly handles = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly functions: readonly FunctionInfo[],
    private readonly dispatcher: TriggerDispatcher,
    private readonly logger: HostLogger,
    private readonly timeZone: string,
  ) {}

  start(): void {
    for (const fn of this.functions) {
      const expression = fn.trigger['schedule'];
      if (typeof expression !== 'string') {
        this.logger.log('error', `Timer function '${fn.name}' has no schedule; it will not run.`);
        continue;
      }
      let schedule: TimerSchedule;
      try {
        schedule = parseTimerSchedule(expression, this.timeZone);
      } catch (error) {
        this.logger.log('error', `Timer function '${fn.name}': ${describeError(error)}`);
        continue;
      }
      this.logger.log('debug', `Timer function '${fn.name}' scheduled ${schedule.description}`);
      if (fn.trigger['runOnStartup'] === true) this.fire(fn, schedule);
      else this.arm(fn, schedule, new Date());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
    await Promise.allSettled([...this.running]);
  }

  private arm(fn: FunctionInfo, schedule: TimerSchedule, after: Date): void {
    if (this.stopped) return;
    const next = schedule.next(after);
    if (!next) return;
    const delay = next.getTime() - Date.now();
    const handle = setTimeout(
      () => {
        this.handles.delete(fn.name);
        if (Date.now() < next.getTime()) this.arm(fn, schedule, after);
        else this.fire(fn, schedule);
      },
      Math.min(Math.max(0, delay), MAX_DELAY_MS),
    );
    this.handles.set(fn.name, handle);
  }

  private fire(fn: FunctionInfo, schedule: TimerSchedule): void {
    if (this.stopped) return;
    const run = this.dispatcher
      .dispatch(fn.name, false, { reason: 'Timer fired' })
      .catch((error: unknown) =>
        this.logger.log('error', `Timer function '${fn.name}': ${describeError(error)}`),
      )
      .finally(() => {
        this.running.delete(run);
        this.arm(fn, schedule, new Date());
      });
    this.running.add(run);
  }
}
