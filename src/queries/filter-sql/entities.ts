/**
 * One filter object → one SQL criterion on its own table (../shared/spec/prefect-filters.md §2.2–§2.6).
 * Criteria refer to tables by their plain names (`flow_run`, `deployment`...), so they can be used at
 * the top level of a query over that table or inside an EXISTS that introduces it.
 */
import { sql, type SQL } from 'drizzle-orm';
import { deployment, flow, flowRun, log, taskRun, variable, workPool, workQueue } from '../../db/schema';
import type {
  DeploymentFilter,
  FlowFilter,
  FlowRunFilter,
  FlowRunFilterState,
  LogFilter,
  TaskRunFilter,
  VariableFilter,
  WorkPoolFilter,
  WorkQueueFilter,
} from '../../schemas/filters';
import {
  after,
  aliasedTable,
  anyOf,
  before,
  combine,
  exists,
  FALSE,
  isBool,
  isNull,
  like,
  notAnyOf,
  startsWithAny,
  tagsAll,
  tagsAny,
  tagsEmpty,
  when,
} from './criteria';
import { textSearchCriteria } from './text-search';

export function flowFilterSql(f: FlowFilter): SQL {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(flow.id, x.any_), notAnyOf(flow.id, x.not_any_)])),
      when(f.deployment, (x) =>
        combine(
          [
            x.is_null_ === null || x.is_null_ === undefined
              ? undefined
              : x.is_null_
                ? sql`not ${exists(sql`${deployment}`, sql`${deployment.flowId} = ${flow.id}`)}`
                : exists(sql`${deployment}`, sql`${deployment.flowId} = ${flow.id}`),
          ],
          x.operator,
        ),
      ),
      when(f.name, (x) => combine([anyOf(flow.name, x.any_), like(flow.name, x.like_)])),
      when(f.tags, (x) => combine([tagsAll(flow.tags, x.all_), tagsEmpty(flow.tags, x.is_null_)], x.operator)),
    ],
    f.operator,
  );
}

/**
 * Inside `state`, a type or name sub-filter with both any_ and not_any_ applies both (Prefect 3.9.1; 3.8.8
 * dropped such a sub-filter). One that yields nothing imposes nothing, even under `or_` (§2.3).
 */
function flowRunStateSql(f: FlowRunFilterState): SQL {
  const single = (conditions: (SQL | undefined)[]) => {
    const present = conditions.filter((c): c is SQL => c !== undefined);
    return present.length === 0 ? undefined : combine(present);
  };
  return combine(
    [
      when(f.type, (x) => single([anyOf(flowRun.stateType, x.any_), notAnyOf(flowRun.stateType, x.not_any_)])),
      when(f.name, (x) => single([anyOf(flowRun.stateName, x.any_), notAnyOf(flowRun.stateName, x.not_any_)])),
    ],
    f.operator,
  );
}


const { table: parentTask, from: parentTaskFrom } = aliasedTable(taskRun, 'parent_task');

