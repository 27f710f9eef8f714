/**
 * The database schema: one table per Prefect entity, with the columns, defaults, keys and
 * ON DELETE behaviour of Prefect's own Postgres schema (see ../shared/spec/prefect-filters.md §1).
 *
 * Conventions:
 * - Timestamps are `timestamptz(6)` read as strings, never through JS `Date` (millisecond
 *   precision would lose Prefect's microseconds).
 * - `updated` is set explicitly by every UPDATE our code issues.
 * - Indexes sit beside the table that they serve; `flow_run.deployment_id` is indexed (Prefect's
 *   users see timeouts without it).
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  interval,
  json,
  jsonb,
  pgEnum,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

export const STATE_TYPES = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'CRASHED',
  'PAUSED',
  'CANCELLING',
] as const;
export type StateType = (typeof STATE_TYPES)[number];

export const stateType = pgEnum('state_type', STATE_TYPES);
export const deploymentStatus = pgEnum('deployment_status', ['READY', 'NOT_READY']);
export const workPoolStatus = pgEnum('work_pool_status', ['READY', 'NOT_READY', 'PAUSED']);
export const workQueueStatus = pgEnum('work_queue_status', ['READY', 'NOT_READY', 'PAUSED']);

/** A microsecond-precision timestamptz column, read and written as an ISO-like string. */
const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 6, mode: 'string' });

/** id, created, updated: the columns every Prefect table has. */
const base = () => ({
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  created: ts('created').notNull().default(sql`now()`),
  updated: ts('updated').notNull().default(sql`now()`),
});

/**
 * A json or jsonb column holding any JSON value, read as the driver decoded it. Drizzle's own json
 * types parse a string value a second time, so the JSON string "0" would come back as the number 0.
 */
const anyJson = (name: string, type: 'json' | 'jsonb') =>
  customType<{ data: unknown; driverData: unknown }>({
    dataType: () => type,
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => value,
  })(name);

