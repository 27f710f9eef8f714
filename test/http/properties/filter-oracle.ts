/**
 * An in-memory evaluator of Prefect's filter language, written from ../shared/spec/prefect-filters.md
 * §2 (pitfalls included) and independent of src/queries/filter-sql: given a dataset and a parsed
 * request body, which rows does each read endpoint return?
 *
 * Filters arrive here canonical (UUIDs lowercase, times as epoch µs, booleans as booleans); the
 * generator in filter-gen.ts sends the same filter with varied spellings. A criterion that names a
 * NULL column is false, which matches SQL here: no criterion is ever negated after it could be NULL
 * (NOT EXISTS is two-valued, and NOT IN is evaluated as such below).
 */
import type { Dataset, DeploymentRow, FlowRow, FlowRunRow, Micros, PoolRow, QueueRow, TaskRunRow } from './dataset';

type Maybe<T> = T | null | undefined;
type Op = 'and_' | 'or_';
/** A parsed filter object: keys as the client sent them, values canonical. */
export type Filter = Record<string, any>;

const given = <T>(x: Maybe<T>): x is T => x !== null && x !== undefined;

// ---------------------------------------------------------------------------------------------
// §2.1: the building blocks. Each returns a criterion, or undefined when it imposes nothing.

/** Criteria of one filter object: none → TRUE; otherwise ANDed (leaf filters) or by `operator`. */
function combine(criteria: (boolean | undefined)[], operator: Maybe<Op> = 'and_'): boolean {
  const present = criteria.filter((c): c is boolean => c !== undefined);
  if (present.length === 0) return true;
  return operator === 'or_' ? present.some(Boolean) : present.every(Boolean);
}

/** A sub-filter present (even `{}`) contributes its criterion; absent or null contributes nothing. */
const when = <F>(f: Maybe<F>, fn: (f: F) => boolean | undefined) => (given(f) ? fn(f) : undefined);

/** `any_`: whenever given; `[]` matches nothing; a NULL column never matches. */
const anyOf = (value: unknown, list: Maybe<unknown[]>) => (given(list) ? value !== null && list.includes(value) : undefined);
/** `not_any_`: only when non-empty; SQL NOT IN, so a NULL column does not match either. */
const notAnyOf = (value: unknown, list: Maybe<unknown[]>) => (list && list.length > 0 ? value !== null && !list.includes(value) : undefined);
const isNull = (value: unknown, flag: Maybe<boolean>) => (given(flag) ? (flag ? value === null : value !== null) : undefined);
const isBool = (value: boolean, flag: Maybe<boolean>) => (given(flag) ? value === flag : undefined);
const before = (value: Micros | null, bound: Maybe<Micros>) => (given(bound) ? value !== null && value <= bound : undefined);
const after = (value: Micros | null, bound: Maybe<Micros>) => (given(bound) ? value !== null && value >= bound : undefined);
const tagsAll = (tags: string[], list: Maybe<string[]>) => (list && list.length > 0 ? list.every((t) => tags.includes(t)) : undefined);
const tagsAny = (tags: string[], list: Maybe<string[]>) => (given(list) ? list.some((t) => tags.includes(t)) : undefined);
/** `is_null_` on tags tests the empty list. */
const tagsEmpty = (tags: string[], flag: Maybe<boolean>) => (given(flag) ? (flag ? tags.length === 0 : tags.length > 0) : undefined);

/**
 * SQL ILIKE: `%` any run, `_` one character, `\` makes the next character literal; case-insensitive.
 * (Code points, not UTF-16 units: `_` matches one character, astral ones included.)
 */
export function ilike(value: string, pattern: string): boolean {
  let re = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i += 1) {
    const c = chars[i]!;
    if (c === '\\') {
      i += 1;
      if (i >= chars.length) throw new Error(`LIKE pattern ends with the escape character: ${pattern}`);
      re += escapeRegExp(chars[i]!);
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, 'isu').test(value);
}
const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `like_`: substring, case-insensitive, `%`/`_` not escaped; null or "" imposes nothing. */
const like = (value: string, fragment: Maybe<string>) => (fragment ? ilike(value, `%${fragment}%`) : undefined);
/** `startswith_`: prefixes ORed; `[]` imposes nothing. */
const startsWithAny = (value: string, list: Maybe<string[]>) => (list && list.length > 0 ? list.some((p) => ilike(value, `${p}%`)) : undefined);

// ---------------------------------------------------------------------------------------------
// The dataset, indexed.

export class Index {
  readonly flows: Map<string, FlowRow>;
  readonly deployments: Map<string, DeploymentRow>;
  readonly queues: Map<string, QueueRow>;
  readonly pools: Map<string, PoolRow>;
  readonly taskRuns: Map<string, TaskRunRow>;
  readonly runs: Map<string, FlowRunRow>;

