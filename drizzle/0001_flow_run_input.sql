CREATE TABLE "flow_run_input" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"flow_run_id" uuid NOT NULL,
	"key" varchar NOT NULL,
	"value" text NOT NULL,
	"sender" varchar
);
--> statement-breakpoint
ALTER TABLE "flow_run_input" ADD CONSTRAINT "flow_run_input_flow_run_id_flow_run_id_fk" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_flow_run_input__flow_run_id_key" ON "flow_run_input" USING btree ("flow_run_id","key");--> statement-breakpoint
CREATE INDEX "ix_flow_run_input__updated" ON "flow_run_input" USING btree ("updated");