const jsonArray = (name: string) => jsonb(name).$type<string[]>().notNull().default(sql`'[]'::jsonb`);
const jsonObject = (name: string) =>
  jsonb(name).$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`);

export const flow = pgTable(
  'flow',
  {
    ...base(),
    name: varchar('name').notNull(),
    tags: jsonArray('tags'),
    labels: jsonb('labels').$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('uq_flow__name').on(t.name),
    index('ix_flow__created').on(t.created),
    index('ix_flow__updated').on(t.updated),
  ],
);

export const workPool = pgTable(
  'work_pool',
  {
    ...base(),
    name: varchar('name').notNull(),
    description: varchar('description'),
    type: varchar('type').notNull(),
    baseJobTemplate: jsonObject('base_job_template'),
    isPaused: boolean('is_paused').notNull().default(false),
    concurrencyLimit: integer('concurrency_limit'),
    // Set right after the pool's `default` queue is created; a pool's default queue cannot be deleted.
    defaultQueueId: uuid('default_queue_id').references((): AnyPgColumn => workQueue.id, {
      onDelete: 'restrict',
    }),
    status: workPoolStatus('status').notNull().default('NOT_READY'),
    lastTransitionedStatusAt: ts('last_transitioned_status_at'),
    lastStatusEventId: uuid('last_status_event_id'),
    storageConfiguration: jsonObject('storage_configuration'),
  },
  (t) => [
    uniqueIndex('uq_work_pool__name').on(t.name),
    index('ix_work_pool__type').on(t.type),
    index('ix_work_pool__updated').on(t.updated),
  ],
);

export const workQueue = pgTable(
  'work_queue',
  {
    ...base(),
    name: varchar('name').notNull(),
    workPoolId: uuid('work_pool_id')
      .notNull()
      .references((): AnyPgColumn => workPool.id, { onDelete: 'cascade' }),
    description: varchar('description').notNull().default(''),
    isPaused: boolean('is_paused').notNull().default(false),
    concurrencyLimit: integer('concurrency_limit'),
    priority: integer('priority').notNull().default(1),
    lastPolled: ts('last_polled'),
    status: workQueueStatus('status').notNull().default('NOT_READY'),
    filter: jsonb('filter').$type<{ tags?: string[] | null; deployment_ids?: string[] | null }>(),
  },
  (t) => [
    uniqueIndex('uq_work_queue__work_pool_id_name').on(t.workPoolId, t.name),
    index('ix_work_queue__work_pool_id_priority').on(t.workPoolId, t.priority),
    index('ix_work_queue__name').on(t.name),
    index('ix_work_queue__updated').on(t.updated),
  ],
);

export const concurrencyLimitV2 = pgTable(
  'concurrency_limit_v2',
  {
    ...base(),
    active: boolean('active').notNull().default(true),
    name: varchar('name').notNull(),
    limit: integer('limit').notNull(),
    activeSlots: integer('active_slots').notNull().default(0),
    deniedSlots: integer('denied_slots').notNull().default(0),
    slotDecayPerSecond: doublePrecision('slot_decay_per_second').notNull().default(0),
    avgSlotOccupancySeconds: doublePrecision('avg_slot_occupancy_seconds').notNull().default(2),
  },
  (t) => [
    uniqueIndex('uq_concurrency_limit_v2__name').on(t.name),
    index('ix_concurrency_limit_v2__updated').on(t.updated),
  ],
);

/**
 * Leases on concurrency_limit_v2 slots (Prefect keeps these in memory or Redis; we keep them in
 * the same Postgres, so taking a slot and creating its lease commit or roll back together).
 */
export const concurrencyLease = pgTable(
  'concurrency_lease',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    created: ts('created').notNull().default(sql`now()`),
    resourceIds: uuid('resource_ids').array().notNull(),
    expiration: ts('expiration').notNull(),
    metadata: jsonb('metadata').$type<{ slots: number; holder?: { type: string; id: string } | null }>(),
  },
  (t) => [index('ix_concurrency_lease__expiration').on(t.expiration)],
);

export const deployment = pgTable(
  'deployment',
  {
    ...base(),
    name: varchar('name').notNull(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flow.id, { onDelete: 'cascade' }),
    version: varchar('version'),
    description: text('description'),
    paused: boolean('paused').notNull().default(false),
    status: deploymentStatus('status').notNull().default('NOT_READY'),
    lastPolled: ts('last_polled'),
    workQueueName: varchar('work_queue_name'),
    workQueueId: uuid('work_queue_id').references(() => workQueue.id, { onDelete: 'set null' }),
    infraOverrides: jsonObject('infra_overrides'),
    parameters: jsonObject('parameters'),
    parameterOpenapiSchema: jsonb('parameter_openapi_schema').$type<Record<string, unknown>>(),
    pullSteps: jsonb('pull_steps').$type<unknown[]>(),
    enforceParameterSchema: boolean('enforce_parameter_schema').notNull().default(false),
    path: varchar('path'),
    entrypoint: varchar('entrypoint'),
    tags: jsonArray('tags'),
    labels: jsonb('labels').$type<Record<string, unknown>>(),
    concurrencyLimit: integer('concurrency_limit'),
    concurrencyLimitId: uuid('concurrency_limit_id').references(() => concurrencyLimitV2.id, {
      onDelete: 'set null',
    }),
    concurrencyOptions: jsonb('concurrency_options').$type<{
      collision_strategy: 'ENQUEUE' | 'CANCEL_NEW';
      grace_period_seconds?: number | null;
    }>(),
    createdBy: jsonb('created_by').$type<CreatedBy>(),
    updatedBy: jsonb('updated_by').$type<CreatedBy>(),
    storageDocumentId: uuid('storage_document_id'),
    infrastructureDocumentId: uuid('infrastructure_document_id'),
  },
  (t) => [
    uniqueIndex('uq_deployment__flow_id_name').on(t.flowId, t.name),
    index('ix_deployment__created').on(t.created),
    index('ix_deployment__updated').on(t.updated),
    // With the id, a page sorted by name (ties by id) and a name.like_ filter are read from the index alone.
    index('ix_deployment__name_id').on(t.name, t.id),
    index('ix_deployment__paused').on(t.paused),
    // Also the page of a work_pools/work_queues filter in name order, read from the index alone.
    index('ix_deployment__work_queue_id_name').on(t.workQueueId, t.name, t.id),
    index('ix_deployment__work_queue_name').on(t.workQueueName),
    index('ix_deployment__concurrency_limit_id').on(t.concurrencyLimitId),
  ],
);

export const deploymentSchedule = pgTable(
  'deployment_schedule',
  {
    ...base(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployment.id, { onDelete: 'cascade' }),
    schedule: jsonb('schedule').$type<Record<string, unknown>>().notNull(),
    active: boolean('active').notNull().default(true),
    maxScheduledRuns: integer('max_scheduled_runs'),
    parameters: jsonObject('parameters'),
    slug: varchar('slug'),
  },
  (t) => [
    index('ix_deployment_schedule__deployment_id').on(t.deploymentId),
    index('ix_deployment_schedule__slug').on(t.slug),
    uniqueIndex('uq_deployment_schedule__deployment_id__slug')
      .on(t.deploymentId, t.slug)
      .where(sql`slug IS NOT NULL`),
    index('ix_deployment_schedule__updated').on(t.updated),
  ],
);

export interface CreatedBy {
  id: string | null;
  type: string | null;
  display_value: string | null;
}

export const flowRun = pgTable(
  'flow_run',
  {
    ...base(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flow.id, { onDelete: 'cascade' }),
    name: varchar('name').notNull(),
    // No FK (Prefect's is ON DELETE SET NULL), as task_run.state_id: a state is only ever deleted with
    // its run (by cascade), so the SET NULL probe per deleted state never found a row and cost ~150
    // index probes per bulk_delete of 50 runs (docs/benchmarks.md, issue 17, fourth pass).
    stateId: uuid('state_id'),
    stateType: stateType('state_type'),
    stateName: varchar('state_name'),
    stateTimestamp: ts('state_timestamp'),
    runCount: integer('run_count').notNull().default(0),
    expectedStartTime: ts('expected_start_time'),
    nextScheduledStartTime: ts('next_scheduled_start_time'),
    startTime: ts('start_time'),
    endTime: ts('end_time'),
    totalRunTime: interval('total_run_time').notNull().default('0'),
    flowVersion: varchar('flow_version'),
    // No FK, as in Prefect: a deleted deployment leaves its runs' ids dangling.
    deploymentId: uuid('deployment_id'),
    deploymentVersion: varchar('deployment_version'),
    workQueueName: varchar('work_queue_name'),
    workQueueId: uuid('work_queue_id').references(() => workQueue.id, { onDelete: 'set null' }),
    parameters: jsonObject('parameters'),
    idempotencyKey: varchar('idempotency_key'),
    context: jsonObject('context'),
    empiricalPolicy: jsonObject('empirical_policy'),
    tags: jsonArray('tags'),
    labels: jsonb('labels').$type<Record<string, unknown>>(),
    parentTaskRunId: uuid('parent_task_run_id').references((): AnyPgColumn => taskRun.id, {
      onDelete: 'set null',
    }),
    autoScheduled: boolean('auto_scheduled').notNull().default(false),
    infrastructureDocumentId: uuid('infrastructure_document_id'),
    infrastructurePid: varchar('infrastructure_pid'),
    createdBy: jsonb('created_by').$type<CreatedBy>(),
    jobVariables: jsonb('job_variables').$type<Record<string, unknown>>().default(sql`'{}'::jsonb`),
  },
  (t) => [
    uniqueIndex('uq_flow_run__flow_id_idempotency_key').on(t.flowId, t.idempotencyKey),
    index('ix_flow_run__flow_id').on(t.flowId),
    index('ix_flow_run__state_id').on(t.stateId),
    index('ix_flow_run__state_type').on(t.stateType),
    index('ix_flow_run__state_name').on(t.stateName),
    index('ix_flow_run__state_timestamp').on(t.stateTimestamp),
    // (deployment_id, state_type) instead of deployment_id alone: /deployments/filter with a
    // flow_runs state filter reads only the runs in those states of each deployment (issue 17).
    index('ix_flow_run__deployment_id_state_type').on(t.deploymentId, t.stateType),
    index('ix_flow_run__deployment_version').on(t.deploymentVersion),
    index('ix_flow_run__work_queue_id').on(t.workQueueId),
    index('ix_flow_run__work_queue_name').on(t.workQueueName),
    index('ix_flow_run__parent_task_run_id').on(t.parentTaskRunId),
    index('ix_flow_run__flow_version').on(t.flowVersion),
    index('ix_flow_run__name').on(t.name),
    index('ix_flow_run__expected_start_time_desc').on(t.expectedStartTime.desc()),
    index('ix_flow_run__next_scheduled_start_time_asc').on(t.nextScheduledStartTime.asc()),
    index('ix_flow_run__start_time').on(t.startTime),
    index('ix_flow_run__end_time_desc').on(t.endTime.desc()),
    index('ix_flow_run__coalesce_start_time_expected_start_time').on(
      sql`(COALESCE(${t.startTime}, ${t.expectedStartTime}))`,
    ),
    index('ix_flow_run__updated').on(t.updated),
    index('ix_flow_run__created').on(t.created),
    index('ix_flow_run__tags').using('gin', t.tags),
    index('ix_flow_run__scheduler_deployment_id_auto_scheduled_next_scheduled_start_time')
      .on(t.deploymentId, t.autoScheduled, t.nextScheduledStartTime)
      .where(sql`state_type = 'SCHEDULED'`),
    // Ours: the UI's next run of each flow (POST /ui/flows/next-runs) is one probe per flow.
    index('ix_flow_run__flow_id_next_scheduled_start_time_scheduled')
      .on(t.flowId, t.nextScheduledStartTime)
      .where(sql`state_type = 'SCHEDULED'`),
  ],
);

export const flowRunState = pgTable(
  'flow_run_state',
  {
    ...base(),
    flowRunId: uuid('flow_run_id')
      .notNull()
      .references((): AnyPgColumn => flowRun.id, { onDelete: 'cascade' }),
    type: stateType('type').notNull(),
    timestamp: ts('timestamp').notNull().default(sql`now()`),
    name: varchar('name').notNull(),
    message: varchar('message'),
    stateDetails: jsonObject('state_details'),
    // We keep result data inline instead of in an artifact table (a documented difference).
    data: anyJson('data', 'jsonb'),
    resultArtifactId: uuid('result_artifact_id'),
  },
  (t) => [
    uniqueIndex('uq_flow_run_state__flow_run_id_timestamp_desc').on(t.flowRunId, t.timestamp.desc()),
    index('ix_flow_run_state__type').on(t.type),
    index('ix_flow_run_state__name').on(t.name),
    index('ix_flow_run_state__updated').on(t.updated),
  ],
);

export const taskRun = pgTable(
  'task_run',
  {
    ...base(),
    flowRunId: uuid('flow_run_id').references((): AnyPgColumn => flowRun.id, { onDelete: 'cascade' }),
    name: varchar('name').notNull(),
    taskKey: varchar('task_key').notNull(),
    dynamicKey: varchar('dynamic_key').notNull(),
    cacheKey: varchar('cache_key'),
    cacheExpiration: ts('cache_expiration'),
    taskVersion: varchar('task_version'),
    stateId: uuid('state_id'),
    stateType: stateType('state_type'),
    stateName: varchar('state_name'),
    stateTimestamp: ts('state_timestamp'),
    runCount: integer('run_count').notNull().default(0),
    flowRunRunCount: integer('flow_run_run_count').notNull().default(0),
    expectedStartTime: ts('expected_start_time'),
    nextScheduledStartTime: ts('next_scheduled_start_time'),
    startTime: ts('start_time'),
    endTime: ts('end_time'),
    totalRunTime: interval('total_run_time').notNull().default('0'),
    empiricalPolicy: jsonObject('empirical_policy'),
    taskInputs: jsonObject('task_inputs'),
    tags: jsonArray('tags'),
    labels: jsonb('labels').$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('uq_task_run__flow_run_id_task_key_dynamic_key').on(t.flowRunId, t.taskKey, t.dynamicKey),
    index('ix_task_run__flow_run_id').on(t.flowRunId),
    index('ix_task_run__name').on(t.name),
    index('ix_task_run__state_id').on(t.stateId),
    index('ix_task_run__state_type').on(t.stateType),
    index('ix_task_run__state_name').on(t.stateName),
    index('ix_task_run__state_timestamp').on(t.stateTimestamp),
    index('ix_task_run__state_type_start_time').on(t.stateType, t.startTime),
    index('ix_task_run__expected_start_time_desc').on(t.expectedStartTime.desc()),
    index('ix_task_run__next_scheduled_start_time_asc').on(t.nextScheduledStartTime.asc()),
    index('ix_task_run__start_time').on(t.startTime),
    index('ix_task_run__end_time_desc').on(t.endTime.desc()),
    index('ix_task_run__updated').on(t.updated),
  ],
);

export const taskRunState = pgTable(
  'task_run_state',
  {
    ...base(),
    taskRunId: uuid('task_run_id')
      .notNull()
      .references(() => taskRun.id, { onDelete: 'cascade' }),
    type: stateType('type').notNull(),
    timestamp: ts('timestamp').notNull().default(sql`now()`),
    name: varchar('name').notNull(),
    message: varchar('message'),
    stateDetails: jsonObject('state_details'),
    data: anyJson('data', 'jsonb'),
    resultArtifactId: uuid('result_artifact_id'),
  },
  (t) => [
    uniqueIndex('uq_task_run_state__task_run_id_timestamp_desc').on(t.taskRunId, t.timestamp.desc()),
    index('ix_task_run_state__type').on(t.type),
    index('ix_task_run_state__name').on(t.name),
    index('ix_task_run_state__updated').on(t.updated),
  ],
);

/** Values a paused run receives on resume, and the JSON schemas they must match (keyed per run). */
export const flowRunInput = pgTable(
  'flow_run_input',
  {
    ...base(),
    flowRunId: uuid('flow_run_id')
      .notNull()
      .references(() => flowRun.id, { onDelete: 'cascade' }),
    key: varchar('key').notNull(),
    value: text('value').notNull(),
    sender: varchar('sender'),
  },
  (t) => [uniqueIndex('uq_flow_run_input__flow_run_id_key').on(t.flowRunId, t.key), index('ix_flow_run_input__updated').on(t.updated)],
);

/**
 * Log lines the SDK posts while runs execute. No foreign keys, as in Prefect: logs may arrive before
 * their run exists or after it is gone; deleting a flow run deletes its logs explicitly.
 */
export const log = pgTable(
  'log',
  {
    ...base(),
    name: varchar('name').notNull(),
    level: smallint('level').notNull(),
    flowRunId: uuid('flow_run_id'),
    taskRunId: uuid('task_run_id'),
    message: text('message').notNull(),
    // The client's time for the log line, not the server's.
    timestamp: ts('timestamp').notNull(),
  },
  (t) => [
    index('ix_log__level').on(t.level),
    index('ix_log__flow_run_id').on(t.flowRunId),
    index('ix_log__task_run_id').on(t.taskRunId),
    index('ix_log__timestamp').on(t.timestamp),
    // A run's logs in time order: what the UI and `prefect flow-run logs` ask for.
    index('ix_log__flow_run_id_timestamp').on(t.flowRunId, t.timestamp),
    index('ix_log__updated').on(t.updated),
  ],
);

export const workerStatus = pgEnum('worker_status', ['ONLINE', 'OFFLINE']);

/** Workers that poll a work pool; created and refreshed by their heartbeats. */
export const worker = pgTable(
  'worker',
  {
    ...base(),
    workPoolId: uuid('work_pool_id')
      .notNull()
      .references(() => workPool.id, { onDelete: 'cascade' }),
    name: varchar('name').notNull(),
    lastHeartbeatTime: ts('last_heartbeat_time').notNull().default(sql`now()`),
    heartbeatIntervalSeconds: integer('heartbeat_interval_seconds'),
    status: workerStatus('status').notNull().default('OFFLINE'),
  },
  (t) => [
    uniqueIndex('uq_worker__work_pool_id_name').on(t.workPoolId, t.name),
    index('ix_worker__work_pool_id_last_heartbeat_time').on(t.workPoolId, t.lastHeartbeatTime),
    index('ix_worker__updated').on(t.updated),
  ],
);

/**
 * Events, as Prefect stores them: one row per event (de-duplicated by id), and one `event_resource`
 * row per resource it names (the primary resource with role '' and each related resource with its
 * role), so "events about resource X" is an index lookup.
 */
export const event = pgTable(
  'event',
  {
    ...base(),
    occurred: ts('occurred').notNull(),
    event: text('event').notNull(),
    resourceId: text('resource_id').notNull(),
    resource: jsonb('resource').$type<Record<string, string>>().notNull(),
    relatedResourceIds: jsonArray('related_resource_ids'),
    related: jsonb('related').$type<Record<string, string>[]>().notNull().default(sql`'[]'::jsonb`),
    payload: jsonObject('payload'),
    received: ts('received').notNull(),
    recorded: ts('recorded').notNull(),
    follows: uuid('follows'),
  },
  (t) => [
    index('ix_event__occurred').on(t.occurred),
    // /events/out's polls look for events received since their last one.
    index('ix_event__received').on(t.received),
    index('ix_event__event_occurred').on(t.event, t.occurred),
    index('ix_event__resource_id_occurred').on(t.resourceId, t.occurred),
    index('ix_event__related_resource_ids').using('gin', t.relatedResourceIds),
    index('ix_event__follows').on(t.follows),
  ],
);

export const eventResource = pgTable(
  'event_resource',
  {
    ...base(),
    occurred: ts('occurred').notNull(),
    resourceId: text('resource_id').notNull(),
    resourceRole: text('resource_role').notNull(),
    resource: jsonb('resource').$type<Record<string, string>>().notNull(),
    eventId: uuid('event_id').notNull(),
  },
  (t) => [
    index('ix_event_resource__resource_id_occurred').on(t.resourceId, t.occurred),
    index('ix_event_resource__event_id').on(t.eventId),
  ],
);

/** Variables: named JSON values (`Variable.get/set`, `prefect variable …`). */
export const variable = pgTable(
  'variable',
  {
    ...base(),
    name: varchar('name').notNull(),
    value: anyJson('value', 'jsonb'),
    tags: jsonArray('tags'),
  },
  (t) => [uniqueIndex('uq_variable__name').on(t.name), index('ix_variable__updated').on(t.updated)],
);

/** Artifacts that runs publish (markdown, tables, links, progress, results). `json`, not jsonb: key order is kept, as in Prefect. */
export const artifact = pgTable(
  'artifact',
  {
    ...base(),
    key: varchar('key'),
    type: varchar('type'),
    data: anyJson('data', 'json'),
    description: varchar('description'),
    metadata: json('metadata_').$type<Record<string, string> | null>(),
    taskRunId: uuid('task_run_id'),
    flowRunId: uuid('flow_run_id'),
  },
  (t) => [
    index('ix_artifact__key').on(t.key),
    index('ix_artifact__key_created_desc').on(t.key, t.created.desc()),
    index('ix_artifact__flow_run_id').on(t.flowRunId),
    index('ix_artifact__task_run_id').on(t.taskRunId),
    index('ix_artifact__updated').on(t.updated),
  ],
);

/** The latest artifact of each key (a copy of its fields), kept current by every artifact write. */
export const artifactCollection = pgTable(
  'artifact_collection',
  {
    ...base(),
    key: varchar('key').notNull(),
    latestId: uuid('latest_id').notNull(),
    taskRunId: uuid('task_run_id'),
    flowRunId: uuid('flow_run_id'),
    type: varchar('type'),
    data: anyJson('data', 'json'),
    description: varchar('description'),
    metadata: json('metadata_').$type<Record<string, string> | null>(),
  },
  (t) => [
    uniqueIndex('uq_artifact_collection__key').on(t.key),
    index('ix_artifact_collection__key_latest_id').on(t.key, t.latestId),
    index('ix_artifact_collection__updated').on(t.updated),
  ],
);

// ---- Blocks: block types, their schemas, and block documents (configuration and secrets) ----

/** A kind of block (`Secret`, `S3Bucket`, …), identified by its slug. Protected types are Prefect's own. */
export const blockType = pgTable(
  'block_type',
  {
    ...base(),
    name: varchar('name').notNull(),
    slug: varchar('slug').notNull(),
    logoUrl: varchar('logo_url'),
    documentationUrl: varchar('documentation_url'),
    description: varchar('description'),
    codeExample: varchar('code_example'),
    isProtected: boolean('is_protected').notNull().default(false),
  },
  (t) => [uniqueIndex('uq_block_type__slug').on(t.slug), index('ix_block_type__name').on(t.name)],
);

/**
 * One version of a block type's fields (a JSON schema), identified by checksum and version. Nested
 * blocks' schemas are stored as their own rows and linked by block_schema_reference. `json`, not
 * jsonb: a schema's key order is kept, as Prefect keeps it.
 */
export const blockSchema = pgTable(
  'block_schema',
  {
    ...base(),
    checksum: varchar('checksum').notNull(),
    fields: json('fields').$type<Record<string, unknown>>().notNull().default(sql`'{}'::json`),
    capabilities: jsonArray('capabilities'),
    version: varchar('version').notNull().default('non-versioned'),
    blockTypeId: uuid('block_type_id')
      .notNull()
      .references(() => blockType.id, { onDelete: 'cascade' }),
  },
  (t) => [
    uniqueIndex('uq_block_schema__checksum_version').on(t.checksum, t.version),
    index('ix_block_schema__block_type_id').on(t.blockTypeId),
    index('ix_block_schema__created').on(t.created),
    index('ix_block_schema__capabilities').using('gin', t.capabilities),
  ],
);

/** A nested block's schema under a field (`name`) of its parent's schema. */
export const blockSchemaReference = pgTable(
  'block_schema_reference',
  {
    ...base(),
    name: varchar('name').notNull(),
    parentBlockSchemaId: uuid('parent_block_schema_id')
      .notNull()
      .references(() => blockSchema.id, { onDelete: 'cascade' }),
    referenceBlockSchemaId: uuid('reference_block_schema_id')
      .notNull()
      .references(() => blockSchema.id, { onDelete: 'cascade' }),
  },
  (t) => [
    index('ix_block_schema_reference__parent').on(t.parentBlockSchemaId),
    index('ix_block_schema_reference__reference').on(t.referenceBlockSchemaId),
  ],
);

/**
 * Prefect's own block types and schemas as one JSON document (scripts/block-seed.py writes it into the
 * block_seed_data migration), for POST /block_types/install_system_block_types to restore them from
 * (src/queries/block-seed.ts). One row; kept in the database, not in the Worker bundle, where it was
 * 200 KiB of the script. `json`: schemas keep their key order.
 */
export const blockSeed = pgTable(
  'block_seed',
  {
    id: smallint('id').primaryKey().default(1),
    prefectVersion: varchar('prefect_version').notNull(),
    document: json('document').notNull(),
  },
  (t) => [check('block_seed_one_row', sql`${t.id} = 1`)],
);

/**
 * A saved block: its data (without the nested blocks, which are block_document_reference rows), its
 * type and schema. `json`: key order is kept, as Prefect's decrypted data keeps it.
 */
export const blockDocument = pgTable(
  'block_document',
  {
    ...base(),
    name: varchar('name').notNull(),
    data: json('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::json`),
    isAnonymous: boolean('is_anonymous').notNull().default(false),
    blockTypeName: varchar('block_type_name'),
    blockTypeId: uuid('block_type_id')
      .notNull()
      .references(() => blockType.id, { onDelete: 'cascade' }),
    blockSchemaId: uuid('block_schema_id')
      .notNull()
      .references(() => blockSchema.id, { onDelete: 'cascade' }),
  },
  (t) => [
    uniqueIndex('uq_block__type_id_name').on(t.blockTypeId, t.name),
    index('ix_block_document__name').on(t.name),
    index('ix_block_document__is_anonymous').on(t.isAnonymous),
    index('ix_block_document__block_type_name__name').on(t.blockTypeName, t.name),
    index('ix_block_document__block_schema_id').on(t.blockSchemaId),
  ],
);

