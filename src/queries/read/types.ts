/**
 * The JSON objects the API returns (../shared/spec/prefect-filters.md §1.11, §4). Key order in these
 * interfaces is the order the serializers emit, which is Prefect's.
 */
import type { StateType } from '../../db/schema';
import type { FlowRunPolicy, StateDetails } from '../../orchestration/states';

export type Json = Record<string, unknown>;

/** Every key a state's `state_details` carries (the orchestration's own record of them). */
export type { StateDetails };

export interface StateResponse {
  id: string;
  type: StateType;
  name: string;
  timestamp: string;
  message: string | null;
  data: unknown;
  state_details: StateDetails;
}

export interface CreatedByResponse {
  id: string | null;
  type: string | null;
  display_value: string | null;
}

/** A flow run's `empirical_policy` as the API returns it: the normalised policy itself. */
export type FlowRunPolicyResponse = FlowRunPolicy;

export interface TaskRunPolicyResponse {
  max_retries: number;
  retry_delay_seconds: number;
  retries: number | null;
  retry_delay: number | number[] | null;
  retry_jitter_factor: number | null;
}

export interface FlowResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  tags: string[];
  labels: Json | null;
}

export interface FlowRunResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  flow_id: string;
  state_id: string | null;
  deployment_id: string | null;
  deployment_version: string | null;
  work_queue_id: string | null;
  work_queue_name: string | null;
  flow_version: string | null;
  parameters: Json;
  idempotency_key: string | null;
  context: Json;
  empirical_policy: FlowRunPolicyResponse;
  tags: string[];
  labels: Json;
  parent_task_run_id: string | null;
  state_type: StateType | null;
  state_name: string | null;
  run_count: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  estimated_run_time: number;
  estimated_start_time_delta: number;
  auto_scheduled: boolean;
  infrastructure_document_id: string | null;
  infrastructure_pid: string | null;
  created_by: CreatedByResponse | null;
  work_pool_id: string | null;
  work_pool_name: string | null;
  state: StateResponse | null;
  job_variables: Json | null;
}

export interface TaskRunResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  flow_run_id: string | null;
  task_key: string;
  dynamic_key: string;
  cache_key: string | null;
  cache_expiration: string | null;
  task_version: string | null;
  empirical_policy: TaskRunPolicyResponse;
  tags: string[];
  labels: Json | null;
  state_id: string | null;
  task_inputs: Json;
  state_type: StateType | null;
  state_name: string | null;
  run_count: number;
  flow_run_run_count: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  estimated_run_time: number;
  estimated_start_time_delta: number;
  state: StateResponse | null;
}

/** What `/task_runs/paginate` returns per row (Prefect's reduced TaskRunResponse). */
export interface ReducedTaskRunResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  flow_run_id: string | null;
  task_key: string;
  state_id: string | null;
  state: StateResponse | null;
  task_version: string | null;
  task_inputs: Json;
  empirical_policy: TaskRunPolicyResponse;
  tags: string[];
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  estimated_run_time: number;
  estimated_start_time_delta: number;
}

export interface DeploymentScheduleResponse {
  id: string;
  created: string;
  updated: string;
  deployment_id: string;
  schedule: Json;
  active: boolean;
  max_scheduled_runs: number | null;
  parameters: Json;
  slug: string | null;
}

export interface GlobalConcurrencyLimitResponse {
  id: string;
  created: string;
  updated: string;
  active: boolean;
  name: string;
  limit: number;
  active_slots: number;
  slot_decay_per_second: number;
}

export interface ConcurrencyOptionsResponse {
  collision_strategy: 'ENQUEUE' | 'CANCEL_NEW';
  grace_period_seconds: number | null;
}

export interface DeploymentResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  version: string | null;
  description: string | null;
  flow_id: string;
  paused: boolean;
  schedules: DeploymentScheduleResponse[];
  concurrency_limit: null;
  global_concurrency_limit: GlobalConcurrencyLimitResponse | null;
  concurrency_options: ConcurrencyOptionsResponse | null;
  job_variables: Json;
  parameters: Json;
  tags: string[];
  labels: Json;
  work_queue_name: string | null;
  work_queue_id: string | null;
  last_polled: string | null;
  parameter_openapi_schema: Json | null;
  path: string | null;
  pull_steps: Json[] | null;
  entrypoint: string | null;
  storage_document_id: string | null;
  infrastructure_document_id: string | null;
  created_by: CreatedByResponse | null;
  updated_by: CreatedByResponse | null;
  work_pool_name: string | null;
  status: 'READY' | 'NOT_READY';
  enforce_parameter_schema: boolean;
}

export interface WorkPoolStorageConfiguration {
  bundle_upload_step: Json | null;
  bundle_execution_step: Json | null;
  default_result_storage_block_id: string | null;
}

export interface WorkPoolResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  description: string | null;
  type: string;
  base_job_template: Json;
  is_paused: boolean;
  concurrency_limit: number | null;
  status: 'READY' | 'NOT_READY' | 'PAUSED' | null;
  default_queue_id: string | null;
  storage_configuration: WorkPoolStorageConfiguration;
  active_slots: number | null;
}

export interface WorkQueueResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  description: string;
  is_paused: boolean;
  concurrency_limit: number | null;
  priority: number;
  work_pool_id: string;
  filter: { tags: string[] | null; deployment_ids: string[] | null } | null;
  last_polled: string | null;
  work_pool_name: string;
  status: 'READY' | 'NOT_READY' | 'PAUSED';
  active_slots: number | null;
}

/** A paginate endpoint's response. */
export interface Page<T> {
  results: T[];
  count: number;
  limit: number;
  pages: number;
  page: number;
}