export function flowRunFilterSql(f: FlowRunFilter): SQL {
  // Flow-run start bounds compare COALESCE(start_time, expected_start_time); is_null_ uses start_time.
  const effectiveStart = sql`coalesce(${flowRun.startTime}, ${flowRun.expectedStartTime})`;
  return combine(
    [
      when(f.id, (x) => combine([anyOf(flowRun.id, x.any_), notAnyOf(flowRun.id, x.not_any_)])),
      when(f.name, (x) => combine([anyOf(flowRun.name, x.any_), like(flowRun.name, x.like_)])),
      when(f.tags, (x) =>
        combine([tagsAll(flowRun.tags, x.all_), tagsAny(flowRun.tags, x.any_), tagsEmpty(flowRun.tags, x.is_null_)], x.operator),
      ),
      when(f.deployment_id, (x) =>
        combine([anyOf(flowRun.deploymentId, x.any_), isNull(flowRun.deploymentId, x.is_null_)], x.operator),
      ),
      when(f.work_queue_name, (x) =>
        combine([anyOf(flowRun.workQueueName, x.any_), isNull(flowRun.workQueueName, x.is_null_)], x.operator),
      ),
      when(f.state, flowRunStateSql),
      when(f.flow_version, (x) => combine([anyOf(flowRun.flowVersion, x.any_)])),
      when(f.start_time, (x) =>
        combine([before(effectiveStart, x.before_), after(effectiveStart, x.after_), isNull(flowRun.startTime, x.is_null_)]),
      ),
      when(f.end_time, (x) =>
        combine([before(flowRun.endTime, x.before_), after(flowRun.endTime, x.after_), isNull(flowRun.endTime, x.is_null_)]),
      ),
      when(f.expected_start_time, (x) =>
        combine([before(flowRun.expectedStartTime, x.before_), after(flowRun.expectedStartTime, x.after_)]),
      ),
      when(f.next_scheduled_start_time, (x) =>
        combine([before(flowRun.nextScheduledStartTime, x.before_), after(flowRun.nextScheduledStartTime, x.after_)]),
      ),
      // A subflow of one of the given runs: its parent task run belongs to one of them (one level only).
      when(f.parent_flow_run_id, (x) =>
        combine(
          [
            x.any_ === null || x.any_ === undefined
              ? undefined
              : exists(
                  parentTaskFrom,
                  sql`${parentTask.id} = ${flowRun.parentTaskRunId}`,
                  anyOf(parentTask.flowRunId, x.any_),
                ),
          ],
          x.operator,
        ),
      ),
      when(f.parent_task_run_id, (x) =>
        combine([anyOf(flowRun.parentTaskRunId, x.any_), isNull(flowRun.parentTaskRunId, x.is_null_)], x.operator),
      ),
      when(f.idempotency_key, (x) =>
        combine([anyOf(flowRun.idempotencyKey, x.any_), notAnyOf(flowRun.idempotencyKey, x.not_any_)]),
      ),
      when(f.created_by, (x) =>
        combine(
          [
            anyOf(sql`(${flowRun.createdBy} ->> 'id')`, x.id_),
            anyOf(sql`(${flowRun.createdBy} ->> 'type')`, x.type_),
            isNull(flowRun.createdBy, x.is_null_),
          ],
          x.operator,
        ),
      ),
    ],
    f.operator,
  );
}

const { table: subflow, from: subflowFrom } = aliasedTable(flowRun, 'subflow');

export function taskRunFilterSql(f: TaskRunFilter): SQL {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(taskRun.id, x.any_)])),
      when(f.name, (x) => combine([anyOf(taskRun.name, x.any_), like(taskRun.name, x.like_)])),
      when(f.tags, (x) => combine([tagsAll(taskRun.tags, x.all_), tagsEmpty(taskRun.tags, x.is_null_)], x.operator)),
      when(f.state, (x) =>
        combine(
          [
            when(x.type, (t) => combine([anyOf(taskRun.stateType, t.any_)])),
            when(x.name, (n) => combine([anyOf(taskRun.stateName, n.any_)])),
          ],
          x.operator,
        ),
      ),
      // No COALESCE for task runs (unlike flow runs).
      when(f.start_time, (x) =>
        combine([before(taskRun.startTime, x.before_), after(taskRun.startTime, x.after_), isNull(taskRun.startTime, x.is_null_)]),
      ),
      when(f.end_time, (x) =>
        combine([before(taskRun.endTime, x.before_), after(taskRun.endTime, x.after_), isNull(taskRun.endTime, x.is_null_)]),
      ),
      when(f.expected_start_time, (x) =>
        combine([before(taskRun.expectedStartTime, x.before_), after(taskRun.expectedStartTime, x.after_)]),
      ),
      when(f.subflow_runs, (x) => {
        if (x.exists_ === null || x.exists_ === undefined) return combine([]);
        const hasSubflow = exists(subflowFrom, sql`${subflow.parentTaskRunId} = ${taskRun.id}`);
        return x.exists_ ? hasSubflow : sql`not ${hasSubflow}`;
      }),
      when(f.flow_run_id, (x) => combine([taskRunFlowRunIdSql(x.any_, x.is_null_)], x.operator)),
    ],
    f.operator,
  );
}

/**
 * Task-run `flow_run_id` (§2.4): is_null_ true wins and ignores any_; is_null_ false (the default)
 * without any_ means IS NOT NULL; otherwise any_ alone applies.
 */
