CREATE TABLE "log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"name" varchar NOT NULL,
	"level" smallint NOT NULL,
	"flow_run_id" uuid,
	"task_run_id" uuid,
	"message" text NOT NULL,
	"timestamp" timestamp(6) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ix_log__level" ON "log" USING btree ("level");--> statement-breakpoint
CREATE INDEX "ix_log__flow_run_id" ON "log" USING btree ("flow_run_id");--> statement-breakpoint
CREATE INDEX "ix_log__task_run_id" ON "log" USING btree ("task_run_id");--> statement-breakpoint
CREATE INDEX "ix_log__timestamp" ON "log" USING btree ("timestamp");--> statement-breakpoint
CREATE INDEX "ix_log__flow_run_id_timestamp" ON "log" USING btree ("flow_run_id","timestamp");--> statement-breakpoint
CREATE INDEX "ix_log__updated" ON "log" USING btree ("updated");