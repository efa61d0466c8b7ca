import { EVENT_TYPE_NAMES, EventType, OrchestrationStatusCode, type HistoryEvent } from './historyEvents';
import type { InstanceRow } from './store';

/**
 * The management API's status object (`StatusResponsePayload`, reference §2.3): `input` and `output` are always
 * present, times have no fractional seconds, and `historyEvents` is the extension's readable conversion of the
 * history (DurableClient.GetDurableOrchestrationStatusAsync), only when asked for.
 */
export interface StatusOptions {
  readonly showInput: boolean;
  readonly showHistory: boolean;
  readonly showHistoryOutput: boolean;
}

export function formatStatusTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The extension's ParseToJToken: JSON text becomes its value; text that is not JSON stays a string. */
export function parseToJson(text: string | null): unknown {
  if (text === null) return null;
  const trimmed = text.trim();
  if (trimmed.length === 0) return '';
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text;
  }
}

export function statusPayload(
  row: InstanceRow,
  options: StatusOptions,
  history?: readonly HistoryEvent[],
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    name: row.name,
    instanceId: row.instanceId,
    runtimeStatus: row.runtimeStatus,
    input: options.showInput ? parseToJson(row.input) : null,
    customStatus: parseToJson(row.customStatus),
    output: parseToJson(row.output),
    createdTime: formatStatusTime(row.createdTime),
    lastUpdatedTime: formatStatusTime(row.lastUpdatedTime),
  };
  if (options.showHistory && row.runtimeStatus !== 'Pending' && history) {
    payload['historyEvents'] = readableHistory(history, options.showHistoryOutput);
  }
  return payload;
}

const STATUS_NAMES = Object.fromEntries(
  Object.entries(OrchestrationStatusCode).map(([name, code]) => [code, name]),
);

/**
 * The conversion the extension applies for `showHistory`: event types and statuses by name, scheduling events
 * folded into their completions (FunctionName, ScheduledTime), episode markers dropped, ids and inputs removed,
 * results only with `showHistoryOutput` (and then as JSON values).
 */
export function readableHistory(
  history: readonly HistoryEvent[],
  showHistoryOutput: boolean,
): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = history.map((event) => ({ ...event }));
  const scheduledBy = new Map<string, { index: number; name: unknown; time: unknown }>();
  const drop = new Set<number>();
  const result = (item: Record<string, unknown>, show: boolean): void => {
    if (!show) {
      delete item['Result'];
      return;
    }
    item['Result'] = parseToJson(typeof item['Result'] === 'string' ? item['Result'] : null);
  };
  const fold = (item: Record<string, unknown>, prefix: string): void => {
    const scheduled = scheduledBy.get(`${prefix}_${String(item['TaskScheduledId'])}`);
    if (scheduled) {
      item['ScheduledTime'] = scheduled.time;
      item['FunctionName'] = scheduled.name;
      drop.add(scheduled.index);
    }
    delete item['TaskScheduledId'];
  };
  items.forEach((item, index) => {
    const type = item['EventType'];
    if (typeof type !== 'number') return;
    item['EventType'] = EVENT_TYPE_NAMES[type] ?? type;
    switch (type) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduledBy.set(`${String(EVENT_TYPE_NAMES[type])}_${String(item['EventId'])}`, {
          index,
          name: item['Name'],
          time: item['Timestamp'],
        });
        delete item['Version'];
        delete item['Input'];
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
        fold(item, 'TaskScheduled');
        result(item, showHistoryOutput && type === EventType.TaskCompleted);
        break;
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        fold(item, 'SubOrchestrationInstanceCreated');
        result(item, showHistoryOutput && type === EventType.SubOrchestrationInstanceCompleted);
        break;
      case EventType.ExecutionStarted:
        item['FunctionName'] = item['Name'];
        for (const key of ['Name', 'OrchestrationInstance', 'ParentInstance', 'Version', 'Tags', 'Input'])
          delete item[key];
        break;
      case EventType.ExecutionCompleted: {
        const status = item['OrchestrationStatus'];
        if (typeof status === 'number') item['OrchestrationStatus'] = STATUS_NAMES[status] ?? status;
        result(item, showHistoryOutput);
        break;
      }
      case EventType.ExecutionTerminated:
      case EventType.EventRaised:
        delete item['Input'];
        break;
      case EventType.TimerFired:
        delete item['TimerId'];
        break;
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        drop.add(index);
        break;
    }
    delete item['EventId'];
    delete item['IsPlayed'];
  });
  return items.filter((_item, index) => !drop.has(index));
}