/** A nested block: the parent document's field `name` holds the referenced document. */
export const blockDocumentReference = pgTable(
  'block_document_reference',
  {
    ...base(),
    name: varchar('name').notNull(),
    parentBlockDocumentId: uuid('parent_block_document_id')
      .notNull()
      .references((): AnyPgColumn => blockDocument.id, { onDelete: 'cascade' }),
    referenceBlockDocumentId: uuid('reference_block_document_id')
      .notNull()
      .references((): AnyPgColumn => blockDocument.id, { onDelete: 'cascade' }),
  },
  (t) => [
    index('ix_block_document_reference__parent').on(t.parentBlockDocumentId),
    index('ix_block_document_reference__reference').on(t.referenceBlockDocumentId),
  ],
);

// ---- Incoming webhooks (a Prefect Cloud feature; src/webhooks/) ----

/**
 * A webhook: a random URL slug (the only credential of /hooks/{slug}) and a Jinja template that turns
 * the HTTP request into an event. `window_start`/`window_hits` count calls per minute for the
 * per-slug rate limit; they are updated by the statement that looks the slug up.
 */
export const webhook = pgTable(
  'webhook',
  {
    ...base(),
    name: varchar('name').notNull(),
    description: varchar('description').notNull().default(''),
    enabled: boolean('enabled').notNull().default(true),
    template: text('template').notNull(),
    serviceAccountId: uuid('service_account_id'),
    slug: varchar('slug').notNull(),
    windowStart: ts('window_start').notNull().default(sql`now()`),
    windowHits: integer('window_hits').notNull().default(0),
  },
  (t) => [uniqueIndex('uq_webhook__slug').on(t.slug), index('ix_webhook__name').on(t.name), index('ix_webhook__updated').on(t.updated)],
);

