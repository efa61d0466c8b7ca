import { describe, expect, it } from 'vitest';
import { historyEvent } from '../../../dev/host/durable/historyEvents';
import {
  formatStatusTime,
  parseToJson,
  readableHistory,
  statusPayload,
} from '../../../dev/host/durable/statusPayload';
import type { InstanceRow } from '../../../dev/host/durable/store';

const at = new Date('2024-01-01T00:00:00.123Z');
const row: InstanceRow = {
  instanceId: 'i1',
  name: 'orch',
  version: '',
  executionId: 'e',
  runtimeStatus: 'Terminated',
  input: '{"a":1}',
  output: 'stopped by operator',
  customStatus: null,
  createdTime: at.getTime(),
  lastUpdatedTime: at.getTime() + 2000,
  parentInstanceId: null,
  parentExecutionId: null,
  parentTaskId: null,
  parentName: null,
};

describe('status payload', () => {
  it('keeps input and output keys, parses JSON, keeps non-JSON text as a string, drops fractions of seconds', () => {
    expect(statusPayload(row, { showInput: true, showHistory: false, showHistoryOutput: false })).toEqual({
      name: 'orch',
      instanceId: 'i1',
      runtimeStatus: 'Terminated',
      input: { a: 1 },
      customStatus: null,
      output: 'stopped by operator',
      createdTime: '2024-01-01T00:00:00Z',
      lastUpdatedTime: '2024-01-01T00:00:02Z',
    });
    expect(formatStatusTime(at.getTime())).toBe('2024-01-01T00:00:00Z');
    expect(parseToJson('  ')).toBe('');
    expect(parseToJson(null)).toBeNull();
  });

  it('converts history the way the extension does for showHistory', () => {
    const events = [
      historyEvent.orchestratorStarted(at),
      historyEvent.executionStarted(at, {
        name: 'orch',
        version: '',
        input: '1',
        instanceId: 'i1',
        executionId: 'e',
        parent: undefined,
      }),
      historyEvent.taskScheduled(at, 0, 'act', '[1]'),
      historyEvent.timerCreated(at, 1, at),
      historyEvent.orchestratorCompleted(at),
      historyEvent.orchestratorStarted(at),
      historyEvent.taskCompleted(at, 0, '{"r":2}'),
      historyEvent.timerFired(at, 1, at.toISOString()),
      historyEvent.executionCompleted(at, 1, '"done"'),
      historyEvent.orchestratorCompleted(at),
    ];
    const readable = readableHistory(events, true);
    expect(readable.map((event) => event['EventType'])).toEqual([
      'ExecutionStarted',
      'TimerCreated',
      'TaskCompleted',
      'TimerFired',
      'ExecutionCompleted',
    ]);
    expect(readable[0]).toMatchObject({ FunctionName: 'orch' });
    expect(readable[0]).not.toHaveProperty('Input');
    expect(readable[2]).toMatchObject({
      FunctionName: 'act',
      ScheduledTime: at.toISOString(),
      Result: { r: 2 },
    });
    expect(readable[2]).not.toHaveProperty('TaskScheduledId');
    expect(readable[3]).not.toHaveProperty('TimerId');
    expect(readable[4]).toMatchObject({ OrchestrationStatus: 'Completed', Result: 'done' });
    for (const event of readable) {
      expect(event).not.toHaveProperty('EventId');
      expect(event).not.toHaveProperty('IsPlayed');
    }
    expect(readableHistory(events, false)[2]).not.toHaveProperty('Result');
  });
});