  constructor(readonly ds: Dataset) {
    this.flows = new Map(ds.flows.map((x) => [x.id, x]));
    this.deployments = new Map(ds.deployments.map((x) => [x.id, x]));
    this.queues = new Map(ds.queues.map((x) => [x.id, x]));
    this.pools = new Map(ds.pools.map((x) => [x.id, x]));
    this.taskRuns = new Map(ds.taskRuns.map((x) => [x.id, x]));
    this.runs = new Map(ds.flowRuns.map((x) => [x.id, x]));
  }

  tasksOf = (run: FlowRunRow) => this.ds.taskRuns.filter((t) => t.flow_run_id === run.id);
  runsOfFlow = (flow: FlowRow) => this.ds.flowRuns.filter((r) => r.flow_id === flow.id);
  runsOfDeployment = (d: DeploymentRow) => this.ds.flowRuns.filter((r) => r.deployment_id === d.id);
  deploymentsOf = (flow: FlowRow) => this.ds.deployments.filter((d) => d.flow_id === flow.id);
  queueOf = (queueId: string | null) => (queueId === null ? undefined : this.queues.get(queueId));
  poolOf = (q: QueueRow) => this.pools.get(q.work_pool_id);
}

// ---------------------------------------------------------------------------------------------
// §2.2–§2.6: one filter object on one row.

export function flowMatches(f: Filter, flow: FlowRow, ix: Index): boolean {
  const hasDeployment = ix.deploymentsOf(flow).length > 0;
  return combine(
    [
      when(f.id, (x) => combine([anyOf(flow.id, x.any_), notAnyOf(flow.id, x.not_any_)])),
      when(f.deployment, (x) => combine([given(x.is_null_) ? (x.is_null_ ? !hasDeployment : hasDeployment) : undefined], x.operator)),
      when(f.name, (x) => combine([anyOf(flow.name, x.any_), like(flow.name, x.like_)])),
      when(f.tags, (x) => combine([tagsAll(flow.tags, x.all_), tagsEmpty(flow.tags, x.is_null_)], x.operator)),
    ],
    f.operator,
  );
}

/** §2.3: a state sub-filter ANDs its conditions (3.9.1), and imposes nothing when it yields none. */
function single(criteria: (boolean | undefined)[]): boolean | undefined {
  const present = criteria.filter((c) => c !== undefined);
  return present.length === 0 ? undefined : present.every(Boolean);
}

export function flowRunMatches(f: Filter, run: FlowRunRow, ix: Index): boolean {
  // start_time bounds use COALESCE(start_time, expected_start_time); is_null_ uses start_time.
  const effectiveStart = run.start_time ?? run.expected_start_time;
  const createdBy = run.created_by;
  return combine(
    [
      when(f.id, (x) => combine([anyOf(run.id, x.any_), notAnyOf(run.id, x.not_any_)])),
      when(f.name, (x) => combine([anyOf(run.name, x.any_), like(run.name, x.like_)])),
      when(f.tags, (x) => combine([tagsAll(run.tags, x.all_), tagsAny(run.tags, x.any_), tagsEmpty(run.tags, x.is_null_)], x.operator)),
      when(f.deployment_id, (x) => combine([anyOf(run.deployment_id, x.any_), isNull(run.deployment_id, x.is_null_)], x.operator)),
      when(f.work_queue_name, (x) => combine([anyOf(run.work_queue_name, x.any_), isNull(run.work_queue_name, x.is_null_)], x.operator)),
      when(f.state, (s) =>
        combine(
          [
            when(s.type, (x) => single([anyOf(run.state_type, x.any_), notAnyOf(run.state_type, x.not_any_)])),
            when(s.name, (x) => single([anyOf(run.state_name, x.any_), notAnyOf(run.state_name, x.not_any_)])),
          ],
          s.operator,
        ),
      ),
      when(f.flow_version, (x) => combine([anyOf(run.flow_version, x.any_)])),
      when(f.start_time, (x) => combine([before(effectiveStart, x.before_), after(effectiveStart, x.after_), isNull(run.start_time, x.is_null_)])),
      when(f.end_time, (x) => combine([before(run.end_time, x.before_), after(run.end_time, x.after_), isNull(run.end_time, x.is_null_)])),
      when(f.expected_start_time, (x) => combine([before(run.expected_start_time, x.before_), after(run.expected_start_time, x.after_)])),
      when(f.next_scheduled_start_time, (x) =>
        combine([before(run.next_scheduled_start_time, x.before_), after(run.next_scheduled_start_time, x.after_)]),
      ),
      // A subflow whose parent task run belongs to one of the listed runs (one level deep).
      when(f.parent_flow_run_id, (x) =>
        combine(
          [
            given(x.any_)
              ? (() => {
                  const parent = run.parent_task_run_id === null ? undefined : ix.taskRuns.get(run.parent_task_run_id);
                  return parent !== undefined && anyOf(parent.flow_run_id, x.any_) === true;
                })()
              : undefined,
          ],
          x.operator,
        ),
      ),
      when(f.parent_task_run_id, (x) => combine([anyOf(run.parent_task_run_id, x.any_), isNull(run.parent_task_run_id, x.is_null_)], x.operator)),
      when(f.idempotency_key, (x) => combine([anyOf(run.idempotency_key, x.any_), notAnyOf(run.idempotency_key, x.not_any_)])),
      when(f.created_by, (x) =>
        combine(
          [anyOf(createdBy?.id ?? null, x.id_), anyOf(createdBy?.type ?? null, x.type_), isNull(createdBy, x.is_null_)],
          x.operator,
        ),
      ),
    ],
    f.operator,
  );
}

