/**
 * The task-run recorder (Prefect's server/services/task_run_recorder.py), as a pure step: which events
 * it records and the row each becomes. The SQL that applies a batch of them is
 * ../queries/task-run-recorder.ts, run in the transaction that stores the events.
 *
 * Prefect's rules, kept here:
 * - only `prefect.task-run.*` events whose resource says `prefect.orchestration: client`;
 * - the run's id is the resource id's UUID, its flow run the first related resource in role `flow-run`;
 * - the state is `payload.validated_state`, with the event's id and `occurred` as its id and timestamp;
 * - the run's columns are the keys `payload.task_run` carries (a key it lacks keeps the stored value).
 * An event whose payload Prefect's recorder could not read is stored but not recorded (Prefect retries
 * it a few times, then drops it).
 */
import * as v from 'valibot';
import { normalizeUuid } from '../schemas/common';
import { RecordedState, RecordedTaskRun } from '../schemas/events';
import { completeStateDetails, defaultStateName } from '../orchestration/states';
import { randomRunName } from '../routes/run-names';
import type { ReceivedEvent } from './received';

/** Columns of task_run the payload may set (the update writes only those the event carried). */
export const RECORDED_COLUMNS = [
  'name',
  'task_key',
  'dynamic_key',
  'cache_key',
  'cache_expiration',
  'task_version',
  'empirical_policy',
  'tags',
  'labels',
  'task_inputs',
  'run_count',
  'flow_run_run_count',
  'expected_start_time',
  'next_scheduled_start_time',
  'start_time',
  'end_time',
  'total_run_time',
] as const;

export interface TaskRunRecord {
  /** Position in the batch: among equal state timestamps, the later event wins (as in Prefect). */
  ord: number;
  id: string;
  flow_run_id: string | null;
  state_id: string;
  state_ts: string;
  state_type: string;
  state_name: string;
  state_message: string | null;
  state_details: Record<string, unknown>;
  state_data: unknown;
  /** The payload keys this event carries: only these overwrite an existing run's columns. */
  present: string[];
  name: string;
  task_key: string;
  dynamic_key: string;
  cache_key: string | null;
  cache_expiration: string | null;
  task_version: string | null;
  empirical_policy: unknown;
  tags: string[];
  labels: Record<string, unknown>;
  task_inputs: Record<string, unknown>;
  run_count: number;
  flow_run_run_count: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
}

const DEFAULT_POLICY = { max_retries: 0, retry_delay_seconds: 0, retries: null, retry_delay: null, retry_jitter_factor: null };

export const isTaskRunEvent = (e: ReceivedEvent) =>
  e.event.startsWith('prefect.task-run') && e.resource['prefect.orchestration'] === 'client';

/** `prefect.task-run.<uuid>` → the uuid; null for any other resource id. */
function objectId(resourceId: string | undefined, kind: string): string | null {
  if (resourceId === undefined || !resourceId.startsWith(`${kind}.`)) return null;
  return normalizeUuid(resourceId.slice(kind.length + 1));
}

/** The record for one event, or null when the recorder skips it (not a client task-run event, or unreadable). */
export function taskRunRecord(e: ReceivedEvent, ord: number): TaskRunRecord | null {
  if (!isTaskRunEvent(e)) return null;
  const id = objectId(e.resource['prefect.resource.id'], 'prefect.task-run');
  const flowRun = e.related.find((r) => r['prefect.resource.role'] === 'flow-run');
  const flowRunId = flowRun ? objectId(flowRun['prefect.resource.id'], 'prefect.flow-run') : null;
  const run = v.safeParse(RecordedTaskRun, e.payload.task_run);
  const state = v.safeParse(RecordedState, e.payload.validated_state);
  if (id === null || (flowRun && flowRunId === null) || !run.success || !state.success) {
    console.warn(`Task-run recorder: skipping event ${e.id} (${e.event}): unreadable resource or payload`);
    return null;
  }
  const t = run.output;
  const s = state.output;
  const raw = e.payload.task_run as Record<string, unknown>;
  return {
    ord,
    id,
    flow_run_id: flowRunId,
    state_id: e.id,
    state_ts: e.occurred,
    state_type: s.type,
    state_name: s.name ?? defaultStateName(s.type),
    state_message: s.message ?? null,
    state_details: { ...completeStateDetails(s.state_details), task_run_id: id, flow_run_id: flowRunId },
    state_data: s.data ?? null,
    present: RECORDED_COLUMNS.filter((k) => k in raw),
    name: t.name ?? randomRunName(),
    task_key: t.task_key,
    dynamic_key: t.dynamic_key,
    cache_key: t.cache_key ?? null,
    cache_expiration: t.cache_expiration ?? null,
    task_version: t.task_version ?? null,
    empirical_policy: t.empirical_policy ?? DEFAULT_POLICY,
    tags: t.tags ?? [],
    labels: t.labels ?? {},
    task_inputs: t.task_inputs ?? {},
    run_count: t.run_count ?? 0,
    flow_run_run_count: t.flow_run_run_count ?? 0,
    expected_start_time: t.expected_start_time ?? null,
    next_scheduled_start_time: t.next_scheduled_start_time ?? null,
    start_time: t.start_time ?? null,
    end_time: t.end_time ?? null,
    total_run_time: t.total_run_time ?? 0,
  };
}

export function taskRunRecords(events: readonly ReceivedEvent[]): TaskRunRecord[] {
  return events.flatMap((e, i) => taskRunRecord(e, i) ?? []);
}
