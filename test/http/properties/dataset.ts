/**
 * A generated dataset for the filter oracle: flows, work pools and queues, deployments, flow runs and
 * task runs, drawn from small vocabularies so that generated filters hit often, with the pitfalls
 * of ../shared/spec/prefect-filters.md §2 built in: NULL states, times and keys, empty tag lists,
 * names with `_`, `%` and `\`, dangling deployment ids, stored queue names that differ from the
 * queue relation, microsecond-apart times, subflows. Seeded into an empty database by SQL.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { resetDb, withDb } from '../helpers';

export type Micros = number;

export interface CreatedBy {
  id: string | null;
  type: string | null;
  display_value: string | null;
}

export interface FlowRow {
  id: string;
  name: string;
  tags: string[];
}
export interface PoolRow {
  id: string;
  name: string;
  type: string;
}
export interface QueueRow {
  id: string;
  name: string;
  work_pool_id: string;
}
export interface DeploymentRow {
  id: string;
  name: string;
  flow_id: string;
  paused: boolean;
  tags: string[];
  work_queue_name: string | null;
  work_queue_id: string | null;
}
export interface FlowRunRow {
  id: string;
  name: string;
  flow_id: string;
  tags: string[];
  state_type: string | null;
  state_name: string | null;
  deployment_id: string | null;
  work_queue_name: string | null;
  work_queue_id: string | null;
  flow_version: string | null;
  start_time: Micros | null;
  end_time: Micros | null;
  expected_start_time: Micros | null;
  next_scheduled_start_time: Micros | null;
  parent_task_run_id: string | null;
  idempotency_key: string | null;
  created_by: CreatedBy | null;
}
export interface TaskRunRow {
  id: string;
  name: string;
  flow_run_id: string | null;
  tags: string[];
  state_type: string | null;
  state_name: string | null;
  start_time: Micros | null;
  end_time: Micros | null;
  expected_start_time: Micros | null;
  next_scheduled_start_time: Micros | null;
}

export interface Dataset {
  flows: FlowRow[];
  pools: PoolRow[];
  queues: QueueRow[];
  deployments: DeploymentRow[];
  flowRuns: FlowRunRow[];
  taskRuns: TaskRunRow[];
  /** Ids that name no row (dangling deployment ids, misses for filters). */
  strangers: string[];
  /** Every time value used, for filter bounds. */
  times: Micros[];
}

// Vocabularies. Flow, deployment, pool and queue names obey Prefect's name pattern (no / % & > <);
// run and task names may hold anything.
export const TAGS = ['db', 'blue', 'red', 'DB', 'x_y'];
const FLOW_NAMES = ['f-1', 'f-2', 'F_1', 'flow', 'Flow\\x', 'happy duck', 'f1'];
const DEPLOYMENT_NAMES = ['d-1', 'd_1', 'D-2', 'deploy', '', 'duck'];
const POOL_NAMES = ['pool-a', 'Pool_B', 'pool-c'];
const POOL_TYPES = ['process', 'docker', 'prefect-agent'];
const QUEUE_NAMES = ['default', 'Default', 'q-1', 'q_2', 'fast'];
export const RUN_NAMES = ['happy-duck', 'sad-duck', 'Happy_Duck', 'a%b', 'a_b', 'ab', 'x\\y', 'fr-1', 'FR_1', 'duck', 'test-happy-mallard', ''];
const TASK_NAMES = ['task-1', 'task_1', 'Task-2', 'a%b', 'x\\y', 'tr-2a', 'duck'];
const STATE_NAMES: Record<string, string[]> = {
  SCHEDULED: ['Scheduled', 'Late', 'AwaitingRetry', 'AwaitingConcurrencySlot'],
  PENDING: ['Pending', 'Submitting'],
  RUNNING: ['Running', 'Retrying', 'running'],
  COMPLETED: ['Completed'],
  FAILED: ['Failed'],
  CANCELLED: ['Cancelled'],
  CRASHED: ['Crashed'],
  PAUSED: ['Paused', 'Suspended'],
  CANCELLING: ['Cancelling'],
};
export const STATE_NAME_WORDS = [...new Set(Object.values(STATE_NAMES).flat())];
export const FLOW_VERSIONS = ['1.0', '2.0', ''];
export const IDEMPOTENCY_KEYS = ['k1', 'k2', 'K1', ''];
export const CREATED_BY_TYPES = ['DEPLOYMENT', 'AUTOMATION', 'SCHEDULE'];