export function taskRunMatches(f: Filter, task: TaskRunRow, ix: Index): boolean {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(task.id, x.any_)])),
      when(f.name, (x) => combine([anyOf(task.name, x.any_), like(task.name, x.like_)])),
      when(f.tags, (x) => combine([tagsAll(task.tags, x.all_), tagsEmpty(task.tags, x.is_null_)], x.operator)),
      when(f.state, (s) =>
        combine(
          [when(s.type, (x) => combine([anyOf(task.state_type, x.any_)])), when(s.name, (x) => combine([anyOf(task.state_name, x.any_)]))],
          s.operator,
        ),
      ),
      // No COALESCE for task runs.
      when(f.start_time, (x) => combine([before(task.start_time, x.before_), after(task.start_time, x.after_), isNull(task.start_time, x.is_null_)])),
      when(f.end_time, (x) => combine([before(task.end_time, x.before_), after(task.end_time, x.after_), isNull(task.end_time, x.is_null_)])),
      when(f.expected_start_time, (x) => combine([before(task.expected_start_time, x.before_), after(task.expected_start_time, x.after_)])),
      when(f.subflow_runs, (x) => {
        if (!given(x.exists_)) return combine([]);
        const has = ix.ds.flowRuns.some((r) => r.parent_task_run_id === task.id);
        return x.exists_ ? has : !has;
      }),
      when(f.flow_run_id, (x) => combine([taskFlowRunId(task, x)], x.operator)),
    ],
    f.operator,
  );
}

/**
 * §2.4 task-run `flow_run_id`: is_null_ true → IS NULL (any_ ignored); is_null_ false — the default
 * when the key is absent — without any_ → IS NOT NULL; otherwise any_ alone, if given.
 */
function taskFlowRunId(task: TaskRunRow, x: Filter): boolean | undefined {
  const isNullFlag = 'is_null_' in x ? x.is_null_ : false;
  if (isNullFlag === true) return task.flow_run_id === null;
  if (isNullFlag === false && !given(x.any_)) return task.flow_run_id !== null;
  return anyOf(task.flow_run_id, x.any_);
}

export function deploymentMatches(f: Filter, d: DeploymentRow, ix: Index): boolean {
  const flow = ix.flows.get(d.flow_id)!;
  return combine(
    [
      when(f.id, (x) => combine([anyOf(d.id, x.any_), notAnyOf(d.id, x.not_any_)])),
      when(f.name, (x) => combine([anyOf(d.name, x.any_), like(d.name, x.like_)])),
      when(f.flow_or_deployment_name, (x) => combine([x.like_ ? like(d.name, x.like_) || like(flow.name, x.like_) : undefined])),
      when(f.paused, (x) => combine([isBool(d.paused, x.eq_)])),
      when(f.tags, (x) => combine([tagsAll(d.tags, x.all_), tagsAny(d.tags, x.any_), tagsEmpty(d.tags, x.is_null_)], x.operator)),
      // The stored column, not the name of the queue relation (§2.9.4).
      when(f.work_queue_name, (x) => combine([anyOf(d.work_queue_name, x.any_)])),
      // Deprecated: accepted, no effect.
      when(f.concurrency_limit, () => combine([])),
    ],
    f.operator,
  );
}

export function workPoolMatches(f: Filter, p: PoolRow): boolean {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(p.id, x.any_)])),
      when(f.name, (x) => combine([anyOf(p.name, x.any_)])),
      when(f.type, (x) => combine([anyOf(p.type, x.any_)])),
    ],
    f.operator,
  );
}

export function workQueueMatches(f: Filter, q: QueueRow): boolean {
  return combine(
    [when(f.id, (x) => combine([anyOf(q.id, x.any_)])), when(f.name, (x) => combine([anyOf(q.name, x.any_), startsWithAny(q.name, x.startswith_)]))],
    f.operator,
  );
}