function taskRunFlowRunIdSql(any: readonly string[] | null | undefined, isNullValue: boolean | null | undefined) {
  if (isNullValue === true) return sql`${taskRun.flowRunId} is null`;
  if (isNullValue === false && (any === null || any === undefined)) return sql`${taskRun.flowRunId} is not null`;
  return anyOf(taskRun.flowRunId, any);
}

const { table: deploymentFlow, from: deploymentFlowFrom } = aliasedTable(flow, 'deployment_flow');

export function deploymentFilterSql(f: DeploymentFilter): SQL {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(deployment.id, x.any_), notAnyOf(deployment.id, x.not_any_)])),
      when(f.name, (x) => combine([anyOf(deployment.name, x.any_), like(deployment.name, x.like_)])),
      when(f.flow_or_deployment_name, (x) =>
        combine([
          x.like_
            ? sql`(${like(deployment.name, x.like_)} or ${exists(
                deploymentFlowFrom,
                sql`${deploymentFlow.id} = ${deployment.flowId}`,
                like(deploymentFlow.name, x.like_),
              )})`
            : undefined,
        ]),
      ),
      when(f.paused, (x) => combine([isBool(deployment.paused, x.eq_)])),
      when(f.tags, (x) =>
        combine(
          [tagsAll(deployment.tags, x.all_), tagsAny(deployment.tags, x.any_), tagsEmpty(deployment.tags, x.is_null_)],
          x.operator,
        ),
      ),
      // The stored column, not the name derived from the queue relation (§2.9.4).
      when(f.work_queue_name, (x) => combine([anyOf(deployment.workQueueName, x.any_)])),
      // Deprecated: accepted and ignored.
      when(f.concurrency_limit, () => combine([])),
    ],
    f.operator,
  );
}

export function workPoolFilterSql(f: WorkPoolFilter): SQL {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(workPool.id, x.any_)])),
      when(f.name, (x) => combine([anyOf(workPool.name, x.any_)])),
      when(f.type, (x) => combine([anyOf(workPool.type, x.any_)])),
    ],
    f.operator,
  );
}

export function workQueueFilterSql(f: WorkQueueFilter): SQL {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(workQueue.id, x.any_)])),
      when(f.name, (x) => combine([anyOf(workQueue.name, x.any_), startsWithAny(workQueue.name, x.startswith_)])),
    ],
    f.operator,
  );
}

// `level` is a smallint: a bound outside its range would make Postgres reject the parameter, so such
// bounds are decided here (every level is >= -40000; none is >= 40000).
const LEVEL_MIN = -32768;
const LEVEL_MAX = 32767;
function levelAtLeast(ge: number | null | undefined): SQL | undefined {
  if (ge === null || ge === undefined || ge <= LEVEL_MIN) return undefined;
  return ge > LEVEL_MAX ? FALSE : sql`${log.level} >= ${ge}`;
}
function levelAtMost(le: number | null | undefined): SQL | undefined {
  if (le === null || le === undefined || le >= LEVEL_MAX) return undefined;
  return le < LEVEL_MIN ? FALSE : sql`${log.level} <= ${le}`;
}

export function logFilterSql(f: LogFilter): SQL {
  return combine(
    [
      when(f.level, (x) => combine([levelAtLeast(x.ge_), levelAtMost(x.le_)])),
      when(f.timestamp, (x) => combine([before(log.timestamp, x.before_), after(log.timestamp, x.after_)])),
      when(f.flow_run_id, (x) => combine([anyOf(log.flowRunId, x.any_)])),
      when(f.task_run_id, (x) => combine([anyOf(log.taskRunId, x.any_), isNull(log.taskRunId, x.is_null_)])),
      // The text query adds its criteria to this filter's own list (so `operator` applies to them too).
      ...(f.text ? textSearchCriteria(sql`${log.message} || ' ' || ${log.name}`, f.text.query) : []),
    ],
    f.operator,
  );
}

export function variableFilterSql(f: VariableFilter): SQL {
  return combine(
    [
      when(f.id, (x) => combine([anyOf(variable.id, x.any_)])),
      when(f.name, (x) => combine([anyOf(variable.name, x.any_), like(variable.name, x.like_)])),
      when(f.tags, (x) => combine([tagsAll(variable.tags, x.all_), tagsEmpty(variable.tags, x.is_null_)], x.operator)),
    ],
    f.operator,
  );
}