// ---- The UI's saved searches (uiapi) ----

/** Named filter sets of the V1 UI's run lists (`/saved_searches`). `json`: the filters keep their key order. */
export const savedSearch = pgTable(
  'saved_search',
  {
    ...base(),
    name: varchar('name').notNull(),
    filters: json('filters').$type<unknown[]>().notNull().default(sql`'[]'`),
  },
  (t) => [uniqueIndex('uq_saved_search__name').on(t.name), index('ix_saved_search__updated').on(t.updated)],
);

// ---------------------------------------------------------------------------------------------
// Automations (Prefect's server/events: automation, automation_bucket, automation_related_resource,
// composite_trigger_child_firing), and what prefect-edge adds to run them without a message bus:
// a queue of events awaiting evaluation and a table of triggered actions with their status.
// ---------------------------------------------------------------------------------------------

/** An automation: its trigger and actions are kept as the JSON Prefect returns (`json` keeps their key order). */
export const automation = pgTable(
  'automation',
  {
    ...base(),
    name: varchar('name').notNull(),
    description: varchar('description').notNull().default(''),
    enabled: boolean('enabled').notNull().default(true),
    tags: jsonArray('tags'),
    trigger: json('trigger').$type<Record<string, unknown>>().notNull(),
    actions: json('actions').$type<Record<string, unknown>[]>().notNull(),
    actionsOnTrigger: json('actions_on_trigger').$type<Record<string, unknown>[]>().notNull().default(sql`'[]'::json`),
    actionsOnResolve: json('actions_on_resolve').$type<Record<string, unknown>[]>().notNull().default(sql`'[]'::json`),
  },
  (t) => [index('ix_automation__name').on(t.name), index('ix_automation__created').on(t.created)],
);