// ---------------------------------------------------------------------------------------------
// §2.9: the top-level filters of each endpoint family. Different top-level filters are ANDed; a
// present one, even `{}`, requires the related row.

export interface Body {
  flows?: Filter | null;
  flow_runs?: Filter | null;
  task_runs?: Filter | null;
  deployments?: Filter | null;
  work_pools?: Filter | null;
  work_pool_queues?: Filter | null;
}

const all = (...criteria: (boolean | undefined)[]) => criteria.every((c) => c !== false);

/** The queue `queueId` exists and satisfies the queue and pool filters given (undefined: none given). */
function queueSatisfies(queueId: string | null, queues: Maybe<Filter>, pools: Maybe<Filter>, ix: Index): boolean | undefined {
  if (!given(queues) && !given(pools)) return undefined;
  const q = ix.queueOf(queueId);
  if (!q) return false;
  const pool = ix.poolOf(q);
  return (!given(queues) || workQueueMatches(queues, q)) && (!given(pools) || (pool !== undefined && workPoolMatches(pools, pool)));
}

const someTask = (run: FlowRunRow, f: Filter, ix: Index) => ix.tasksOf(run).some((t) => taskRunMatches(f, t, ix));

/** /flow_runs/filter, /count (§2.9.1). */
export function flowRunSelected(b: Body, run: FlowRunRow, ix: Index): boolean {
  const flow = ix.flows.get(run.flow_id)!;
  const dep = run.deployment_id === null ? undefined : ix.deployments.get(run.deployment_id);
  return all(
    when(b.flow_runs, (f) => flowRunMatches(f, run, ix)),
    when(b.flows, (f) => flowMatches(f, flow, ix)),
    when(b.task_runs, (f) => someTask(run, f, ix)),
    when(b.deployments, (f) => dep !== undefined && deploymentMatches(f, dep, ix)),
    queueSatisfies(run.work_queue_id, b.work_pool_queues, b.work_pools, ix),
  );
}

/** /flows/filter, /count (§2.9.3); `work_pool_queues` is not a key of this family. */
export function flowSelected(b: Body, flow: FlowRow, ix: Index): boolean {
  const viaDeployments =
    given(b.deployments) || given(b.work_pools)
      ? ix.deploymentsOf(flow).some((d) => all(when(b.deployments, (f) => deploymentMatches(f, d, ix)), queueSatisfies(d.work_queue_id, undefined, b.work_pools, ix)))
      : undefined;
  const viaRuns =
    given(b.flow_runs) || given(b.task_runs)
      ? ix.runsOfFlow(flow).some((r) => all(when(b.flow_runs, (f) => flowRunMatches(f, r, ix)), when(b.task_runs, (f) => someTask(r, f, ix))))
      : undefined;
  return all(when(b.flows, (f) => flowMatches(f, flow, ix)), viaDeployments, viaRuns);
}

/** /deployments/filter, /count (§2.9.4). */
export function deploymentSelected(b: Body, d: DeploymentRow, ix: Index): boolean {
  const flow = ix.flows.get(d.flow_id)!;
  const viaRuns =
    given(b.flow_runs) || given(b.task_runs)
      ? ix.runsOfDeployment(d).some((r) => all(when(b.flow_runs, (f) => flowRunMatches(f, r, ix)), when(b.task_runs, (f) => someTask(r, f, ix))))
      : undefined;
  return all(
    when(b.deployments, (f) => deploymentMatches(f, d, ix)),
    when(b.flows, (f) => flowMatches(f, flow, ix)),
    viaRuns,
    queueSatisfies(d.work_queue_id, b.work_pool_queues, b.work_pools, ix),
  );
}

/** /task_runs/filter, /count (§2.9.5): one run R = the task's run satisfies all three. */
export function taskRunSelected(b: Body, t: TaskRunRow, ix: Index): boolean {
  const viaRun =
    given(b.flows) || given(b.flow_runs) || given(b.deployments)
      ? (() => {
          const run = t.flow_run_id === null ? undefined : ix.runs.get(t.flow_run_id);
          if (!run) return false;
          const dep = run.deployment_id === null ? undefined : ix.deployments.get(run.deployment_id);
          return all(
            when(b.flow_runs, (f) => flowRunMatches(f, run, ix)),
            when(b.flows, (f) => flowMatches(f, ix.flows.get(run.flow_id)!, ix)),
            when(b.deployments, (f) => dep !== undefined && deploymentMatches(f, dep, ix)),
          );
        })()
      : undefined;
  return all(when(b.task_runs, (f) => taskRunMatches(f, t, ix)), viaRun);
}
