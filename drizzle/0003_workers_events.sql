CREATE TYPE "public"."worker_status" AS ENUM('ONLINE', 'OFFLINE');--> statement-breakpoint
CREATE TABLE "event" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"occurred" timestamp(6) with time zone NOT NULL,
	"event" text NOT NULL,
	"resource_id" text NOT NULL,
	"resource" jsonb NOT NULL,
	"related_resource_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"related" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"received" timestamp(6) with time zone NOT NULL,
	"recorded" timestamp(6) with time zone NOT NULL,
	"follows" uuid
);
--> statement-breakpoint
CREATE TABLE "event_resource" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"occurred" timestamp(6) with time zone NOT NULL,
	"resource_id" text NOT NULL,
	"resource_role" text NOT NULL,
	"resource" jsonb NOT NULL,
	"event_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "worker" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"work_pool_id" uuid NOT NULL,
	"name" varchar NOT NULL,
	"last_heartbeat_time" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"heartbeat_interval_seconds" integer,
	"status" "worker_status" DEFAULT 'OFFLINE' NOT NULL
);
--> statement-breakpoint
ALTER TABLE "worker" ADD CONSTRAINT "worker_work_pool_id_work_pool_id_fk" FOREIGN KEY ("work_pool_id") REFERENCES "public"."work_pool"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_event__occurred" ON "event" USING btree ("occurred");--> statement-breakpoint
CREATE INDEX "ix_event__event_occurred" ON "event" USING btree ("event","occurred");--> statement-breakpoint
CREATE INDEX "ix_event__resource_id_occurred" ON "event" USING btree ("resource_id","occurred");--> statement-breakpoint
CREATE INDEX "ix_event__related_resource_ids" ON "event" USING gin ("related_resource_ids");--> statement-breakpoint
CREATE INDEX "ix_event__follows" ON "event" USING btree ("follows");--> statement-breakpoint
CREATE INDEX "ix_event_resource__resource_id_occurred" ON "event_resource" USING btree ("resource_id","occurred");--> statement-breakpoint
CREATE INDEX "ix_event_resource__event_id" ON "event_resource" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_worker__work_pool_id_name" ON "worker" USING btree ("work_pool_id","name");--> statement-breakpoint
CREATE INDEX "ix_worker__work_pool_id_last_heartbeat_time" ON "worker" USING btree ("work_pool_id","last_heartbeat_time");--> statement-breakpoint
CREATE INDEX "ix_worker__updated" ON "worker" USING btree ("updated");