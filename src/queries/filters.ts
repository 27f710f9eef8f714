/**
 * Prefect's filter language → SQL. One translator for every endpoint family; the parsed filters come
 * from src/schemas/filters.ts. Implementation in ./filter-sql/.
 */
export {
  flowRunsCondition,
  flowsCondition,
  deploymentsCondition,
  taskRunsCondition,
  workPoolsCondition,
  workQueuesCondition,
  type FlowRunFilters,
  type FlowFilters,
  type DeploymentFilters,
  type TaskRunFilters,
} from './filter-sql/endpoints';
export {
  flowFilterSql,
  flowRunFilterSql,
  taskRunFilterSql,
  deploymentFilterSql,
  workPoolFilterSql,
  workQueueFilterSql,
  logFilterSql,
  variableFilterSql,
} from './filter-sql/entities';
export { FLOW_RUN_ORDER, TASK_RUN_ORDER, FLOW_ORDER, DEPLOYMENT_ORDER, LOG_ORDER, VARIABLE_ORDER } from './filter-sql/sorts';