/** Resources an automation relates to: deployments its actions run, and the resource owning it. */
export const automationRelatedResource = pgTable(
  'automation_related_resource',
  {
    ...base(),
    automationId: uuid('automation_id')
      .notNull()
      .references(() => automation.id, { onDelete: 'cascade' }),
    resourceId: varchar('resource_id').notNull(),
    automationOwnedByResource: boolean('automation_owned_by_resource').notNull().default(false),
  },
  (t) => [
    uniqueIndex('uq_automation_related_resource__automation_id__resource_id').on(t.automationId, t.resourceId),
    index('ix_automation_related_resource__resource_id').on(t.resourceId),
  ],
);

/** The count of one event trigger for one `for_each` key within one window; the unique key makes it one row. */
export const automationBucket = pgTable(
  'automation_bucket',
  {
    ...base(),
    automationId: uuid('automation_id')
      .notNull()
      .references(() => automation.id, { onDelete: 'cascade' }),
    triggerId: uuid('trigger_id').notNull(),
    bucketingKey: jsonb('bucketing_key').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    lastEvent: jsonb('last_event').$type<Record<string, unknown> | null>(),
    start: ts('start').notNull(),
    end: ts('end').notNull(),
    count: integer('count').notNull(),
    lastOperation: varchar('last_operation'),
    triggeredAt: ts('triggered_at'),
  },
  (t) => [
    uniqueIndex('uq_automation_bucket__automation_id__trigger_id__bucketing_key').on(t.automationId, t.triggerId, t.bucketingKey),
    index('ix_automation_bucket__automation_id__end').on(t.automationId, t.end),
  ],
);