const BASE = Date.UTC(2024, 0, 1) * 1000;
const MINUTE = 60_000_000;
/** Times a minute apart, plus neighbours 1 µs away: inclusive bounds and µs precision both show. */
const TIME_POOL: Micros[] = [0, 1, 2, 3, 5, 8, 13].flatMap((m) => [BASE + m * MINUTE, BASE + m * MINUTE + 1]).concat([BASE + 7 * MINUTE + 999_999]);

const maybe = <T>(arb: fc.Arbitrary<T>, nullWeight = 1, valueWeight = 2) =>
  fc.oneof({ weight: valueWeight, arbitrary: arb }, { weight: nullWeight, arbitrary: fc.constant(null) });
const time = (nullWeight = 1, valueWeight = 2) => maybe(fc.constantFrom(...TIME_POOL), nullWeight, valueWeight);
const tags = () => fc.subarray(TAGS, { maxLength: 3 });
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const stateArb = () =>
  maybe(fc.constantFrom(...Object.keys(STATE_NAMES)).chain((type) => pick(STATE_NAMES[type]!).map((name) => ({ type, name }))), 1, 6);

/** A dataset; `fc.sample` with a seed makes it reproducible. */
export const datasetArb: fc.Arbitrary<Dataset> = fc
  .record({
    flowNames: fc.shuffledSubarray(FLOW_NAMES, { minLength: 4, maxLength: 6 }),
    flowTags: fc.array(tags(), { minLength: 6, maxLength: 6 }),
    poolNames: fc.shuffledSubarray(POOL_NAMES, { minLength: 2, maxLength: 3 }),
    poolTypes: fc.array(pick(POOL_TYPES), { minLength: 3, maxLength: 3 }),
    queueNames: fc.array(fc.shuffledSubarray(QUEUE_NAMES, { minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
    strangers: fc.array(fc.uuid({ version: 4 }), { minLength: 3, maxLength: 3 }),
    idSeed: fc.array(fc.uuid({ version: 4 }), { minLength: 400, maxLength: 400 }),
    deployments: fc.array(
      fc.record({ flow: fc.nat(), name: pick(DEPLOYMENT_NAMES), paused: fc.boolean(), tags: tags(), storedQueue: maybe(pick(QUEUE_NAMES)), queue: maybe(fc.nat()) }),
      { minLength: 5, maxLength: 9 },
    ),
    runs: fc.array(
      fc.record({
        flow: fc.nat(),
        name: pick(RUN_NAMES),
        tags: tags(),
        state: stateArb(),
        deployment: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constant(-1) }),
        storedQueue: maybe(pick(QUEUE_NAMES), 2, 1),
        queue: maybe(fc.nat(), 2, 1),
        flowVersion: maybe(pick(FLOW_VERSIONS)),
        start: time(),
        end: time(),
        expected: time(1, 3),
        next: time(2),
        parentTask: maybe(fc.nat(), 4, 1),
        idempotencyKey: maybe(pick(IDEMPOTENCY_KEYS), 3, 1),
        createdBy: maybe(fc.record({ id: maybe(fc.nat()), type: maybe(pick(CREATED_BY_TYPES)), display_value: maybe(pick(['me', 'sched'])) }), 2, 1),
      }),
      { minLength: 40, maxLength: 70 },
    ),
    tasks: fc.array(
      fc.record({ run: maybe(fc.nat(), 1, 6), name: pick(TASK_NAMES), tags: tags(), state: stateArb(), start: time(), end: time(), expected: time(), next: time(2) }),
      { minLength: 30, maxLength: 70 },
    ),
  })
  .map((g): Dataset => {
    let next = 0;
    const id = () => g.idSeed[next++]!;
    const flows = g.flowNames.map((name, i): FlowRow => ({ id: id(), name, tags: g.flowTags[i]! }));
    const pools = g.poolNames.map((name, i): PoolRow => ({ id: id(), name, type: g.poolTypes[i]! }));
    const queues = pools.flatMap((p, i) => g.queueNames[i]!.map((name): QueueRow => ({ id: id(), name, work_pool_id: p.id })));
    const seen = new Set<string>();
    const deployments = g.deployments
      .map((d): DeploymentRow => {
        const flow = flows[d.flow % flows.length]!;
        return {
          id: id(),
          name: d.name,
          flow_id: flow.id,
          paused: d.paused,
          tags: d.tags,
          work_queue_name: d.storedQueue,
          work_queue_id: d.queue === null ? null : queues[d.queue % queues.length]!.id,
        };
      })
      .filter((d) => !seen.has(`${d.flow_id}/${d.name}`) && seen.add(`${d.flow_id}/${d.name}`)); // unique (flow, name)
    const keys = new Set<string>();
    const flowRuns = g.runs.map((r): FlowRunRow => {
      const flow = flows[r.flow % flows.length]!;
      let key = r.idempotencyKey;
      if (key !== null && keys.has(`${flow.id}/${key}`)) key = null; // unique (flow, key)
      if (key !== null) keys.add(`${flow.id}/${key}`);
      return {
        id: id(),
        name: r.name,
        flow_id: flow.id,
        tags: r.tags,
        state_type: r.state?.type ?? null,
        state_name: r.state?.name ?? null,
        deployment_id: r.deployment === null ? null : r.deployment === -1 ? g.strangers[0]! : deployments[r.deployment % deployments.length]!.id,
        work_queue_name: r.storedQueue,
        work_queue_id: r.queue === null ? null : queues[r.queue % queues.length]!.id,
        flow_version: r.flowVersion,
        start_time: r.start,
        end_time: r.end,
        expected_start_time: r.expected,
        next_scheduled_start_time: r.next,
        parent_task_run_id: null,
        idempotency_key: key,
        created_by: r.createdBy && {
          id: r.createdBy.id === null ? null : (r.createdBy.id % 2 ? deployments[0]!.id : g.strangers[1]!),
          type: r.createdBy.type,
          display_value: r.createdBy.display_value,
        },
      };
    });
    const taskRuns = g.tasks.map((t): TaskRunRow => ({
      id: id(),
      name: t.name,
      flow_run_id: t.run === null ? null : flowRuns[t.run % flowRuns.length]!.id,
      tags: t.tags,
      state_type: t.state?.type ?? null,
      state_name: t.state?.name ?? null,
      start_time: t.start,
      end_time: t.end,
      expected_start_time: t.expected,
      next_scheduled_start_time: t.next,
    }));
    // Subflows: a run whose parent task belongs to another run.
    g.runs.forEach((r, i) => {
      if (r.parentTask === null || taskRuns.length === 0) return;
      const task = taskRuns[r.parentTask % taskRuns.length]!;
      if (task.flow_run_id !== flowRuns[i]!.id) flowRuns[i]!.parent_task_run_id = task.id;
    });
    return { flows, pools, queues, deployments, flowRuns, taskRuns, strangers: g.strangers, times: TIME_POOL };
  });

export const sampleDataset = (seed: number): Dataset => fc.sample(datasetArb, { seed, numRuns: 1 })[0]!;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Epoch microseconds → `YYYY-MM-DDTHH:MM:SS.ffffffZ` (own formatter: the oracle does not use src/time.ts). */
export function isoMicros(us: Micros): string {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  const micro = us - Math.floor(us / 1_000_000) * 1_000_000;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(micro, 6)}Z`;
}

/** `…Z` timestamps of a response → epoch microseconds. */
export function parseResponseTime(text: string | null): Micros | null {
  if (text === null) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?Z$/.exec(text);
  if (!m) throw new Error(`not a response timestamp: ${text}`);
  const [, y, mo, d, h, mi, s, f = '0'] = m;
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) * 1000 + Number(f);
}

const ts = (us: Micros | null) => (us === null ? null : isoMicros(us));
const rows = (xs: unknown[]) => sql`${JSON.stringify(xs)}::jsonb`;

/** Empties the database and writes the dataset (one statement per table). */
export async function seedDataset(ds: Dataset): Promise<void> {
  await resetDb();
  await withDb(async (db) => {
    await db.execute(sql`
      INSERT INTO flow (id, name, tags) SELECT id, name, tags FROM jsonb_to_recordset(${rows(ds.flows)}) AS v(id uuid, name text, tags jsonb)`);
    await db.execute(sql`
      INSERT INTO work_pool (id, name, type) SELECT id, name, type FROM jsonb_to_recordset(${rows(ds.pools)}) AS v(id uuid, name text, type text)`);
    await db.execute(sql`
      INSERT INTO work_queue (id, name, work_pool_id)
      SELECT id, name, work_pool_id FROM jsonb_to_recordset(${rows(ds.queues)}) AS v(id uuid, name text, work_pool_id uuid)`);
    await db.execute(sql`
      INSERT INTO deployment (id, name, flow_id, paused, tags, work_queue_name, work_queue_id)
      SELECT id, name, flow_id, paused, tags, work_queue_name, work_queue_id
      FROM jsonb_to_recordset(${rows(ds.deployments)}) AS v(id uuid, name text, flow_id uuid, paused boolean, tags jsonb, work_queue_name text, work_queue_id uuid)`);
    const runRows = ds.flowRuns.map((r) => ({
      ...r,
      parent_task_run_id: null,
      start_time: ts(r.start_time),
      end_time: ts(r.end_time),
      expected_start_time: ts(r.expected_start_time),
      next_scheduled_start_time: ts(r.next_scheduled_start_time),
    }));
    await db.execute(sql`
      INSERT INTO flow_run (id, name, flow_id, tags, state_type, state_name, deployment_id, work_queue_name, work_queue_id,
        flow_version, start_time, end_time, expected_start_time, next_scheduled_start_time, idempotency_key, created_by)
      SELECT id, name, flow_id, tags, state_type, state_name, deployment_id, work_queue_name, work_queue_id,
        flow_version, start_time, end_time, expected_start_time, next_scheduled_start_time, idempotency_key, created_by
      FROM jsonb_to_recordset(${rows(runRows)}) AS v(id uuid, name text, flow_id uuid, tags jsonb, state_type state_type,
        state_name text, deployment_id uuid, work_queue_name text, work_queue_id uuid, flow_version text,
        start_time timestamptz, end_time timestamptz, expected_start_time timestamptz, next_scheduled_start_time timestamptz,
        idempotency_key text, created_by jsonb)`);
    const taskRows = ds.taskRuns.map((t, i) => ({
      ...t,
      task_key: `k${i}`,
      start_time: ts(t.start_time),
      end_time: ts(t.end_time),
      expected_start_time: ts(t.expected_start_time),
      next_scheduled_start_time: ts(t.next_scheduled_start_time),
    }));
    await db.execute(sql`
      INSERT INTO task_run (id, name, flow_run_id, task_key, dynamic_key, tags, state_type, state_name, start_time, end_time,
        expected_start_time, next_scheduled_start_time)
      SELECT id, name, flow_run_id, task_key, '0', tags, state_type, state_name, start_time, end_time, expected_start_time, next_scheduled_start_time
      FROM jsonb_to_recordset(${rows(taskRows)}) AS v(id uuid, name text, flow_run_id uuid, task_key text, tags jsonb,
        state_type state_type, state_name text, start_time timestamptz, end_time timestamptz, expected_start_time timestamptz,
        next_scheduled_start_time timestamptz)`);
    const parents = ds.flowRuns.filter((r) => r.parent_task_run_id).map((r) => ({ id: r.id, parent: r.parent_task_run_id }));
    if (parents.length > 0) {
      await db.execute(sql`
        UPDATE flow_run fr SET parent_task_run_id = v.parent FROM jsonb_to_recordset(${rows(parents)}) AS v(id uuid, parent uuid)
        WHERE fr.id = v.id`);
    }
  });
}
