import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HistoryEvent, RuntimeStatus } from './historyEvents';

/**
 * Durable state in one SQLite file (WAL). The design is a transactional outbox: every change an orchestrator
 * episode or an activity completion makes (history rows, messages to instances, activity work items, status)
 * is written in one transaction, so a process killed at any instant leaves either all of it or none of it.
 *
 * - `instances`: one row per orchestration instance (status, input/output/custom status as JSON text, parent link).
 * - `history`: the current execution's history, append-only, one event per row.
 * - `inbox`: messages to instances not yet consumed by an episode (completions, timers with `visible_at`,
 *   raised events, start/terminate/suspend/resume). Consumed rows are deleted by the episode that appends them.
 * - `activities`: activity work items; deleted in the same transaction that posts the completion to the inbox.
 *
 * synchronous=NORMAL: in WAL mode a committed transaction survives the process being killed (the WAL lives in
 * the OS page cache); only an OS crash or power loss could drop the last commits, which is fine for dev tooling.
 */

export interface InstanceRow {
  instanceId: string;
  name: string;
  version: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: number;
  lastUpdatedTime: number;
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  parentTaskId: number | null;
  parentName: string | null;
}

export interface InboxRow {
  id: number;
  instanceId: string;
  /** null = any execution (raised events, terminate): such messages survive continue-as-new. */
  executionId: string | null;
  visibleAt: number;
  event: HistoryEvent;
}

export interface ActivityRow {
  id: number;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  /** The wire form of the activity input (JSON text), null when the orchestrator passed none. */
  input: string | null;
}

export type NewInboxRow = Omit<InboxRow, 'id'> & { id?: number };
export type NewActivityRow = Omit<ActivityRow, 'id'> & { id?: number };

/** One atomic unit of work. Operations run in this order: deletes, history, instances, inserts. */
export class WriteBatch {
  readonly deleteInboxIds: number[] = [];
  readonly resetHistoryOf: string[] = [];
  readonly appendHistory: { instanceId: string; firstSeq: number; events: HistoryEvent[] }[] = [];
  readonly upsertInstances: InstanceRow[] = [];
  readonly deleteInstances: string[] = [];
  readonly dropPendingWorkOf: string[] = [];
  readonly insertInbox: NewInboxRow[] = [];
  readonly insertActivities: NewActivityRow[] = [];
  /** Activity completions: the completion is posted only if the work item still exists. */
  readonly completeActivities: { activityId: number; completion: NewInboxRow; applied?: boolean }[] = [];

  get isEmpty(): boolean {
    return (
      this.deleteInboxIds.length +
        this.resetHistoryOf.length +
        this.appendHistory.length +
        this.upsertInstances.length +
        this.deleteInstances.length +
        this.dropPendingWorkOf.length +
        this.insertInbox.length +
        this.insertActivities.length +
        this.completeActivities.length ===
      0
    );
  }
}

interface RawInstance {
  instance_id: string;
  name: string;
  version: string;
  execution_id: string;
  runtime_status: string;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  created_time: number;
  last_updated_time: number;
  parent_instance_id: string | null;
  parent_execution_id: string | null;
  parent_task_id: number | null;
  parent_name: string | null;
}

interface RawInbox {
  id: number;
  instance_id: string;
  execution_id: string | null;
  visible_at: number;
  event: string;
}

interface RawActivity {
  id: number;
  instance_id: string;
  execution_id: string;
  task_id: number;
  name: string;
  input: string | null;
}

