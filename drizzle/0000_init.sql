CREATE TYPE "public"."deployment_status" AS ENUM('READY', 'NOT_READY');--> statement-breakpoint
CREATE TYPE "public"."state_type" AS ENUM('SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING');--> statement-breakpoint
CREATE TYPE "public"."work_pool_status" AS ENUM('READY', 'NOT_READY', 'PAUSED');--> statement-breakpoint
CREATE TYPE "public"."work_queue_status" AS ENUM('READY', 'NOT_READY', 'PAUSED');--> statement-breakpoint
CREATE TABLE "concurrency_lease" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"resource_ids" uuid[] NOT NULL,
	"expiration" timestamp(6) with time zone NOT NULL,
	"metadata" jsonb
);
--> statement-breakpoint
CREATE TABLE "concurrency_limit_v2" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"name" varchar NOT NULL,
	"limit" integer NOT NULL,
	"active_slots" integer DEFAULT 0 NOT NULL,
	"denied_slots" integer DEFAULT 0 NOT NULL,
	"slot_decay_per_second" double precision DEFAULT 0 NOT NULL,
	"avg_slot_occupancy_seconds" double precision DEFAULT 2 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployment" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"flow_id" uuid NOT NULL,
	"version" varchar,
	"description" text,
	"paused" boolean DEFAULT false NOT NULL,
	"status" "deployment_status" DEFAULT 'NOT_READY' NOT NULL,
	"last_polled" timestamp(6) with time zone,
	"work_queue_name" varchar,
	"work_queue_id" uuid,
	"infra_overrides" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"parameter_openapi_schema" jsonb,
	"pull_steps" jsonb,
	"enforce_parameter_schema" boolean DEFAULT false NOT NULL,
	"path" varchar,
	"entrypoint" varchar,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb,
	"concurrency_limit" integer,
	"concurrency_limit_id" uuid,
	"concurrency_options" jsonb,
	"created_by" jsonb,
	"updated_by" jsonb,
	"storage_document_id" uuid,
	"infrastructure_document_id" uuid
);
--> statement-breakpoint
CREATE TABLE "deployment_schedule" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"deployment_id" uuid NOT NULL,
	"schedule" jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"max_scheduled_runs" integer,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"slug" varchar
);
--> statement-breakpoint
CREATE TABLE "flow" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb
);
--> statement-breakpoint
CREATE TABLE "flow_run" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"flow_id" uuid NOT NULL,
	"name" varchar NOT NULL,
	"state_id" uuid,
	"state_type" "state_type",
	"state_name" varchar,
	"state_timestamp" timestamp(6) with time zone,
	"run_count" integer DEFAULT 0 NOT NULL,
	"expected_start_time" timestamp(6) with time zone,
	"next_scheduled_start_time" timestamp(6) with time zone,
	"start_time" timestamp(6) with time zone,
	"end_time" timestamp(6) with time zone,
	"total_run_time" interval DEFAULT '0' NOT NULL,
	"flow_version" varchar,
	"deployment_id" uuid,
	"deployment_version" varchar,
	"work_queue_name" varchar,
	"work_queue_id" uuid,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" varchar,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"empirical_policy" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb,
	"parent_task_run_id" uuid,
	"auto_scheduled" boolean DEFAULT false NOT NULL,
	"infrastructure_document_id" uuid,
	"infrastructure_pid" varchar,
	"created_by" jsonb,
	"job_variables" jsonb DEFAULT '{}'::jsonb
);
--> statement-breakpoint
CREATE TABLE "flow_run_state" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"flow_run_id" uuid NOT NULL,
	"type" "state_type" NOT NULL,
	"timestamp" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"message" varchar,
	"state_details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"data" jsonb,
	"result_artifact_id" uuid
);
--> statement-breakpoint
CREATE TABLE "task_run" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"flow_run_id" uuid,
	"name" varchar NOT NULL,
	"task_key" varchar NOT NULL,
	"dynamic_key" varchar NOT NULL,
	"cache_key" varchar,
	"cache_expiration" timestamp(6) with time zone,
	"task_version" varchar,
	"state_id" uuid,
	"state_type" "state_type",
	"state_name" varchar,
	"state_timestamp" timestamp(6) with time zone,
	"run_count" integer DEFAULT 0 NOT NULL,
	"flow_run_run_count" integer DEFAULT 0 NOT NULL,
	"expected_start_time" timestamp(6) with time zone,
	"next_scheduled_start_time" timestamp(6) with time zone,
	"start_time" timestamp(6) with time zone,
	"end_time" timestamp(6) with time zone,
	"total_run_time" interval DEFAULT '0' NOT NULL,
	"empirical_policy" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"task_inputs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb
);
--> statement-breakpoint
CREATE TABLE "task_run_state" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"task_run_id" uuid NOT NULL,
	"type" "state_type" NOT NULL,
	"timestamp" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"message" varchar,
	"state_details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"data" jsonb,
	"result_artifact_id" uuid
);
--> statement-breakpoint
CREATE TABLE "work_pool" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"description" varchar,
	"type" varchar NOT NULL,
	"base_job_template" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_paused" boolean DEFAULT false NOT NULL,
	"concurrency_limit" integer,
	"default_queue_id" uuid,
	"status" "work_pool_status" DEFAULT 'NOT_READY' NOT NULL,
	"last_transitioned_status_at" timestamp(6) with time zone,
	"last_status_event_id" uuid,
	"storage_configuration" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "work_queue" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"work_pool_id" uuid NOT NULL,
	"description" varchar DEFAULT '' NOT NULL,
	"is_paused" boolean DEFAULT false NOT NULL,
	"concurrency_limit" integer,
	"priority" integer DEFAULT 1 NOT NULL,
	"last_polled" timestamp(6) with time zone,
	"status" "work_queue_status" DEFAULT 'NOT_READY' NOT NULL,
	"filter" jsonb
);
--> statement-breakpoint
ALTER TABLE "deployment" ADD CONSTRAINT "deployment_flow_id_flow_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flow"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment" ADD CONSTRAINT "deployment_work_queue_id_work_queue_id_fk" FOREIGN KEY ("work_queue_id") REFERENCES "public"."work_queue"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment" ADD CONSTRAINT "deployment_concurrency_limit_id_concurrency_limit_v2_id_fk" FOREIGN KEY ("concurrency_limit_id") REFERENCES "public"."concurrency_limit_v2"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_schedule" ADD CONSTRAINT "deployment_schedule_deployment_id_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployment"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "flow_run_flow_id_flow_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flow"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "flow_run_state_id_flow_run_state_id_fk" FOREIGN KEY ("state_id") REFERENCES "public"."flow_run_state"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "flow_run_work_queue_id_work_queue_id_fk" FOREIGN KEY ("work_queue_id") REFERENCES "public"."work_queue"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run" ADD CONSTRAINT "flow_run_parent_task_run_id_task_run_id_fk" FOREIGN KEY ("parent_task_run_id") REFERENCES "public"."task_run"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_run_state" ADD CONSTRAINT "flow_run_state_flow_run_id_flow_run_id_fk" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_run" ADD CONSTRAINT "task_run_flow_run_id_flow_run_id_fk" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_run_state" ADD CONSTRAINT "task_run_state_task_run_id_task_run_id_fk" FOREIGN KEY ("task_run_id") REFERENCES "public"."task_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_pool" ADD CONSTRAINT "work_pool_default_queue_id_work_queue_id_fk" FOREIGN KEY ("default_queue_id") REFERENCES "public"."work_queue"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_queue" ADD CONSTRAINT "work_queue_work_pool_id_work_pool_id_fk" FOREIGN KEY ("work_pool_id") REFERENCES "public"."work_pool"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_concurrency_lease__expiration" ON "concurrency_lease" USING btree ("expiration");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_concurrency_limit_v2__name" ON "concurrency_limit_v2" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_concurrency_limit_v2__updated" ON "concurrency_limit_v2" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_deployment__flow_id_name" ON "deployment" USING btree ("flow_id","name");--> statement-breakpoint
CREATE INDEX "ix_deployment__created" ON "deployment" USING btree ("created");--> statement-breakpoint
CREATE INDEX "ix_deployment__updated" ON "deployment" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_deployment__name" ON "deployment" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_deployment__paused" ON "deployment" USING btree ("paused");--> statement-breakpoint
CREATE INDEX "ix_deployment__work_queue_id" ON "deployment" USING btree ("work_queue_id");--> statement-breakpoint
CREATE INDEX "ix_deployment__work_queue_name" ON "deployment" USING btree ("work_queue_name");--> statement-breakpoint
CREATE INDEX "ix_deployment__concurrency_limit_id" ON "deployment" USING btree ("concurrency_limit_id");--> statement-breakpoint
CREATE INDEX "ix_deployment_schedule__deployment_id" ON "deployment_schedule" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "ix_deployment_schedule__slug" ON "deployment_schedule" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_deployment_schedule__deployment_id__slug" ON "deployment_schedule" USING btree ("deployment_id","slug") WHERE slug IS NOT NULL;--> statement-breakpoint
CREATE INDEX "ix_deployment_schedule__updated" ON "deployment_schedule" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_flow__name" ON "flow" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_flow__created" ON "flow" USING btree ("created");--> statement-breakpoint
CREATE INDEX "ix_flow__updated" ON "flow" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_flow_run__flow_id_idempotency_key" ON "flow_run" USING btree ("flow_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "ix_flow_run__flow_id" ON "flow_run" USING btree ("flow_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_id" ON "flow_run" USING btree ("state_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_type" ON "flow_run" USING btree ("state_type");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_name" ON "flow_run" USING btree ("state_name");--> statement-breakpoint
CREATE INDEX "ix_flow_run__state_timestamp" ON "flow_run" USING btree ("state_timestamp");--> statement-breakpoint
CREATE INDEX "ix_flow_run__deployment_id" ON "flow_run" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__deployment_version" ON "flow_run" USING btree ("deployment_version");--> statement-breakpoint
CREATE INDEX "ix_flow_run__work_queue_id" ON "flow_run" USING btree ("work_queue_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__work_queue_name" ON "flow_run" USING btree ("work_queue_name");--> statement-breakpoint
CREATE INDEX "ix_flow_run__parent_task_run_id" ON "flow_run" USING btree ("parent_task_run_id");--> statement-breakpoint
CREATE INDEX "ix_flow_run__flow_version" ON "flow_run" USING btree ("flow_version");--> statement-breakpoint
CREATE INDEX "ix_flow_run__name" ON "flow_run" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_flow_run__expected_start_time_desc" ON "flow_run" USING btree ("expected_start_time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_flow_run__next_scheduled_start_time_asc" ON "flow_run" USING btree ("next_scheduled_start_time");--> statement-breakpoint
CREATE INDEX "ix_flow_run__start_time" ON "flow_run" USING btree ("start_time");--> statement-breakpoint
CREATE INDEX "ix_flow_run__end_time_desc" ON "flow_run" USING btree ("end_time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_flow_run__coalesce_start_time_expected_start_time" ON "flow_run" USING btree ((COALESCE("start_time", "expected_start_time")));--> statement-breakpoint
CREATE INDEX "ix_flow_run__updated" ON "flow_run" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_flow_run__created" ON "flow_run" USING btree ("created");--> statement-breakpoint
CREATE INDEX "ix_flow_run__tags" ON "flow_run" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "ix_flow_run__scheduler_deployment_id_auto_scheduled_next_scheduled_start_time" ON "flow_run" USING btree ("deployment_id","auto_scheduled","next_scheduled_start_time") WHERE state_type = 'SCHEDULED';--> statement-breakpoint
CREATE UNIQUE INDEX "uq_flow_run_state__flow_run_id_timestamp_desc" ON "flow_run_state" USING btree ("flow_run_id","timestamp" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_flow_run_state__type" ON "flow_run_state" USING btree ("type");--> statement-breakpoint
CREATE INDEX "ix_flow_run_state__name" ON "flow_run_state" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_flow_run_state__updated" ON "flow_run_state" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_task_run__flow_run_id_task_key_dynamic_key" ON "task_run" USING btree ("flow_run_id","task_key","dynamic_key");--> statement-breakpoint
CREATE INDEX "ix_task_run__flow_run_id" ON "task_run" USING btree ("flow_run_id");--> statement-breakpoint
CREATE INDEX "ix_task_run__name" ON "task_run" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_id" ON "task_run" USING btree ("state_id");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_type" ON "task_run" USING btree ("state_type");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_name" ON "task_run" USING btree ("state_name");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_timestamp" ON "task_run" USING btree ("state_timestamp");--> statement-breakpoint
CREATE INDEX "ix_task_run__state_type_start_time" ON "task_run" USING btree ("state_type","start_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__expected_start_time_desc" ON "task_run" USING btree ("expected_start_time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_task_run__next_scheduled_start_time_asc" ON "task_run" USING btree ("next_scheduled_start_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__start_time" ON "task_run" USING btree ("start_time");--> statement-breakpoint
CREATE INDEX "ix_task_run__end_time_desc" ON "task_run" USING btree ("end_time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_task_run__updated" ON "task_run" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_task_run_state__task_run_id_timestamp_desc" ON "task_run_state" USING btree ("task_run_id","timestamp" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ix_task_run_state__type" ON "task_run_state" USING btree ("type");--> statement-breakpoint
CREATE INDEX "ix_task_run_state__name" ON "task_run_state" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_task_run_state__updated" ON "task_run_state" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_work_pool__name" ON "work_pool" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_work_pool__type" ON "work_pool" USING btree ("type");--> statement-breakpoint
CREATE INDEX "ix_work_pool__updated" ON "work_pool" USING btree ("updated");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_work_queue__work_pool_id_name" ON "work_queue" USING btree ("work_pool_id","name");--> statement-breakpoint
CREATE INDEX "ix_work_queue__work_pool_id_priority" ON "work_queue" USING btree ("work_pool_id","priority");--> statement-breakpoint
CREATE INDEX "ix_work_queue__name" ON "work_queue" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_work_queue__updated" ON "work_queue" USING btree ("updated");