CREATE TABLE "saved_search" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"filters" json DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "uq_saved_search__name" ON "saved_search" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_saved_search__updated" ON "saved_search" USING btree ("updated");--> statement-breakpoint
CREATE INDEX "ix_flow_run__flow_id_next_scheduled_start_time_scheduled" ON "flow_run" USING btree ("flow_id","next_scheduled_start_time") WHERE state_type = 'SCHEDULED';