export interface InstanceQuery {
  createdTimeFrom?: number;
  createdTimeTo?: number;
  runtimeStatus?: readonly RuntimeStatus[];
  instanceIdPrefix?: string;
  /** Exclusive lower bound on instance id (continuation). */
  afterInstanceId?: string;
  limit?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  instance_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL DEFAULT '',
  execution_id TEXT NOT NULL,
  runtime_status TEXT NOT NULL,
  input TEXT,
  output TEXT,
  custom_status TEXT,
  created_time INTEGER NOT NULL,
  last_updated_time INTEGER NOT NULL,
  parent_instance_id TEXT,
  parent_execution_id TEXT,
  parent_task_id INTEGER,
  parent_name TEXT
);
CREATE INDEX IF NOT EXISTS instances_by_status ON instances(runtime_status);
CREATE TABLE IF NOT EXISTS history (
  instance_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  execution_id TEXT,
  visible_at INTEGER NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_by_instance ON inbox(instance_id);
CREATE TABLE IF NOT EXISTS activities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  input TEXT
);
CREATE INDEX IF NOT EXISTS activities_by_instance ON activities(instance_id);
`;

export class DurableStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly applyBatch: (batch: WriteBatch) => void;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.statements = {
      deleteInbox: db.prepare('DELETE FROM inbox WHERE id = ?'),
      resetHistory: db.prepare('DELETE FROM history WHERE instance_id = ?'),
      insertHistory: db.prepare('INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)'),
      upsertInstance: db.prepare(
        `INSERT OR REPLACE INTO instances (instance_id, name, version, execution_id, runtime_status, input, output,
           custom_status, created_time, last_updated_time, parent_instance_id, parent_execution_id, parent_task_id, parent_name)
         VALUES (@instanceId, @name, @version, @executionId, @runtimeStatus, @input, @output, @customStatus, @createdTime,
           @lastUpdatedTime, @parentInstanceId, @parentExecutionId, @parentTaskId, @parentName)`,
      ),
      deleteInstance: db.prepare('DELETE FROM instances WHERE instance_id = ?'),
      deleteInboxOf: db.prepare('DELETE FROM inbox WHERE instance_id = ?'),
      deleteActivitiesOf: db.prepare('DELETE FROM activities WHERE instance_id = ?'),
      insertInbox: db.prepare(
        'INSERT INTO inbox (instance_id, execution_id, visible_at, event) VALUES (?, ?, ?, ?)',
      ),
      insertActivity: db.prepare(
        'INSERT INTO activities (instance_id, execution_id, task_id, name, input) VALUES (?, ?, ?, ?, ?)',
      ),
      deleteActivity: db.prepare('DELETE FROM activities WHERE id = ?'),
      getInstance: db.prepare('SELECT * FROM instances WHERE instance_id = ?'),
      activeInstances: db.prepare(
        `SELECT * FROM instances WHERE runtime_status NOT IN ('Completed', 'Failed', 'Terminated', 'Canceled')`,
      ),
      history: db.prepare('SELECT event FROM history WHERE instance_id = ? ORDER BY seq'),
      allInbox: db.prepare('SELECT * FROM inbox ORDER BY id'),
      allActivities: db.prepare('SELECT * FROM activities ORDER BY id'),
    };
    const s = this.statements;
    this.applyBatch = db.transaction((batch: WriteBatch) => {
      for (const id of batch.deleteInboxIds) s.deleteInbox.run(id);
      for (const instanceId of batch.deleteInstances) {
        s.deleteInstance.run(instanceId);
        s.resetHistory.run(instanceId);
        s.deleteInboxOf.run(instanceId);
        s.deleteActivitiesOf.run(instanceId);
      }
      for (const instanceId of batch.dropPendingWorkOf) {
        s.deleteInboxOf.run(instanceId);
        s.deleteActivitiesOf.run(instanceId);
      }
      for (const instanceId of batch.resetHistoryOf) s.resetHistory.run(instanceId);
      for (const { instanceId, firstSeq, events } of batch.appendHistory) {
        events.forEach((event, index) =>
          s.insertHistory.run(instanceId, firstSeq + index, JSON.stringify(event)),
        );
      }
      for (const row of batch.upsertInstances) s.upsertInstance.run(row);
      for (const row of batch.insertInbox) {
        row.id = Number(
          s.insertInbox.run(row.instanceId, row.executionId, row.visibleAt, JSON.stringify(row.event))
            .lastInsertRowid,
        );
      }
      for (const row of batch.insertActivities) {
        row.id = Number(
          s.insertActivity.run(row.instanceId, row.executionId, row.taskId, row.name, row.input)
            .lastInsertRowid,
        );
      }
      for (const completion of batch.completeActivities) {
        completion.applied = s.deleteActivity.run(completion.activityId).changes === 1;
        if (!completion.applied) continue;
        const row = completion.completion;
        row.id = Number(
          s.insertInbox.run(row.instanceId, row.executionId, row.visibleAt, JSON.stringify(row.event))
            .lastInsertRowid,
        );
      }
    });
  }

  apply(batch: WriteBatch): void {
    if (!batch.isEmpty) this.applyBatch(batch);
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    const raw = this.statements.getInstance.get(instanceId) as RawInstance | undefined;
    return raw ? toInstance(raw) : undefined;
  }

  activeInstances(): InstanceRow[] {
    return (this.statements.activeInstances.all() as RawInstance[]).map(toInstance);
  }

  /** The stored history; every stored event belongs to a finished episode, so it is marked played. */
  history(instanceId: string): HistoryEvent[] {
    return (this.statements.history.all(instanceId) as { event: string }[]).map((row) => ({
      ...(JSON.parse(row.event) as HistoryEvent),
      IsPlayed: true,
    }));
  }

  inbox(): InboxRow[] {
    return (this.statements.allInbox.all() as RawInbox[]).map((raw) => ({
      id: raw.id,
      instanceId: raw.instance_id,
      executionId: raw.execution_id,
      visibleAt: raw.visible_at,
      event: JSON.parse(raw.event) as HistoryEvent,
    }));
  }

  activities(): ActivityRow[] {
    return (this.statements.allActivities.all() as RawActivity[]).map((raw) => ({
      id: raw.id,
      instanceId: raw.instance_id,
      executionId: raw.execution_id,
      taskId: raw.task_id,
      name: raw.name,
      input: raw.input,
    }));
  }

  queryInstances(query: InstanceQuery): InstanceRow[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.createdTimeFrom !== undefined) {
      where.push('created_time >= ?');
      params.push(query.createdTimeFrom);
    }
    if (query.createdTimeTo !== undefined) {
      where.push('created_time <= ?');
      params.push(query.createdTimeTo);
    }
    if (query.runtimeStatus && query.runtimeStatus.length > 0) {
      where.push(`runtime_status IN (${query.runtimeStatus.map(() => '?').join(', ')})`);
      params.push(...query.runtimeStatus);
    }
    if (query.instanceIdPrefix) {
      // substr comparison instead of LIKE: ids may contain % and _.
      where.push('substr(instance_id, 1, ?) = ?');
      params.push(query.instanceIdPrefix.length, query.instanceIdPrefix);
    }
    if (query.afterInstanceId !== undefined) {
      where.push('instance_id > ?');
      params.push(query.afterInstanceId);
    }
    const sql =
      'SELECT * FROM instances' +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY instance_id' +
      (query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : '');
    return (this.db.prepare(sql).all(...params) as RawInstance[]).map(toInstance);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toInstance(raw: RawInstance): InstanceRow {
  return {
    instanceId: raw.instance_id,
    name: raw.name,
    version: raw.version,
    executionId: raw.execution_id,
    runtimeStatus: raw.runtime_status as RuntimeStatus,
    input: raw.input,
    output: raw.output,
    customStatus: raw.custom_status,
    createdTime: raw.created_time,
    lastUpdatedTime: raw.last_updated_time,
    parentInstanceId: raw.parent_instance_id,
    parentExecutionId: raw.parent_execution_id,
    parentTaskId: raw.parent_task_id,
    parentName: raw.parent_name,
  };
}