/** A child trigger's firing, held by its compound or sequence parent until the parent fires. */
export const compositeTriggerChildFiring = pgTable(
  'composite_trigger_child_firing',
  {
    ...base(),
    automationId: uuid('automation_id')
      .notNull()
      .references(() => automation.id, { onDelete: 'cascade' }),
    parentTriggerId: uuid('parent_trigger_id').notNull(),
    childTriggerId: uuid('child_trigger_id').notNull(),
    childFiringId: uuid('child_firing_id').notNull(),
    childFiredAt: ts('child_fired_at'),
    childFiring: jsonb('child_firing').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [uniqueIndex('uq_composite_trigger_child_firing__a_id__pt_id__ct__id').on(t.automationId, t.parentTriggerId, t.childTriggerId)],
);

/**
 * Events stored while an automation was enabled, waiting for the trigger evaluator. Filled by a
 * statement trigger on `event` (see the `automations_data` migration), so events written by any
 * statement (ingestion, server-side emitters in CTEs) are seen exactly once: the evaluator deletes
 * the rows it evaluates in the transaction that updates the buckets.
 */
export const automationEventQueue = pgTable(
  'automation_event_queue',
  {
    eventId: uuid('event_id').primaryKey(),
    occurred: ts('occurred').notNull(),
    enqueued: ts('enqueued').notNull().default(sql`now()`),
  },
  (t) => [index('ix_automation_event_queue__occurred').on(t.occurred)],
);

export const AUTOMATION_ACTION_STATUSES = ['PENDING', 'RUNNING', 'EXECUTED', 'FAILED'] as const;

/**
 * One action of one firing (Prefect's TriggeredAction), inserted in the transaction that fires the
 * trigger, then run with retries; its status says what became of it.
 */
export const automationTriggeredAction = pgTable(
  'automation_triggered_action',
  {
    ...base(),
    automationId: uuid('automation_id').notNull(),
    actionIndex: integer('action_index').notNull(),
    action: jsonb('action').$type<Record<string, unknown>>().notNull(),
    /** The TriggeredAction as Prefect serialises it (automation, firing, triggering event and labels). */
    triggeredAction: jsonb('triggered_action').$type<Record<string, unknown>>().notNull(),
    triggered: ts('triggered').notNull(),
    status: varchar('status', { enum: AUTOMATION_ACTION_STATUSES }).notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().default(sql`now()`),
    lastError: text('last_error'),
    result: jsonb('result').$type<Record<string, unknown> | null>(),
  },
  (t) => [
    index('ix_automation_triggered_action__status_next_attempt_at').on(t.status, t.nextAttemptAt),
    index('ix_automation_triggered_action__automation_id').on(t.automationId),
  ],
);
