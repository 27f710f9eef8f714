CREATE TABLE "automation" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"description" varchar DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"trigger" json NOT NULL,
	"actions" json NOT NULL,
	"actions_on_trigger" json DEFAULT '[]'::json NOT NULL,
	"actions_on_resolve" json DEFAULT '[]'::json NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automation_bucket" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"automation_id" uuid NOT NULL,
	"trigger_id" uuid NOT NULL,
	"bucketing_key" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_event" jsonb,
	"start" timestamp(6) with time zone NOT NULL,
	"end" timestamp(6) with time zone NOT NULL,
	"count" integer NOT NULL,
	"last_operation" varchar,
	"triggered_at" timestamp(6) with time zone
);
--> statement-breakpoint
CREATE TABLE "automation_event_queue" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"occurred" timestamp(6) with time zone NOT NULL,
	"enqueued" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automation_related_resource" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"automation_id" uuid NOT NULL,
	"resource_id" varchar NOT NULL,
	"automation_owned_by_resource" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automation_triggered_action" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"automation_id" uuid NOT NULL,
	"action_index" integer NOT NULL,
	"action" jsonb NOT NULL,
	"triggered_action" jsonb NOT NULL,
	"triggered" timestamp(6) with time zone NOT NULL,
	"status" varchar DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"result" jsonb
);
--> statement-breakpoint
CREATE TABLE "composite_trigger_child_firing" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"automation_id" uuid NOT NULL,
	"parent_trigger_id" uuid NOT NULL,
	"child_trigger_id" uuid NOT NULL,
	"child_firing_id" uuid NOT NULL,
	"child_fired_at" timestamp(6) with time zone,
	"child_firing" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "automation_bucket" ADD CONSTRAINT "automation_bucket_automation_id_automation_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automation"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_related_resource" ADD CONSTRAINT "automation_related_resource_automation_id_automation_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automation"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "composite_trigger_child_firing" ADD CONSTRAINT "composite_trigger_child_firing_automation_id_automation_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automation"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_automation__name" ON "automation" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_automation__created" ON "automation" USING btree ("created");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_automation_bucket__automation_id__trigger_id__bucketing_key" ON "automation_bucket" USING btree ("automation_id","trigger_id","bucketing_key");--> statement-breakpoint
CREATE INDEX "ix_automation_bucket__automation_id__end" ON "automation_bucket" USING btree ("automation_id","end");--> statement-breakpoint
CREATE INDEX "ix_automation_event_queue__occurred" ON "automation_event_queue" USING btree ("occurred");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_automation_related_resource__automation_id__resource_id" ON "automation_related_resource" USING btree ("automation_id","resource_id");--> statement-breakpoint
CREATE INDEX "ix_automation_related_resource__resource_id" ON "automation_related_resource" USING btree ("resource_id");--> statement-breakpoint
CREATE INDEX "ix_automation_triggered_action__status_next_attempt_at" ON "automation_triggered_action" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "ix_automation_triggered_action__automation_id" ON "automation_triggered_action" USING btree ("automation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_composite_trigger_child_firing__a_id__pt_id__ct__id" ON "composite_trigger_child_firing" USING btree ("automation_id","parent_trigger_id","child_trigger_id");